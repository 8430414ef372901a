"""Writing the files a user names on the command line (``--out``, ``--write-instance``).

A path the user cannot write to is invalid input, not an internal error.
``reject_unwritable`` turns the ``OSError`` into an ``InputError`` that names
the path, the cause in the user's language and the option to change. The
command then exits with status 2 and one line instead of a traceback.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from grondwerk.errors import InputError
from grondwerk.i18n import msg

# Dutch and English cause per errno. Other errors show the operating system's own text.
CAUSES = {
    errno.EACCES: ("geen schrijfrechten", "permission denied"),
    errno.EPERM: ("geen schrijfrechten", "permission denied"),
    errno.EROFS: ("het bestandssysteem is alleen-lezen", "the file system is read-only"),
    errno.ENOENT: ("de map bestaat niet", "the folder does not exist"),
    errno.ENOTDIR: ("een deel van het pad is een bestand, geen map", "part of the path is a file, not a folder"),
    errno.EEXIST: ("er staat al een bestand met deze naam", "a file with this name already exists"),
    errno.EISDIR: ("dit is een map, geen bestand", "this is a folder, not a file"),
    errno.ENOSPC: ("de schijf is vol", "the disk is full"),
    errno.EDQUOT: ("het schijfquotum is op", "the disk quota is used up"),
    errno.ENAMETOOLONG: ("de naam is te lang", "the name is too long"),
}


@contextmanager
def reject_unwritable(path: str | Path, option: str) -> Iterator[None]:
    """Raise ``InputError`` naming the path and ``option`` when the block fails with an ``OSError``.

    Wrap only the writing itself, so that an ``OSError`` of reading an input
    file keeps its own message.
    """
    try:
        yield
    except OSError as exc:
        failed = exc.filename if exc.filename is not None else path
        cause_nl, cause_en = CAUSES.get(exc.errno, (exc.strerror or type(exc).__name__,) * 2)
        raise InputError(
            msg(
                "kan niet schrijven naar {path}: {cause}; kies met {option} een pad waar u mag schrijven",
                "cannot write to {path}: {cause_en}; choose with {option} a path you can write to",
                path=failed, cause=cause_nl, cause_en=cause_en, option=option,
            ),
            record=option, value=str(failed),
        ) from None
