"""Select and render the clauses of a tender in a sandboxed Jinja2 environment.

Templates run in ``ImmutableSandboxedEnvironment`` with ``StrictUndefined``
and HTML autoescaping. Tender input is escaped, and it is only passed as
values, never compiled as a template. A template cannot reach Python
internals (``__class__``, ``__globals__``) or change the data it is given.
A missing value raises ``InputError`` naming the clause and the variable
instead of rendering empty text.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grondwerk.clauses.catalogue import Catalogue, ClauseSpec, condition_fact, fact_holds, validate_variable
from grondwerk.clauses.facts import (
    CLASS_LABELS,
    Partij,
    bill_of_quantities,
    compute_facts,
    format_date,
    format_number,
    tender_context,
)
from grondwerk.errors import InputError
from grondwerk.i18n import msg
from grondwerk.tender import TenderSpec

log = logging.getLogger(__name__)

DOCUMENT_TEMPLATE = "document.html.j2"
DOCUMENT_TITLE = "Bestekteksten grond en baggerspecie"


@dataclass(frozen=True)
class SelectedClause:
    """A clause chosen for this tender, with its variant and the facts that triggered it."""

    spec: ClauseSpec
    variant: str
    triggered_by: list[dict[str, Any]]


@dataclass
class RenderedClause:
    """A selected clause with its article number and rendered (escaped) HTML fragment."""

    selected: SelectedClause
    number: int
    html: str

    @property
    def spec(self) -> ClauseSpec:
        return self.selected.spec


@dataclass
class RenderedSet:
    """The rendered clauses of one tender: the HTML document, its sha256 and what went into it."""

    clauses: list[RenderedClause]
    document_html: str
    sha256: str
    facts: dict[str, bool]
    variables: dict[str, Any]
    bill: list[dict[str, Any]]
    catalogue_version: str
    norms_version: str
    tender: dict[str, Any] = field(default_factory=dict)

    def clause_records(self) -> list[dict[str, Any]]:
        return [
            {
                "id": rendered.spec.id,
                "number": rendered.number,
                "title": rendered.spec.title,
                "version": rendered.spec.version,
                "legal_basis": rendered.spec.legal_basis,
                "confidence": rendered.spec.confidence,
                "unconfirmed": rendered.spec.unconfirmed,
                "reason": rendered.spec.reason,
                "variant": rendered.selected.variant,
                "variants_allowed": [v.name for v in rendered.spec.variants],
                "triggered_by": rendered.selected.triggered_by,
            }
            for rendered in self.clauses
        ]


def build_environment(templates_dir: Path):
    """Return the sandboxed Jinja2 environment over ``templates_dir``."""
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(str(templates_dir)),
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=False,
    )
    env.filters["nl_getal"] = format_number
    env.filters["nl_datum"] = format_date
    env.filters["klasse_label"] = lambda code: CLASS_LABELS[code]
    return env


def _undefined_name(message: str) -> str:
    for pattern in (r"'([^']+)' is undefined", r"has no attribute '([^']+)'", r"no element '?([^']+?)'?$"):
        found = re.search(pattern, message)
        if found:
            return found.group(1)
    return message


def render_template(env, template_name: str, context: dict[str, Any], *, clause_id: str) -> str:
    """Render one template; turn template errors into ``InputError`` naming the clause and template."""
    from jinja2 import TemplateNotFound, TemplateSyntaxError, UndefinedError
    from jinja2.sandbox import SecurityError

    try:
        return env.get_template(template_name).render(context)
    except SecurityError as exc:
        raise InputError(
            msg(
                "sjabloon van clausule '{clause}' probeert interne Python-gegevens te gebruiken ({error}); dat is geblokkeerd, herstel het sjabloon",
                "template of clause '{clause}' tries to use Python internals ({error}); this is blocked, fix the template",
                clause=clause_id, error=exc,
            ),
            file=template_name, record=clause_id, value=str(exc),
        ) from None
    except UndefinedError as exc:
        name = _undefined_name(str(exc))
        raise InputError(
            msg(
                "clausule '{clause}': variabele '{variable}' heeft geen waarde; vul de gegevens aan of herstel het sjabloon",
                "clause '{clause}': variable '{variable}' has no value; complete the data or fix the template",
                clause=clause_id, variable=name,
            ),
            file=template_name, record=clause_id, value=name,
        ) from None
    except TemplateSyntaxError as exc:
        raise InputError(
            msg("sjabloon van clausule '{clause}' is ongeldig op regel {line}: {error}", "template of clause '{clause}' is invalid at line {line}: {error}", clause=clause_id, line=exc.lineno, error=exc.message),
            file=exc.filename or template_name, record=clause_id, value=exc.message,
        ) from None
    except TemplateNotFound as exc:
        raise InputError(
            msg("sjabloon {value} van clausule '{clause}' ontbreekt", "template {value} of clause '{clause}' is missing", value=exc.name, clause=clause_id),
            file=template_name, record=clause_id, value=exc.name,
        ) from None


def resolve_variables(catalogue: Catalogue, overrides: dict[str, Any], source: str) -> dict[str, Any]:
    """Return the contract variables: catalogue defaults with the reviewer's checked overrides applied."""
    values = catalogue.defaults()
    for name, value in sorted(overrides.items()):
        spec = catalogue.variables.get(name)
        if spec is None:
            raise InputError(
                msg("variabele '{value}' bestaat niet; aanpasbaar zijn: {allowed}", "variable '{value}' does not exist; adjustable are: {allowed}", value=name, allowed=", ".join(sorted(catalogue.variables))),
                file=source, record="variables", value=name,
            )
        values[name] = validate_variable(spec, value, source=source, record=f"variables.{name}")
    return values


