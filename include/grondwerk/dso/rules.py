"""Melding rules read from ``data/melding_rules.json``: deadlines, exemptions, storage limits.

Every decision returns the id of the rule it applied, so the melding and the
stage report can name the rule and its sources.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
RULES_FILE = DATA_DIR / "melding_rules.json"
API_FILE = DATA_DIR / "dso_api.json"


@dataclass(frozen=True)
class Deadline:
    """The last day a melding may be submitted, and the rule that set it."""

    date: dt.date
    days_before_start: int
    rule_id: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Exemption:
    """An exemption that applies to a melding: no melding is sent for it."""

    rule_id: str
    description: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class StorageCheck:
    """Outcome of checking a storage duration against the limit of its kind."""

    kind: str
    months: float
    max_months: float | None
    allowed: bool
    melding_required: bool
    final_destination_required: bool


class MeldingRules:
    """The melding rules of one version of ``melding_rules.json``."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.version = str(data["version"])
        self.class_order = tuple(data["class_order"])

    def deadline(self, start: dt.date, *, cleaned_soil: bool = False, deep_lake: bool = False) -> Deadline:
        """Return the latest submission date for an application that starts on ``start``.

        The longest term among the rules that apply wins: four weeks for cleaned
        soil or a deep lake, else one calendar week.
        """
        deadlines = self.data["deadlines"]
        candidates = ["default"]
        if cleaned_soil:
            candidates.append("cleaned_soil_brl7500")
        if deep_lake:
            candidates.append("deep_lake_filling")
        rule_id = max(candidates, key=lambda name: deadlines[name]["days_before_start"])
        rule = deadlines[rule_id]
        days = int(rule["days_before_start"])
        return Deadline(start - dt.timedelta(days=days), days, rule_id, tuple(rule["sources"]))

    def is_applicable_class(self, quality_class: str) -> bool:
        """Return whether soil of ``quality_class`` may be applied under the generic rules."""
        return quality_class not in self.data["not_applicable_classes"]["classes"]

    def class_fits(self, quality_class: str, bodemfunctieklasse: str) -> bool:
        """Return whether soil of ``quality_class`` may go to a location of ``bodemfunctieklasse``."""
        if quality_class not in self.class_order or bodemfunctieklasse not in self.class_order:
            return False
        return self.class_order.index(quality_class) <= self.class_order.index(bodemfunctieklasse)

    def exemption(
        self,
        *,
        quality_class: str,
        destination_volume_m3: float,
        notifier_kind: str,
        has_verklaring: bool,
        destination_flags: frozenset[str] = frozenset(),
    ) -> Exemption | None:
        """Return the first exemption that applies, or None when a melding is required.

        ``destination_volume_m3`` is the volume of this tender applied at the
        destination, summed over all partijen, so splitting a lot cannot avoid
        the melding. Classes in ``always_required_classes`` are never exempt.
        """
        if quality_class in self.data["always_required_classes"]["classes"]:
            return None
        for rule in self.data["exemptions"]:
            if "classes" in rule and quality_class not in rule["classes"]:
                continue
            if "notifier_kinds" in rule and notifier_kind not in rule["notifier_kinds"]:
                continue
            if "destination_flag" in rule and rule["destination_flag"] not in destination_flags:
                continue
            if rule.get("requires_verklaring") and not has_verklaring:
                continue
            if not _within_volume(rule, destination_volume_m3):
                continue
            return Exemption(rule["id"], rule["description"], tuple(rule["sources"]))
        return None

    def storage(self, kind: str | None, months: float) -> StorageCheck:
        """Check a storage of ``months`` against the maximum duration of ``kind``."""
        storage = self.data["storage"]
        kind = kind or storage["default_kind"]
        if kind not in storage["kinds"]:
            raise KeyError(kind)
        limits = storage["kinds"][kind]
        max_months = limits["max_months"]
        return StorageCheck(
            kind=kind,
            months=months,
            max_months=max_months,
            allowed=max_months is None or months <= max_months,
            melding_required=bool(limits["melding"]),
            final_destination_required=months > storage["final_destination_required_after_months"],
        )

    def storage_kinds(self) -> tuple[str, ...]:
        return tuple(self.data["storage"]["kinds"])

    def verklaring_kinds(self) -> tuple[str, ...]:
        return tuple(self.data["verklaring_kinds"])

    def source_text(self, source_id: str) -> str:
        return self.data["sources"].get(source_id, source_id)


def _within_volume(rule: dict[str, Any], volume_m3: float) -> bool:
    limit = rule.get("max_volume_m3")
    if limit is None:
        return True
    return volume_m3 <= limit if rule.get("max_inclusive", True) else volume_m3 < limit


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> MeldingRules:
    """Read the melding rules (default: the packaged ``melding_rules.json``)."""
    data = json.loads(Path(path or RULES_FILE).read_text(encoding="utf-8"))
    return MeldingRules(data)


@lru_cache(maxsize=4)
def load_api(path: str | None = None) -> dict[str, Any]:
    """Read the DSO API description (paths, activity names, question codes)."""
    return json.loads(Path(path or API_FILE).read_text(encoding="utf-8"))
