"""User-facing text in Dutch (default) and English.

Messages are written where they are raised as a pair of templates, so each
module keeps its own wording and nobody edits one shared catalogue::

    raise InputError(msg("Bestand {file} ontbreekt", "File {file} is missing", file=path))

The language is chosen when the text is shown, from ``GRONDWERK_LANG``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grondwerk import settings


@dataclass(frozen=True)
class Message:
    """A user-facing message with its Dutch and English template and the values to fill in."""

    nl: str
    en: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, language: str | None = None) -> str:
        template = self.en if (language or settings.language()) == "en" else self.nl
        return template.format(**self.params)

    def __str__(self) -> str:
        return self.render()


def msg(nl: str, en: str, **params: Any) -> Message:
    """Build a bilingual message; ``params`` fill ``{name}`` fields in both templates."""
    return Message(nl, en, params)


def text(nl: str, en: str) -> str:
    """Return ``nl`` or ``en`` for the current language (for help texts and labels without parameters)."""
    return en if settings.language() == "en" else nl