def _trigger(condition: str, facts: dict[str, bool], evidence: dict[str, str]) -> dict[str, Any]:
    name = condition_fact(condition)
    return {"fact": name, "condition": condition, "value": facts[name], "evidence": evidence[name]}


def select_clauses(
    catalogue: Catalogue,
    facts: dict[str, bool],
    evidence: dict[str, str],
    variant_choices: dict[str, str],
    source: str = "review",
) -> list[SelectedClause]:
    """Select clauses and variants from the facts, applying the reviewer's variant choices where allowed."""
    included = {clause.id for clause in catalogue.clauses if all(fact_holds(c, facts) for c in clause.include_when)}
    for clause_id in sorted(variant_choices):
        clause = catalogue.clause(clause_id)
        if clause is None or clause_id not in included:
            raise InputError(
                msg(
                    "clausule '{value}' staat niet in dit bestek; kies een variant voor een van: {allowed}",
                    "clause '{value}' is not in this bestek; choose a variant for one of: {allowed}",
                    value=clause_id, allowed=", ".join(c.id for c in catalogue.clauses if c.id in included),
                ),
                file=source, record="variants", value=clause_id,
            )
        variant = clause.variant(variant_choices[clause_id])
        if variant is None:
            raise InputError(
                msg(
                    "variant '{value}' van clausule '{clause}' bestaat niet; kies uit {allowed}",
                    "variant '{value}' of clause '{clause}' does not exist; choose from {allowed}",
                    value=variant_choices[clause_id], clause=clause_id, allowed=", ".join(v.name for v in clause.variants),
                ),
                file=source, record=f"variants.{clause_id}", value=variant_choices[clause_id],
            )
        failing = [c for c in variant.when if not fact_holds(c, facts)]
        if failing:
            raise InputError(
                msg(
                    "variant '{value}' van clausule '{clause}' past niet bij de gegevens: {reason}",
                    "variant '{value}' of clause '{clause}' does not fit the data: {reason}",
                    value=variant.name, clause=clause_id, reason="; ".join(evidence[condition_fact(c)] for c in failing),
                ),
                file=source, record=f"variants.{clause_id}", value=variant.name,
            )

    selected = []
    for clause in catalogue.clauses:
        if clause.id not in included:
            continue
        triggers = [_trigger(c, facts, evidence) for c in clause.include_when]
        chosen = variant_choices.get(clause.id)
        if chosen:
            variant = clause.variant(chosen)
            triggers.append({"fact": "reviewer_choice", "condition": "", "value": chosen, "evidence": "variant gekozen door het bodemteam"})
        else:
            variant = next((v for v in clause.variants if all(fact_holds(c, facts) for c in v.when)), None)
            if variant is None:
                raise InputError(
                    msg("geen variant van clausule '{value}' past bij de gegevens; herstel de selectieregels", "no variant of clause '{value}' fits the data; fix the selection rules", value=clause.id),
                    file=str(catalogue.templates_dir / "catalogue.yaml"), record=clause.id, value=clause.id,
                )
        triggers.extend(_trigger(c, facts, evidence) for c in variant.when)
        if not triggers:
            triggers.append({"fact": "always", "condition": "", "value": True, "evidence": "dit artikel staat altijd in het bestek"})
        selected.append(SelectedClause(spec=clause, variant=variant.name, triggered_by=triggers))
    if not any(item.spec.id == "eigendom" for item in selected):
        raise InputError(
            msg("de eigendomsclausule ontbreekt in de selectie; de catalogus moet 'eigendom' altijd opnemen", "the ownership clause is missing from the selection; the catalogue must always include 'eigendom'"),
            file=str(catalogue.templates_dir / "catalogue.yaml"), record="eigendom",
        )
    return selected


