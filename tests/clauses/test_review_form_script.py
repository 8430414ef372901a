"""The review page's form script, run in Node.js with stand-ins for the DOM and fetch: what it sends to Airflow."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import html as lxml_html

from .conftest import RUN_ID, review_client

NODE = shutil.which("node")
HARNESS = Path(__file__).resolve().parent / "review_form_harness.js"
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


def _page_fields(page: str, changes: dict[str, str]) -> tuple[str, str, list[dict]]:
    """Return the form script, the API URL and the form fields of a review page, with ``changes`` applied to their values."""
    root = lxml_html.document_fromstring(page)
    form = root.get_element_by_id("antwoord")
    script = root.xpath("//script")[-1].text
    fields = []
    for element in form.xpath(".//select[@data-clause]"):
        key = element.get("data-clause")
        fields.append({"kind": "clause", "key": key, "current": element.get("data-current"), "value": changes.get(key, element.get("data-current"))})
    for element in form.xpath(".//*[@data-variable]"):
        key = element.get("data-variable")
        fields.append({"kind": "variable", "key": key, "type": element.get("data-type"), "current": element.get("data-current"), "value": changes.get(key, element.get("data-current"))})
    return script, form.get("data-api"), fields


def _run(page: str, option: str, comment: str, changes: dict[str, str], options: list[str]) -> dict:
    script, api, fields = _page_fields(page, changes)
    detail = {"options": options, "response_received": False}
    payload = {"script": script, "api": api, "fields": fields, "detail": detail, "option": option, "comment": comment}
    result = subprocess.run([NODE, str(HARNESS), json.dumps(payload)], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)


def test_request_changes_sends_changed_values_only(reviewed_run):
    page = review_client(frozenset({"bodemteam"})).get(f"/grondwerk/review/tender_halte/{RUN_ID}/review_clauses_2").text

    result = _run(page, "Wijzigingen vragen", "Depot invullen", {"meldingen": "opdrachtgever", "depot_naam": "Depot Lopik", "registratie_werkdagen": "3"},
                  ["Goedkeuren", "Wijzigingen vragen", "Afwijzen"])

    patch = result["requests"][-1]
    assert patch["method"] == "PATCH"
    assert patch["url"] == "/api/v2/dags/tender_halte/dagRuns/manual__2027-01-05T10%3A00%3A00%2B00%3A00/taskInstances/review_clauses_2/-1/hitlDetails"
    assert patch["body"]["chosen_options"] == ["Wijzigingen vragen"]
    assert patch["body"]["params_input"]["comment"] == "Depot invullen"
    assert json.loads(patch["body"]["params_input"]["variants"]) == {"meldingen": "opdrachtgever"}
    assert json.loads(patch["body"]["params_input"]["variables"]) == {"depot_naam": "Depot Lopik", "registratie_werkdagen": 3}
    assert result["disabled"] == {"Goedkeuren": False, "Wijzigingen vragen": False, "Afwijzen": False}


def test_approve_sends_no_changes(reviewed_run):
    page = review_client(frozenset({"bodemteam"})).get(f"/grondwerk/review/tender_halte/{RUN_ID}/review_clauses_2").text

    result = _run(page, "Goedkeuren", "", {"boete_per_dag": "5000"}, ["Goedkeuren", "Afwijzen"])

    patch = result["requests"][-1]
    assert patch["body"] == {"chosen_options": ["Goedkeuren"], "params_input": {"comment": "", "variants": "{}", "variables": "{}"}}
    assert result["disabled"]["Wijzigingen vragen"] is True


def test_reject_without_comment_is_not_sent(reviewed_run):
    page = review_client(frozenset({"bodemteam"})).get(f"/grondwerk/review/tender_halte/{RUN_ID}/review_clauses_2").text

    result = _run(page, "Afwijzen", "", {}, ["Goedkeuren", "Wijzigingen vragen", "Afwijzen"])

    assert [request["method"] for request in result["requests"]] == ["GET"]
    assert result["status"] == "Geef een toelichting bij wijzigingen of afwijzen."
