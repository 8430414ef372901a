"""Expectation suites as versioned JSON files in ``checks/``.

A suite file names its dataset, version and validity date, a ``settings``
table of configurable values (allowed units, RD bounds, maximum age) and a
list of expectations. Each expectation has a Great Expectations type and
keyword arguments, where a string ``"$name"`` refers to a setting, plus:

- ``severity``: ``critical`` or ``warning``;
- ``scope``: ``row`` (failing rows are quarantined when critical, flagged when
  a warning) or ``dataset`` (a critical failure stops the run);
- ``description`` and ``fix``: Dutch and English text for the report.

This module only reads and checks the files; it does not import GX.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grondwerk import settings
from grondwerk.errors import InputError
from grondwerk.i18n import msg

SEVERITIES = ("critical", "warning")
SCOPES = ("row", "dataset")
SUITE_NAMES = ("tender", "bro_locations", "bro_layers", "samples", "analyses")


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation of a suite, with its settings already filled in."""

    id: str
    type: str
    kwargs: dict[str, Any]
    severity: str
    scope: str
    description_nl: str
    description_en: str
    fix_nl: str
    fix_en: str


@dataclass(frozen=True)
class SuiteSpec:
    """A versioned suite: which dataset it checks and its expectations."""

    name: str
    version: str
    valid_from: str
    dataset: str
    path: Path
    expectations: tuple[ExpectationSpec, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def version_label(self) -> str:
        return f"{self.version} ({self.valid_from})"

    def expectation(self, expectation_id: str) -> ExpectationSpec:
        for spec in self.expectations:
            if spec.id == expectation_id:
                return spec
        raise KeyError(expectation_id)


def _invalid(path: Path, record: str, value: object, nl: str, en: str) -> InputError:
    return InputError(msg(nl, en, value=value), file=str(path), record=record, value=value)


def _resolve(value: Any, values: dict[str, Any], path: Path, record: str) -> Any:
    """Replace ``"$name"`` references by the setting ``name``."""
    if isinstance(value, str) and value.startswith("$"):
        name = value[1:]
        if name not in values:
            raise _invalid(
                path, record, value,
                "instelling {value} bestaat niet in de suite; voeg haar toe onder 'settings'",
                "setting {value} does not exist in the suite; add it under 'settings'",
            )
        return values[name]
    if isinstance(value, list):
        return [_resolve(item, values, path, record) for item in value]
    if isinstance(value, dict):
        return {key: _resolve(item, values, path, record) for key, item in value.items()}
    return value


def _bilingual(raw: dict[str, Any], key: str, path: Path, record: str) -> tuple[str, str]:
    texts = raw.get(key) or {}
    if not texts.get("nl") or not texts.get("en"):
        raise _invalid(
            path, record, key,
            "veld '{value}' heeft een Nederlandse ('nl') en Engelse ('en') tekst nodig",
            "field '{value}' needs a Dutch ('nl') and an English ('en') text",
        )
    return texts["nl"], texts["en"]


def _parse_expectation(raw: dict[str, Any], values: dict[str, Any], path: Path) -> ExpectationSpec:
    record = f"expectations/{raw.get('id', '?')}"
    for key in ("id", "type", "kwargs", "severity", "scope"):
        if key not in raw:
            raise _invalid(path, record, key, "veld '{value}' ontbreekt", "field '{value}' is missing")
    if raw["severity"] not in SEVERITIES:
        raise _invalid(path, record, raw["severity"], "ernst '{value}' is ongeldig; gebruik critical of warning", "severity '{value}' is invalid; use critical or warning")
    if raw["scope"] not in SCOPES:
        raise _invalid(path, record, raw["scope"], "bereik '{value}' is ongeldig; gebruik row of dataset", "scope '{value}' is invalid; use row or dataset")
    description_nl, description_en = _bilingual(raw, "description", path, record)
    fix_nl, fix_en = _bilingual(raw, "fix", path, record)
    return ExpectationSpec(
        id=raw["id"],
        type=raw["type"],
        kwargs=_resolve(raw["kwargs"], values, path, record),
        severity=raw["severity"],
        scope=raw["scope"],
        description_nl=description_nl,
        description_en=description_en,
        fix_nl=fix_nl,
        fix_en=fix_en,
    )


def load_suite(name: str, directory: Path | None = None) -> SuiteSpec:
    """Read ``<directory>/<name>.json`` (default: ``settings.checks_dir()``) into a ``SuiteSpec``."""
    path = (directory or settings.checks_dir()) / f"{name}.json"
    if not path.is_file():
        raise _invalid(path, name, str(path), "suitebestand {value} ontbreekt", "suite file {value} is missing")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise _invalid(path, f"line {exc.lineno}", exc.msg, "suitebestand is geen geldige JSON: {value}", "suite file is not valid JSON: {value}") from None
    for key in ("suite", "version", "valid_from", "dataset", "expectations"):
        if key not in raw:
            raise _invalid(path, key, key, "veld '{value}' ontbreekt in het suitebestand", "field '{value}' is missing in the suite file")
    values = {key: item["value"] for key, item in (raw.get("settings") or {}).items()}
    expectations = tuple(_parse_expectation(item, values, path) for item in raw["expectations"])
    identifiers = [spec.id for spec in expectations]
    duplicates = sorted({identifier for identifier in identifiers if identifiers.count(identifier) > 1})
    if duplicates:
        raise _invalid(path, "expectations", ", ".join(duplicates), "dubbele expectation-id's: {value}", "duplicate expectation ids: {value}")
    return SuiteSpec(
        name=raw["suite"],
        version=str(raw["version"]),
        valid_from=str(raw["valid_from"]),
        dataset=raw["dataset"],
        path=path,
        expectations=expectations,
        settings=values,
    )


def load_suites(directory: Path | None = None, names: tuple[str, ...] = SUITE_NAMES) -> dict[str, SuiteSpec]:
    """Read every suite in ``names`` from ``directory`` (default ``checks/``)."""
    return {name: load_suite(name, directory) for name in names}
