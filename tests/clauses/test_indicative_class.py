"""Partijen whose class the classification marked indicatief (standard analysis package incomplete)."""

from __future__ import annotations

import json

import pytest

from grondwerk.clauses.docx_writer import docx_text
from grondwerk.clauses.stage import run_clauses_stage
from grondwerk.errors import InputError


def mark_first_partij(dossier, **fields):
    path = dossier.path / "05_classification" / "partijen.json"
    partijen = json.loads(path.read_text(encoding="utf-8"))
    partijen[0].update(fields)
    path.write_text(json.dumps(partijen), encoding="utf-8")


def test_indicative_partij_is_flagged(tender, make_dossier):
    dossier = make_dossier("no_match")
    mark_first_partij(dossier, klasse_indicatief=True, analysepakket_volledig=False,
                      ontbrekende_stoffen=["cadmium", "kwik"], ontbrekende_bodemkenmerken=["lutum"])
    run_clauses_stage(tender, dossier)
    round_dir = dossier.path / "06_clauses" / "round-1"
    lines = docx_text(round_dir / "clauses.docx")
    record = json.loads((round_dir / "clauses.json").read_text(encoding="utf-8"))

    assert (
        "P1 | Klasse wonen (indicatief) | zand | 900 | MM01, MM02 | Bodemonderzoek (monsters MM01, MM02); "
        "analysepakket onvolledig, eerst aanvullend analyseren op: cadmium, kwik, lutum"
    ) in lines
    assert "P2 | Klasse wonen | zand | 900 | MM03 | Bodemonderzoek (monsters MM03)" in lines
    bill = {item["code"]: item["description"] for item in record["bill_of_quantities"]}
    assert bill["G01"] == "Ontgraven en gescheiden laden van partij P1 (klasse wonen, indicatief, zand)"
    assert bill["G02"] == "Ontgraven en gescheiden laden van partij P2 (klasse wonen, zand)"


@pytest.mark.parametrize(
    "fields, value",
    [
        ({"klasse_indicatief": "ja"}, "ja"),
        ({"klasse_indicatief": True, "ontbrekende_stoffen": "cadmium"}, "cadmium"),
        ({"ontbrekende_bodemkenmerken": [1]}, [1]),
    ],
)
def test_invalid_package_fields_are_input_errors(tender, make_dossier, fields, value):
    dossier = make_dossier("no_match")
    mark_first_partij(dossier, **fields)
    with pytest.raises(InputError) as raised:
        run_clauses_stage(tender, dossier)
    assert raised.value.record == "[0]"
    assert raised.value.value == value
