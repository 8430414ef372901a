"""The clause catalogue (``tender_templates/catalogue.yaml``) and the norm values the clauses quote.

A clause is selected when all facts in its ``include_when`` hold. Its variant
is the first one whose ``when`` facts hold, unless the reviewer chose another
variant whose facts also hold. A fact written as ``"not name"`` must be false.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grondwerk import settings
from grondwerk.errors import InputError
from grondwerk.i18n import msg

CATALOGUE_FILE = "catalogue.yaml"
NORMS_FILE = Path(__file__).resolve().parent / "data" / "clause_norms.yaml"
CONFIDENCE_LEVELS = ("confirmed", "secondary", "unconfirmed")
VARIABLE_TYPES = ("integer", "choice", "string")


@dataclass(frozen=True)
class VariantSpec:
    """One wording of a clause and the facts that must hold for it."""

    name: str
    when: tuple[str, ...]


@dataclass(frozen=True)
class ClauseSpec:
    """A clause of the library: metadata for reviewers and its selection rule."""

    id: str
    title: str
    version: str
    legal_basis: str
    confidence: str
    unconfirmed: str
    reason: str
    include_when: tuple[str, ...]
    variants: tuple[VariantSpec, ...]

    def variant(self, name: str) -> VariantSpec | None:
        return next((variant for variant in self.variants if variant.name == name), None)

    def template_name(self, variant: str) -> str:
        return f"clauses/{self.id}.{variant}.html.j2"


@dataclass(frozen=True)
class VariableSpec:
    """A contract value that a reviewer may change, with its type and bounds."""

    name: str
    type: str
    default: Any
    description: str
    unit: str = ""
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    max_length: int = 200


@dataclass(frozen=True)
class Catalogue:
    """The clause library as loaded from ``catalogue.yaml``, with the norm values from ``clause_norms.yaml``."""

    version: str
    source: str
    clauses: tuple[ClauseSpec, ...]
    variables: dict[str, VariableSpec]
    norms: dict[str, Any]
    norms_version: str
    norms_detail: dict[str, dict[str, Any]] = field(default_factory=dict)
    templates_dir: Path = Path(".")

    def clause(self, clause_id: str) -> ClauseSpec | None:
        return next((clause for clause in self.clauses if clause.id == clause_id), None)

    def defaults(self) -> dict[str, Any]:
        return {name: spec.default for name, spec in self.variables.items()}


def fact_holds(condition: str, facts: dict[str, bool]) -> bool:
    """Evaluate one condition such as ``"has_match"`` or ``"not has_match"`` against ``facts``."""
    negate = condition.startswith("not ")
    name = condition[4:].strip() if negate else condition.strip()
    value = bool(facts[name])
    return not value if negate else value


def condition_fact(condition: str) -> str:
    return condition[4:].strip() if condition.startswith("not ") else condition.strip()


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            msg("bestand ontbreekt; controleer GRONDWERK_TEMPLATES_DIR", "file is missing; check GRONDWERK_TEMPLATES_DIR"),
            file=str(path),
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(
            msg("geen geldige YAML: {error}", "not valid YAML: {error}", error=str(exc).splitlines()[0]), file=str(path)
        ) from None


def _invalid(path: Path, record: str, value: object, nl: str, en: str) -> InputError:
    return InputError(msg(nl, en, value=value), file=str(path), record=record, value=value)


def _parse_variable(path: Path, name: str, raw: dict[str, Any]) -> VariableSpec:
    record = f"variables.{name}"
    kind = raw.get("type")
    if kind not in VARIABLE_TYPES:
        raise _invalid(path, record, kind, "type '{value}' onbekend; kies integer, choice of string", "type '{value}' unknown; use integer, choice or string")
    spec = VariableSpec(
        name=name,
        type=kind,
        default=raw.get("default"),
        description=str(raw.get("description", "")),
        unit=str(raw.get("unit", "")),
        minimum=raw.get("minimum"),
        maximum=raw.get("maximum"),
        choices=tuple(str(choice) for choice in raw.get("choices", ()) or ()),
        max_length=int(raw.get("max_length", 200)),
    )
    validate_variable(spec, spec.default, source=str(path), record=record)
    return spec


def _parse_clause(path: Path, index: int, raw: dict[str, Any], known_facts: frozenset[str]) -> ClauseSpec:
    record = f"clauses[{index}]"
    missing = [key for key in ("id", "title", "version", "legal_basis", "confidence", "reason", "variants") if not raw.get(key)]
    if missing:
        raise _invalid(path, record, ", ".join(missing), "veld(en) {value} ontbreken; vul ze in", "field(s) {value} missing; fill them in")
    if raw["confidence"] not in CONFIDENCE_LEVELS:
        raise _invalid(path, record, raw["confidence"], "confidence '{value}' onbekend; kies confirmed, secondary of unconfirmed", "confidence '{value}' unknown; use confirmed, secondary or unconfirmed")
    if raw["confidence"] != "confirmed" and not raw.get("unconfirmed"):
        raise _invalid(path, record, raw["id"], "clausule {value} heeft geen bevestigde grondslag; beschrijf in 'unconfirmed' wat gecontroleerd moet worden", "clause {value} has no confirmed basis; describe in 'unconfirmed' what must be checked")
    variants = tuple(VariantSpec(str(v["name"]), tuple(v.get("when") or ())) for v in raw["variants"])
    conditions = list(raw.get("include_when") or ()) + [c for v in variants for c in v.when]
    for condition in conditions:
        if condition_fact(condition) not in known_facts:
            raise _invalid(path, record, condition, "onbekend feit '{value}' in selectieregel", "unknown fact '{value}' in selection rule")
    return ClauseSpec(
        id=str(raw["id"]),
        title=str(raw["title"]),
        version=str(raw["version"]),
        legal_basis=str(raw["legal_basis"]),
        confidence=str(raw["confidence"]),
        unconfirmed=str(raw.get("unconfirmed") or ""),
        reason=str(raw["reason"]),
        include_when=tuple(raw.get("include_when") or ()),
        variants=variants,
    )


def load_catalogue(templates_dir: Path | None = None) -> Catalogue:
    """Load and check the clause catalogue and the norm values; raise ``InputError`` on any inconsistency."""
    from grondwerk.clauses.facts import FACT_NAMES

    templates_dir = Path(templates_dir or settings.templates_dir())
    path = templates_dir / CATALOGUE_FILE
    raw = _read_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("clauses"), list):
        raise InputError(msg("catalogus moet een lijst 'clauses' bevatten", "catalogue must contain a list 'clauses'"), file=str(path))

    known_facts = frozenset(FACT_NAMES)
    clauses = tuple(_parse_clause(path, index, item, known_facts) for index, item in enumerate(raw["clauses"]))
    ids = [clause.id for clause in clauses]
    duplicates = sorted({clause_id for clause_id in ids if ids.count(clause_id) > 1})
    if duplicates:
        raise _invalid(path, "clauses", ", ".join(duplicates), "clausule-id(s) {value} komen dubbel voor", "clause id(s) {value} occur twice")
    for clause in clauses:
        for variant in clause.variants:
            if not (templates_dir / clause.template_name(variant.name)).is_file():
                raise _invalid(path, f"clauses.{clause.id}", clause.template_name(variant.name), "sjabloon {value} ontbreekt", "template {value} is missing")
    variables = {name: _parse_variable(path, name, spec) for name, spec in (raw.get("variables") or {}).items()}

    norms_raw = _read_yaml(NORMS_FILE)
    norms_detail = dict(norms_raw.get("norms") or {})
    return Catalogue(
        version=str(raw.get("catalogue_version", "")),
        source=str(raw.get("source", "")),
        clauses=clauses,
        variables=variables,
        norms={name: item["value"] for name, item in norms_detail.items()},
        norms_version=str(norms_raw.get("version", "")),
        norms_detail=norms_detail,
        templates_dir=templates_dir,
    )


def validate_variable(spec: VariableSpec, value: Any, *, source: str, record: str) -> Any:
    """Return ``value`` checked against ``spec``; raise ``InputError`` naming the variable and what is allowed."""
    if spec.type == "integer":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise InputError(
                msg("variabele '{name}' moet een geheel getal zijn, niet {value!r}", "variable '{name}' must be a whole number, not {value!r}", name=spec.name, value=value),
                file=source, record=record, value=value,
            )
        value = int(value)
        if (spec.minimum is not None and value < spec.minimum) or (spec.maximum is not None and value > spec.maximum):
            raise InputError(
                msg(
                    "variabele '{name}' = {value} ligt buiten {minimum}–{maximum} {unit}",
                    "variable '{name}' = {value} is outside {minimum}–{maximum} {unit}",
                    name=spec.name, value=value, minimum=spec.minimum, maximum=spec.maximum, unit=spec.unit,
                ),
                file=source, record=record, value=value,
            )
        return value
    if spec.type == "choice":
        if value not in spec.choices:
            raise InputError(
                msg("variabele '{name}' = {value!r} is niet toegestaan; kies uit {allowed}", "variable '{name}' = {value!r} is not allowed; choose from {allowed}", name=spec.name, value=value, allowed=", ".join(spec.choices)),
                file=source, record=record, value=value,
            )
        return value
    if not isinstance(value, str) or len(value) > spec.max_length or any(ord(char) < 32 for char in value):
        raise InputError(
            msg(
                "variabele '{name}' moet tekst van ten hoogste {limit} tekens zijn, zonder regeleinden",
                "variable '{name}' must be text of at most {limit} characters, without line breaks",
                name=spec.name, limit=spec.max_length,
            ),
            file=source, record=record, value=value,
        )
    return value.strip()
