import pytest

from grondwerk.errors import InputError
from grondwerk.jsonfile import read_json


@pytest.mark.parametrize(
    ("content", "expect", "fragment"),
    [
        (b'{"a": ', dict, "geen geldige JSON"),
        (b"[" * 100_000 + b"]" * 100_000, None, "te diep genest"),
        (b'"text"', dict, "een object"),
        (b"{}", list, "een lijst"),
        ("Café".encode("latin-1"), None, "geen UTF-8"),
    ],
)
def test_unusable_json_names_file(tmp_path, content, expect, fragment):
    path = tmp_path / "in.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=fragment) as caught:
        read_json(path, expect=expect)
    assert caught.value.file == str(path)


def test_missing_file_uses_hint(tmp_path):
    with pytest.raises(InputError, match="draai eerst"):
        read_json(tmp_path / "nope.json", missing_hint=("draai eerst stap 8", "run stage 8 first"))


def test_valid_json_is_returned(tmp_path):
    path = tmp_path / "ok.json"
    path.write_text('{"flows": []}')
    assert read_json(path, expect=dict) == {"flows": []}
