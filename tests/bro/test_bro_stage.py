"""Stage 2 (bro) on the demo tender against the stand-in with the four real BRO objects of the area."""

from __future__ import annotations

import csv
import json

import pytest

from grondwerk.bro.readers import LAYER_COLUMNS, LOCATION_COLUMNS
from grondwerk.bro.stage import run_bro_stage
from grondwerk.dossier import Dossier
from grondwerk.tender import load_tender_file


@pytest.fixture
def demo_tender(demo_dir):
    return load_tender_file(demo_dir / "tender.yaml")


def _rows(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_stage_demo_area(demo_tender, demo_cassettes, standin_factory, tmp_path):
    _, base_url = standin_factory(demo_cassettes)
    dossier = Dossier(tmp_path / "dossier")
    result = run_bro_stage(demo_tender, dossier, base_url, timeout=5)

    folder = dossier.path / "02_bro"
    locations = _rows(folder / "locations.csv")
    layers = _rows(folder / "layers.csv")
    assert list(locations[0]) == LOCATION_COLUMNS
    assert list(layers[0]) == LAYER_COLUMNS
    assert sorted(row["object_id"] for row in locations) == ["BHR000000175723", "BHR000000353924", "CPT000000005925", "CPT000000115243"]
    # 14 layers in the first BHR-GT description and 4 in the BHR-P; CPTs describe no layers.
    assert len(layers) == 18
    assert sorted(path.name for path in (folder / "objects").iterdir()) == [
        "BHR000000175723.xml",
        "BHR000000353924.xml",
        "CPT000000005925.xml",
        "CPT000000115243.xml",
    ]
    assert result.status == "ok"
    assert result.summary["objects_per_type"] == {"cpt": 2, "bhrgt": 1, "bhrp": 1}
    assert result.summary["deregistered_skipped"] == 0
    assert result.summary["descriptions_not_read"] == 1
    assert result.conclusion_nl == (
        "4 BRO-objecten in het projectgebied: 2 sonderingen, 1 geotechnische boring, 1 bodemkundige boring; 18 lagen."
    )
    assert result.versions["soil_type_groups"].startswith("soil_type_groups@")
    json.dumps(result.summary)  # the manifest stores the summary as JSON


def test_stage_rerun_identical(demo_tender, demo_cassettes, standin_factory, tmp_path):
    _, base_url = standin_factory(demo_cassettes)
    dossier = Dossier(tmp_path / "dossier")
    run_bro_stage(demo_tender, dossier, base_url, timeout=5)
    folder = dossier.path / "02_bro"
    first = {path.name: path.read_bytes() for path in folder.rglob("*") if path.is_file()}
    run_bro_stage(demo_tender, dossier, base_url, timeout=5)
    second = {path.name: path.read_bytes() for path in folder.rglob("*") if path.is_file()}
    assert first == second


def test_stage_reports_missing_and_deregistered(demo_tender, demo_cassettes, standin_factory, tmp_path):
    # The BHR-P is deregistered; the BHR-GT cassette is unreadable, so the download fails with 404.
    text = (demo_cassettes / "BHR000000175723.xml").read_text(encoding="utf-8")
    (demo_cassettes / "BHR000000175723.xml").write_text(
        text.replace("<brocom:deregistered>nee", "<brocom:deregistered>ja"), encoding="utf-8"
    )
    server, base_url = standin_factory(demo_cassettes)
    server.index.objects["BHR000000353924"]["path"] = tmp_path / "gone.xml"
    (tmp_path / "gone.xml").write_text("<niet-af", encoding="utf-8")

    dossier = Dossier(tmp_path / "dossier")
    result = run_bro_stage(demo_tender, dossier, base_url, timeout=5)
    assert result.status == "warning"
    assert result.summary["deregistered_ids"] == ["BHR000000175723"]
    assert [item["object_id"] for item in result.summary["refused"]] == ["BHR000000353924"]
    assert "geen geldige XML" in result.summary["refused"][0]["reason_nl"]
    assert result.summary["objects"] == 2
    assert "1 uitgeschreven object(en) overgeslagen" in result.conclusion_nl
    assert "BHR000000353924" in result.conclusion_nl
