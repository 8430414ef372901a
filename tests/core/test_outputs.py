"""``reject_unwritable``: an OSError while writing a user-named path becomes an InputError naming path and option."""

from __future__ import annotations

import errno

import pytest

from grondwerk.errors import InputError
from grondwerk.outputs import reject_unwritable


def test_file_as_parent_folder(tmp_path):
    blocker = tmp_path / "report.txt"
    blocker.write_text("", encoding="utf-8")
    target = blocker / "result.json"

    with pytest.raises(InputError) as info:
        with reject_unwritable(target, "--out"):
            target.write_text("{}", encoding="utf-8")

    assert info.value.record == "--out"
    assert info.value.value == str(target)
    assert str(info.value) == f"--out: kan niet schrijven naar {target}: een deel van het pad is een bestand, geen map; kies met --out een pad waar u mag schrijven"


def test_missing_folder_in_english(tmp_path, monkeypatch):
    monkeypatch.setenv("GRONDWERK_LANG", "en")
    target = tmp_path / "missing" / "result.json"

    with pytest.raises(InputError) as info:
        with reject_unwritable(target, "--write-instance"):
            target.write_text("{}", encoding="utf-8")

    assert str(info.value) == f"--write-instance: cannot write to {target}: the folder does not exist; choose with --write-instance a path you can write to"


def test_permission_error_names_failing_path(tmp_path):
    # Tests may run as root, where chmod does not stop writing, so the error is raised directly.
    target = tmp_path / "out"

    with pytest.raises(InputError) as info:
        with reject_unwritable(target, "--out"):
            raise PermissionError(errno.EACCES, "Permission denied", str(target / "clauses.docx"))

    assert info.value.value == str(target / "clauses.docx")
    assert "geen schrijfrechten" in str(info.value)


def test_unknown_errno_shows_system_text(tmp_path):
    with pytest.raises(InputError) as info:
        with reject_unwritable(tmp_path, "--out"):
            raise OSError(errno.EIO, "Input/output error")

    assert f"kan niet schrijven naar {tmp_path}: Input/output error;" in str(info.value)


def test_other_exceptions_pass_through(tmp_path):
    with pytest.raises(ValueError):
        with reject_unwritable(tmp_path, "--out"):
            raise ValueError("not an OS error")
