"""Writing the files a user names on the command line (``--out``, ``--write-instance``).

A path the user cannot write to is invalid input, not an internal error.
``reject_unwritable`` turns the ``OSError`` into an ``InputError`` that names
the path, the cause in the user's language and the option to change. The
command then exits with status 2 and one line instead of a traceback.
``check_writable`` and ``check_writable_folder`` raise that error before a
command does its work, so that a long run is not lost at the end.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterable, Iterator
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


def check_writable(path: str | Path, option: str) -> None:
    """Raise ``InputError`` now when the file ``path`` cannot be written.

    Opening for appending leaves an existing file unchanged. A file that the
    check itself created is removed again, so a run that fails later leaves
    no empty result behind.
    """
    path = Path(path)
    existed = os.path.lexists(path)
    with reject_unwritable(path, option):
        with open(path, "a", encoding="utf-8"):
            pass
    if not existed:
        path.unlink(missing_ok=True)


def check_writable_folder(folder: str | Path, names: Iterable[str], option: str) -> None:
    """Raise ``InputError`` now when ``folder`` cannot be created or one of the files ``names`` in it cannot be written.

    Each file is checked with ``check_writable``. Folders that the check
    created are removed again, so a run that fails later leaves no empty
    folder behind.
    """
    folder = Path(folder)
    # The folder and its missing parents, deepest first: the ones that mkdir would create.
    missing = []
    for candidate in (folder, *folder.parents):
        if os.path.lexists(candidate):
            break
        missing.append(candidate)
    try:
        with reject_unwritable(folder, option):
            folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            check_writable(folder / name, option)
    finally:
        for created in missing:
            # os.path.isdir returns False, instead of raising, for a name the system rejects as too long.
            if os.path.isdir(created):
                # A folder that another process has filled meanwhile stays.
                with contextlib.suppress(OSError):
                    created.rmdir()
