"""Rendering rules: sandbox, missing values, escaping, stable hash and the ownership clause."""

from __future__ import annotations

import dataclasses
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grondwerk.clauses.catalogue import load_catalogue
from grondwerk.clauses.facts import CLASSES, Partij, partijen_from_tender
from grondwerk.clauses.render import build_environment, render_clauses, render_template
from grondwerk.errors import InputError
from grondwerk.settings import templates_dir


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture
def template_copy(tmp_path):
    """A writable copy of the clause library for tests that break a template."""
    target = tmp_path / "tender_templates"
    shutil.copytree(templates_dir(), target)
    return target


def _partij(partij_id: str, klasse: str, volume: float = 500.0) -> Partij:
    return Partij(
        id=partij_id, klasse=klasse, volume_m3=volume, soil_type="zand", samples=("MM01",), decisive=(),
        intervention_exceeded=klasse == "niet_toepasbaar", pfas=None, evidence="bodemonderzoek", evidence_label="Bodemonderzoek",
    )


def test_missing_variable_names_clause_and_variable(tender, template_copy):
    template = template_copy / "clauses" / "co2.standaard.html.j2"
    template.write_text(template.read_text(encoding="utf-8").replace("{{ var.co2_rapportage }}", "{{ var.co2_periode }}"), encoding="utf-8")
    catalogue = load_catalogue(template_copy)

    with pytest.raises(InputError) as raised:
        render_clauses(tender, partijen_from_tender(tender), [], catalogue)

    assert raised.value.record == "co2"
    assert raised.value.value == "co2_periode"
    assert "co2" in str(raised.value)
    assert "co2_periode" in str(raised.value)


def test_missing_tender_field_is_error_not_empty_text(tender, template_copy):
    template = template_copy / "clauses" / "eigendom.standaard.html.j2"
    template.write_text(template.read_text(encoding="utf-8") + "<p>{{ tender.bevoegd_gezag }}</p>\n", encoding="utf-8")

    with pytest.raises(InputError) as raised:
        render_clauses(tender, partijen_from_tender(tender), [], load_catalogue(template_copy))

    assert raised.value.record == "eigendom"
    assert raised.value.value == "bevoegd_gezag"


@pytest.mark.parametrize(
    "payload",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ tender.__class__ }}",
        "{{ lipsum.__globals__['os'] }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ self._TemplateReference__context }}",
        "{% set x = partijen.append(1) %}{{ partijen }}",
        "{{ partijen.pop() }}",
        "{{ (tender.project_name).format.__self__.__class__ }}",
    ],
)
def test_sandbox_blocks_python_internals(payload, tender, template_copy):
    template = template_copy / "clauses" / "eigendom.standaard.html.j2"
    template.write_text(f"<p>{payload}</p>\n", encoding="utf-8")

    with pytest.raises(InputError) as raised:
        render_clauses(tender, partijen_from_tender(tender), [], load_catalogue(template_copy))

    assert raised.value.record == "eigendom"
    assert "interne Python-gegevens" in str(raised.value)
    assert "unsafe" in str(raised.value.value)


def test_sandbox_blocks_string_format_attribute_access():
    env = build_environment(templates_dir())
    template = env.from_string("{{ '{0.__class__}'.format(value) }}")

    with pytest.raises(Exception) as raised:
        template.render(value="x")

    assert type(raised.value).__name__ == "SecurityError"


def test_tender_input_is_escaped(tender, catalogue):
    hostile = dataclasses.replace(tender, project_name="<script>alert('x')</script> & {{ 7*7 }}", contracting_authority="Gemeente <b>X</b>")

    rendered = render_clauses(hostile, partijen_from_tender(hostile), [], catalogue)

    assert "<script>" not in rendered.document_html
    assert "&lt;script&gt;" in rendered.document_html
    assert "Gemeente &lt;b&gt;X&lt;/b&gt;" in rendered.document_html
    assert "{{ 7*7 }}" in rendered.document_html
    assert "49" not in rendered.document_html.split("kenmerk")[0]


def test_hash_is_stable_for_same_input(tender, catalogue):
    partijen = [_partij("P1", "wonen"), _partij("P2", "achtergrondwaarde")]

    first = render_clauses(tender, partijen, [], catalogue)
    second = render_clauses(tender, list(partijen), [], load_catalogue())

    assert first.sha256 == second.sha256
    assert first.document_html == second.document_html


def test_hash_changes_with_variable(tender, catalogue):
    partijen = [_partij("P1", "wonen")]

    default = render_clauses(tender, partijen, [], catalogue)
    changed = render_clauses(tender, partijen, [], catalogue, variable_overrides={"boete_per_dag": 2500})

    assert default.sha256 != changed.sha256
    assert "€ 2.500" in changed.document_html
    assert "€ 2.500" not in default.document_html


def test_render_template_reports_syntax_error(template_copy, tender):
    (template_copy / "clauses" / "co2.standaard.html.j2").write_text("<p>{% if %}</p>", encoding="utf-8")

    with pytest.raises(InputError) as raised:
        render_clauses(tender, partijen_from_tender(tender), [], load_catalogue(template_copy))

    assert raised.value.record == "co2"


def test_catalogue_rejects_unknown_fact(template_copy):
    path = template_copy / "catalogue.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("when: [has_match]", "when: [has_matchh]"), encoding="utf-8")

    with pytest.raises(InputError) as raised:
        load_catalogue(template_copy)

    assert raised.value.value == "has_matchh"


def test_catalogue_rejects_missing_variant_template(template_copy):
    (template_copy / "clauses" / "depot.uit_match.html.j2").unlink()

    with pytest.raises(InputError) as raised:
        load_catalogue(template_copy)

    assert raised.value.value == "clauses/depot.uit_match.html.j2"


def test_render_template_direct_undefined(catalogue):
    env = build_environment(catalogue.templates_dir)

    with pytest.raises(InputError) as raised:
        render_template(env, "clauses/co2.standaard.html.j2", {}, clause_id="co2")

    assert raised.value.value == "var"


flow_strategy = st.fixed_dictionaries(
    {
        "to_kind": st.sampled_from(["demand", "depot", "disposal"]),
        "tonnes": st.floats(min_value=0, max_value=1e6, allow_nan=False),
        "km": st.floats(min_value=0, max_value=500, allow_nan=False),
    }
)


@settings(max_examples=60, deadline=None)
@given(
    classes=st.lists(st.sampled_from(CLASSES), min_size=1, max_size=6),
    flows=st.lists(flow_strategy, max_size=4),
    volume=st.floats(min_value=0, max_value=1e6, allow_nan=False),
)
def test_ownership_clause_always_first(classes, flows, volume, tender):
    catalogue = load_catalogue()
    partijen = [_partij(f"P{index}", klasse, volume) for index, klasse in enumerate(classes, start=1)]
    flow_records = [
        {"from": f"P{index % len(classes) + 1}", "to": f"T{index}", "to_kind": flow["to_kind"], "to_kind_label": flow["to_kind"],
         "to_name": f"Bestemming {index}", "address": "-", "period_label": "2027", "tonnes": flow["tonnes"], "km": flow["km"]}
        for index, flow in enumerate(flows)
    ]

    rendered = render_clauses(tender, partijen, flow_records, catalogue)

    ids = [clause.spec.id for clause in rendered.clauses]
    assert ids[0] == "eigendom"
    assert ("niet_toepasbaar" in ids) == ("niet_toepasbaar" in classes)
    assert ("depot" in ids) == (not flows or any(flow["to_kind"] == "depot" for flow in flows))
    assert "blijven eigendom van" in rendered.clauses[0].html
