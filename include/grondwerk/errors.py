"""Exceptions that reach users.

``InputError`` means the user's input is invalid (CLI exit status 2); the
message names the file, the record and the value, and what to do about it.
Anything else that escapes is an internal error (exit status 1).
"""

from __future__ import annotations

from grondwerk.i18n import Message, msg


class GrondwerkError(Exception):
    """Base class of errors with a user-facing bilingual message."""

    def __init__(self, message: Message | str):
        self.message = message if isinstance(message, Message) else msg(message, message)
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return self.message.render()


class InputError(GrondwerkError):
    """Invalid user input: a file, record or value that Grondwerk cannot accept."""

    def __init__(
        self,
        message: Message | str,
        *,
        file: str | None = None,
        record: str | None = None,
        value: object = None,
    ):
        super().__init__(message)
        self.file = file
        self.record = record
        self.value = value

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.record:
            parts.append(str(self.record))
        prefix = ": ".join(parts)
        text = self.message.render()
        return f"{prefix}: {text}" if prefix else text


class DataQualityError(GrondwerkError):
    """A critical data-quality check failed; the run stops with a report of what to fix."""


class ReviewRejected(GrondwerkError):
    """The soil team rejected the clauses; the run stops with their reason in the dossier."""
