"""Safe XML: entities are not expanded, no network or file access, a size limit with a clear message."""

from __future__ import annotations

import pytest

from grondwerk.bro.readers import read_bro_file
from grondwerk.bro.xmlsafe import parse_xml_bytes, parse_xml_file
from grondwerk.errors import InputError


def test_entity_expansion_is_rejected():
    data = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><r>&c;</r>'
    )
    with pytest.raises(InputError, match="DOCTYPE") as caught:
        parse_xml_bytes(data, source="bomb.xml")
    assert caught.value.file == "bomb.xml"


def test_external_entity_is_rejected_unread(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT", encoding="utf-8")
    data = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><r>&x;</r>'.encode()
    with pytest.raises(InputError, match="DOCTYPE") as caught:
        parse_xml_bytes(data, source="xxe.xml")
    assert "SECRET-CONTENT" not in str(caught.value)


def test_doctype_after_root_start_is_text_not_declaration():
    root = parse_xml_bytes(b"<r>&lt;!DOCTYPE is only text here</r>", source="ok.xml")
    assert root.text == "<!DOCTYPE is only text here"


def test_size_limit_message(tmp_path, monkeypatch):
    path = tmp_path / "big.xml"
    path.write_bytes(b"<r>" + b"x" * 2000 + b"</r>")
    monkeypatch.setenv("GRONDWERK_BRO_MAX_XML_BYTES", "1000")
    with pytest.raises(InputError) as caught:
        parse_xml_file(path)
    assert "1000" in str(caught.value)
    assert "GRONDWERK_BRO_MAX_XML_BYTES" in str(caught.value)
    assert str(path) in str(caught.value)


def test_truncated_xml_refused(tmp_path, fixtures_dir):
    path = tmp_path / "CPT000000005925.xml"
    path.write_bytes((fixtures_dir / "CPT000000005925.xml").read_bytes()[:5000])
    with pytest.raises(InputError, match="geen geldige XML"):
        read_bro_file(path)