def build_context(
    tender: TenderSpec,
    partijen: list[Partij],
    flows: list[dict[str, Any]],
    facts: dict[str, bool],
    variables: dict[str, Any],
    catalogue: Catalogue,
    articles: dict[str, int],
) -> dict[str, Any]:
    partij_context = [partij.as_context() for partij in partijen]
    present = sorted({p.klasse for p in partijen}, key=list(CLASS_LABELS).index)
    return {
        "tender": tender_context(tender),
        "partijen": partij_context,
        "niet_toepasbaar": [p for p in partij_context if p["klasse"] == "niet_toepasbaar"],
        "onbekend": [p["id"] for p in partij_context if p["klasse"] == "onbekend"],
        "interventie_partijen": [p["id"] for p in partij_context if p["intervention_exceeded"]],
        "pfas_partijen": [p["id"] for p in partij_context if p["pfas"]],
        "classes_present": [CLASS_LABELS[code].lower() for code in present],
        "flows": flows,
        "depot_flows": [flow for flow in flows if flow["to_kind"] == "depot"],
        "facts": facts,
        "var": variables,
        "norm": catalogue.norms,
        "bill": bill_of_quantities(tender, partijen, flows, facts),
        "art": articles,
    }


def render_clauses(
    tender: TenderSpec,
    partijen: list[Partij],
    flows: list[dict[str, Any]],
    catalogue: Catalogue,
    *,
    variant_choices: dict[str, str] | None = None,
    variable_overrides: dict[str, Any] | None = None,
    only: tuple[str, ...] | None = None,
    title: str = DOCUMENT_TITLE,
    source: str = "review",
) -> RenderedSet:
    """Select and render the clauses; ``only`` limits the output to those clause ids (used for the destination annex)."""
    facts, evidence = compute_facts(tender, partijen, flows)
    variables = resolve_variables(catalogue, variable_overrides or {}, source)
    selected = select_clauses(catalogue, facts, evidence, variant_choices or {}, source)
    # Article numbers always follow the full bestek, so cross-references and
    # an annex that renders only some clauses point at the same articles.
    articles = {item.spec.id: number for number, item in enumerate(selected, start=1)}
    if only is not None:
        selected = [item for item in selected if item.spec.id in only]
    context = build_context(tender, partijen, flows, facts, variables, catalogue, articles)

    env = build_environment(catalogue.templates_dir)
    rendered = []
    for item in selected:
        number = articles[item.spec.id]
        html = render_template(env, item.spec.template_name(item.variant), context, clause_id=item.spec.id)
        rendered.append(RenderedClause(selected=item, number=number, html=html.strip()))
        log.debug("Rendered clause %s variant %s as article %s", item.spec.id, item.variant, number)

    from markupsafe import Markup

    document = render_template(
        env,
        DOCUMENT_TEMPLATE,
        {
            "title": title,
            "tender": context["tender"],
            "clauses": [
                {"id": r.spec.id, "number": r.number, "title": r.spec.title, "version": r.spec.version, "variant": r.selected.variant, "html": Markup(r.html)}
                for r in rendered
            ],
        },
        clause_id="document",
    )
    document = document.rstrip() + "\n"
    log.info("Rendered %s clauses for tender %s (catalogue %s)", len(rendered), tender.reference, catalogue.version)
    return RenderedSet(
        clauses=rendered,
        document_html=document,
        sha256=hashlib.sha256(document.encode("utf-8")).hexdigest(),
        facts=facts,
        variables=variables,
        bill=context["bill"],
        catalogue_version=catalogue.version,
        norms_version=catalogue.norms_version,
        tender=context["tender"],
    )
