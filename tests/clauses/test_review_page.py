"""The review page: articles beside their triggering data, the diff between rounds and the response form."""

from __future__ import annotations

import pytest

from .conftest import RUN_ID, review_client


def test_review_page_shows_articles_with_triggers(reviewed_run):
    response = review_client(frozenset({"bodemteam"})).get(f"/grondwerk/review/tender_halte/{RUN_ID}/review_clauses_2")

    assert response.status_code == 200
    page = response.text
    assert "Artikel 1. Eigendom van vrijkomende grond en baggerspecie" in page
    assert "nog geen geaccepteerd matchvoorstel voor deze aanbesteding" in page
    assert "variant gekozen door het bodemteam" in page
    assert "UAV 2012 §5 lid 8 en §21 lid 1" in page
    assert "Korting &lt;b&gt;omhoog&lt;/b&gt;" in page
    assert "Korting <b>omhoog</b>" not in page


def test_review_page_diff_against_previous_round(reviewed_run):
    page = review_client(frozenset({"bodemteam"})).get(f"/grondwerk/review/tender_halte/{RUN_ID}/review_clauses_2").text

    assert '<span class="del">-Voor elke kalenderdag dat de aannemer de registratie later aanlevert dan in lid 4 bepaald, geldt een korting van € 1.000.</span>' in page
    assert '<span class="add">+Voor elke kalenderdag dat de aannemer de registratie later aanlevert dan in lid 4 bepaald, geldt een korting van € 2.500.</span>' in page


def test_review_page_first_round_has_no_diff(reviewed_run):
    page = review_client(frozenset({"bodemteam"})).get(f"/grondwerk/review/tender_halte/{RUN_ID}/review_clauses_1").text

    assert "Dit is de eerste ronde" in page


def test_review_page_form_patches_hitl_detail(reviewed_run):
    page = review_client(frozenset({"bodemteam"})).get(f"/grondwerk/review/tender_halte/{RUN_ID}/review_clauses_2").text

    assert 'data-api="/api/v2/dags/tender_halte/dagRuns/manual__2027-01-05T10%3A00%3A00%2B00%3A00/taskInstances/review_clauses_2/-1/hitlDetails"' in page
    for option in ("Goedkeuren", "Wijzigingen vragen", "Afwijzen"):
        assert f'value="{option}"' in page
    assert 'data-clause="meldingen" data-current="aannemer"' in page
    assert 'data-variable="boete_per_dag" data-type="integer" data-current="2500"' in page
    assert "chosen_options: [option]" in page


def test_review_list_links_latest_round(reviewed_run):
    page = review_client(frozenset({"bodemteam"})).get("/grondwerk/review").text

    assert "/grondwerk/review/tender_halte/manual__2027-01-05T10%3A00%3A00%2B00%3A00/review_clauses_2" in page
    assert "hitlDetails?response_received=false" in page


def test_review_page_needs_soil_team_role(reviewed_run):
    response = review_client(frozenset({"inkoper"})).get(f"/grondwerk/review/tender_halte/{RUN_ID}/review_clauses_2")

    assert response.status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        f"/grondwerk/review/tender_halte/{RUN_ID}/review_clauses_9",
        f"/grondwerk/review/tender_halte/{RUN_ID}/accept_match",
        "/grondwerk/review/tender_halte/onbekende_run/review_clauses_1",
        f"/grondwerk/review/andere_dag/{RUN_ID}/review_clauses_1",
        "/grondwerk/review/tender_halte/..%2F..%2Fetc/review_clauses_1",
    ],
)
def test_review_page_unknown_targets_404(reviewed_run, path):
    assert review_client(frozenset({"bodemteam"})).get(path).status_code == 404
