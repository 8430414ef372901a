"""GEF-CPT and GEF-BORE reader: real files (golden values read by hand) and the edge cases suppliers produce."""

from __future__ import annotations

import math

import pytest

from grondwerk.bro.readers import read_bro_file
from grondwerk.errors import InputError

GEF_CPT_HEADER = """#GEFID= 1, 1, 0
#TESTID= S01
#COLUMN= 2
#COLUMNINFO= 1, m, sondeerlengte, 1
#COLUMNINFO= 2, MPa, conusweerstand, 2
#COLUMNVOID= 2, -9999
#PROCEDURECODE= GEF-CPT-Report, 1, 1, 0, -
#STARTDATE= 2024, 3, 5
"""


def _write(tmp_path, text: str, encoding: str = "utf-8", name: str = "test.gef"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_gef_bore_golden(fixtures_dir):
    locations, layers = read_bro_file(fixtures_dir / "example_bore.gef")
    row = locations.iloc[0]
    assert row.object_id == "B25D0598"
    assert row.object_type == "gef-bore"
    assert (row.x_rd_m, row.y_rd_m) == (115300.0, 480250.0)
    assert row.ground_level_nap_m == -4.0
    assert row.date == "2000-05-10"
    assert len(layers) == 102  # #LASTSCAN = 102
    first, third, last = layers.iloc[0], layers.iloc[2], layers.iloc[-1]
    assert (first.top_m_bgl, first.bottom_m_bgl, first.soil_name, first.soil_type_group) == (7.4, 12.5, "NBE", "overig")
    assert first.top_m_nap == pytest.approx(-11.4)
    assert (third.top_m_bgl, third.bottom_m_bgl, third.soil_name, third.soil_type_group) == (26.0, 27.0, "Zg1", "zand")
    assert (last.top_m_bgl, last.bottom_m_bgl, last.soil_name) == (152.0, 153.0, "Zg1")


def test_gef_cpt_voids_golden(fixtures_dir):
    locations, layers = read_bro_file(fixtures_dir / "cpt_voids.gef")
    row = locations.iloc[0]
    # The first of the two #TESTID lines wins.
    assert row.object_id == "CPTU17.8 + 83BITE"
    assert row.object_type == "gef-cpt"
    assert (row.x_rd_m, row.y_rd_m) == (79578.38, 424838.97)
    assert row.ground_level_nap_m == -0.09
    assert row.date == "2019-01-29"
    assert row.location_flag == ""
    assert layers.empty


def test_spaces_quotes_and_separators(tmp_path):
    text = (
        '"#GEFID = 1, 1, 0"\n'
        "#TESTID  =  S02\n"
        "#COLUMN = 2\n"
        "#COLUMNINFO = 1, m, sondeerlengte, 1\n"
        "#COLUMNINFO = 2, MPa, conusweerstand, 2\n"
        "#COLUMNSEPARATOR = |\n"
        "#RECORDSEPARATOR = $\n"
        "#XYID = 31000, 155000.5, 463000.25\n"
        "#ZID = 31000, 1.25\n"
        "#REPORTCODE = GEF-CPT-Report, 1, 1, 2\n"
        "#EOH =\n"
        "0.00|1.5|$0.02|2.5|$\n"
    )
    locations, _ = read_bro_file(_write(tmp_path, text))
    row = locations.iloc[0]
    assert row.object_id == "S02"
    assert (row.x_rd_m, row.y_rd_m) == (155000.5, 463000.25)
    assert row.ground_level_nap_m == 1.25


def test_windows_1252_file(tmp_path):
    text = GEF_CPT_HEADER + "#MEASUREMENTTEXT= 3, Oppervlaktequotiënt, locatie\n#XYID= 31000, 120000, 450000\n#ZID= 31000, 0.5\n#EOH=\n0.0 1.0\n0.1 -9999\n"
    locations, _ = read_bro_file(_write(tmp_path, text, encoding="cp1252"))
    assert locations.iloc[0].object_id == "S01"
    assert locations.iloc[0].date == "2024-03-05"


@pytest.mark.parametrize(
    ("xyid", "flag"),
    [("", "xy_missing"), ("#XYID= 0.0, 0.0, 0.0, 0.0, 0.0\n", "xy_zero"), ("#XYID= 31000, 0, 0\n", "xy_zero"), ("#XYID= 0, 244319.00, 587520.00, 0.01, 0.01\n", "xy_crs_assumed_rd")],
)
def test_missing_or_zero_xyid_flagged(tmp_path, xyid, flag):
    text = GEF_CPT_HEADER + xyid + "#ZID= 31000, 0.13\n#EOH=\n0.0 1.0\n"
    locations, _ = read_bro_file(_write(tmp_path, text))
    row = locations.iloc[0]
    assert flag in row.location_flag
    if flag == "xy_crs_assumed_rd":
        assert (row.x_rd_m, row.y_rd_m) == (244319.0, 587520.0)
    else:
        # Never placed at 0,0: the position stays empty.
        assert row.x_rd_m is None or math.isnan(row.x_rd_m)
        assert row.lat_wgs84 is None or math.isnan(row.lat_wgs84)


def test_missing_zid_gives_unknown_ground_level(tmp_path):
    text = GEF_CPT_HEADER + "#XYID= 31000, 120000, 450000\n#EOH=\n0.0 1.0\n"
    locations, _ = read_bro_file(_write(tmp_path, text))
    assert "ground_level_unknown" in locations.iloc[0].location_flag


def test_void_bore_depth_refused(tmp_path):
    text = (
        "#GEFID= 1, 1, 0\n#TESTID= B1\n#COLUMN= 2\n#COLUMNINFO= 1, m, bovenkant, 1\n#COLUMNINFO= 2, m, onderkant, 2\n"
        "#COLUMNVOID= 2, -9999.99\n#COLUMNSEPARATOR= ;\n#RECORDSEPARATOR= !\n#REPORTCODE= GEF-BORE-Report,1,0,0\n"
        "#XYID= 31000, 120000, 450000\n#EOH=\n0.0;1.0;'Z';!\n1.0;-9999.99;'K';!\n"
    )
    with pytest.raises(InputError, match="record 2"):
        read_bro_file(_write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("#GEFID= 1, 1, 0\n#TESTID= X\n#EOH=\n1 2\n", "REPORTCODE"),
        (GEF_CPT_HEADER.replace("#COLUMNINFO= 1, m, sondeerlengte, 1\n", "") + "#EOH=\n1 2\n", "hoeveelheid 1"),
        (GEF_CPT_HEADER + "0.0 1.0\n", "#EOH"),
        (GEF_CPT_HEADER + "#EOH=\n0.0 abc\n", "abc"),
        (GEF_CPT_HEADER + "#EOH=\n", "gegevensregels"),
    ],
)
def test_bad_gef_refused_one_line(tmp_path, text, reason):
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        read_bro_file(path)
    assert reason in str(caught.value)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_tab_separated_without_separator_header(shared_bro_dir):
    locations, _ = read_bro_file(shared_bro_dir / "Deltares_GEOLib-Plus" / "unit_testing.gef")
    assert locations.iloc[0].object_id == "DKP302"
    assert locations.iloc[0].ground_level_nap_m == 0.13


def test_gef_cp1252_real_file(shared_bro_dir):
    locations, _ = read_bro_file(shared_bro_dir / "Deltares-research_geost" / "83268_DKMP003_wiertsema.gef")
    row = locations.iloc[0]
    assert row.object_id == "DKMP_D03"
    assert (row.x_rd_m, row.y_rd_m) == (176161.1, 557162.1)
    assert row.ground_level_nap_m == -0.06
