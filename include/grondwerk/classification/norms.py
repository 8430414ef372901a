"""Norm tables of the Regeling bodemkwaliteit, loaded from the versioned data files in ``data/``.

Every limit value the engine uses comes from these files, and the code contains
no norm values. ``default_norms()`` reads them once per process.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
NORMS_FILE = "rbk_norms.json"
CORRECTION_FILE = "rbk_soil_correction.json"
PFAS_FILE = "pfas_handelingskader.json"


def normalise_key(text: object) -> str:
    """Return ``text`` lower-cased with spaces collapsed, for alias lookups."""
    return " ".join(str(text).strip().lower().replace("μ", "µ").split())


@dataclass(frozen=True)
class Substance:
    """A toetsbare substance (or sum) with its limits in mg/kg ds for standard soil."""

    id: str
    name_nl: str
    name_en: str
    correction: str
    aw: float | None
    wonen: float | None
    industrie: float | None
    intervention: float | None
    intervention_source: str | None
    waterbodem_a: float | None
    waterbodem_b: float | None
    rg: float | None
    sikb_id: str | None
    sikb_code: str | None
    cas: str
    components: tuple[str, ...] = ()
    tested_conditions: tuple[str, ...] | None = None

    @property
    def toetsbaar(self) -> bool:
        """True when the substance has an achtergrondwaarde and so counts as measured for the AW rule."""
        return self.aw is not None


@dataclass(frozen=True)
class Component:
    """One member of a sum parameter (PAK 10, PCB 7) with its required reporting limit."""

    id: str
    name_nl: str
    sum_id: str
    rg: float
    sikb_id: str
    sikb_code: str
    cas: str


@dataclass(frozen=True)
class PfasNorm:
    """Handelingskader limits (µg/kg ds) for one PFAS or for 'other PFAS'."""

    id: str
    name_nl: str
    achtergrondwaarde: float
    wonen: float
    industrie: float


@dataclass
class NormSet:
    """All norm data: substances, sum components, correction constants, AW rule, PFAS limits and aliases."""

    substances: dict[str, Substance]
    components: dict[str, Component]
    constants: dict[str, dict[str, Any]]
    bounds: dict[str, dict[str, float | None]]
    aw_steps: tuple[tuple[int, int], ...]
    aw_max_factor: float
    aw_only_factor: frozenset[str]
    below_limit_factor: float
    missing_soil_properties: str
    pfas: dict[str, PfasNorm]
    pfas_other: PfasNorm
    pfas_prefixes: tuple[str, ...]
    pfas_below_limit_factor: float
    versions: dict[str, str]
    status: str
    aliases: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, data_dir: Path | None = None, pfas_file: Path | None = None) -> "NormSet":
        """Read the three data files; ``GRONDWERK_PFAS_NORMS`` may name a replacement PFAS file."""
        directory = Path(data_dir) if data_dir else DATA_DIR
        norms = json.loads((directory / NORMS_FILE).read_text(encoding="utf-8"))
        correction = json.loads((directory / CORRECTION_FILE).read_text(encoding="utf-8"))
        pfas_path = pfas_file or Path(os.environ.get("GRONDWERK_PFAS_NORMS") or directory / PFAS_FILE)
        pfas = json.loads(Path(pfas_path).read_text(encoding="utf-8"))
        return cls._build(norms, correction, pfas)

    @classmethod
    def _build(cls, norms: dict, correction: dict, pfas: dict) -> "NormSet":
        sums = norms.get("sums", {})
        substances: dict[str, Substance] = {}
        for raw in norms["substances"]:
            conditions = raw.get("tested_condition")
            substances[raw["id"]] = Substance(
                id=raw["id"],
                name_nl=raw["name_nl"],
                name_en=raw["name_en"],
                correction=raw["correction"],
                aw=raw.get("aw"),
                wonen=raw.get("wonen"),
                industrie=raw.get("industrie"),
                intervention=raw.get("intervention"),
                intervention_source=raw.get("intervention_source"),
                waterbodem_a=raw.get("waterbodem_a"),
                waterbodem_b=raw.get("waterbodem_b"),
                rg=raw.get("rg"),
                sikb_id=raw.get("sikb_id"),
                sikb_code=raw.get("sikb_code"),
                cas=raw.get("cas") or "",
                components=tuple(c["id"] for c in sums.get(raw["id"], {}).get("components", ())),
                tested_conditions=tuple(normalise_key(c) for c in conditions) if conditions is not None else None,
            )
        components: dict[str, Component] = {}
        for sum_id, spec in sums.items():
            for raw in spec["components"]:
                components[raw["id"]] = Component(
                    raw["id"], raw["name_nl"], sum_id, float(raw["rg"]), raw["sikb_id"], raw["sikb_code"], raw["cas"]
                )

        rule = norms["aw_rule"]
        steps = tuple(sorted((int(s["min_measured"]), int(s["max_elevated"])) for s in rule["steps"]))

        pfas_norms = {
            p["id"]: PfasNorm(p["id"], p["name_nl"], float(p["achtergrondwaarde"]), float(p["wonen"]), float(p["industrie"]))
            for p in pfas["substances"]
        }
        other = pfas["other_pfas"]
        pfas_other = PfasNorm("overige_pfas", other["name_nl"], float(other["achtergrondwaarde"]), float(other["wonen"]), float(other["industrie"]))

        norm_set = cls(
            substances=substances,
            components=components,
            constants=correction["constants"],
            bounds=correction["bounds"],
            aw_steps=steps,
            aw_max_factor=float(rule["max_factor_of_aw"]),
            aw_only_factor=frozenset(rule.get("only_factor_test", ())),
            below_limit_factor=float(norms["below_limit"]["factor"]),
            missing_soil_properties=correction.get("missing_soil_properties", "clamp_minimum"),
            pfas=pfas_norms,
            pfas_other=pfas_other,
            pfas_prefixes=tuple(other.get("aliases_prefix", ())),
            pfas_below_limit_factor=float(pfas.get("below_limit_factor", norms["below_limit"]["factor"])),
            versions={
                "rbk_norms": f"{norms['version']} ({norms['status']})",
                "rbk_soil_correction": f"{correction['version']} ({correction['status']})",
                "pfas_handelingskader": f"{pfas['version']} ({pfas['status']})",
            },
            status=norms["status"],
        )
        norm_set.aliases = norm_set._build_aliases(norms, pfas)
        return norm_set

    def _build_aliases(self, norms: dict, pfas: dict) -> dict[str, tuple[str, str]]:
        """Map normalised names, SIKB codes, ids and CAS numbers to (role, id)."""
        aliases: dict[str, tuple[str, str]] = {}

        def add(key: object, role: str, target: str) -> None:
            if key is None or str(key).strip() == "":
                return
            aliases.setdefault(normalise_key(key), (role, target))

        for substance in self.substances.values():
            for key in (substance.id, substance.name_nl, substance.sikb_code, substance.sikb_id, substance.cas):
                add(key, "substance", substance.id)
        for substance_id, names in norms.get("aliases", {}).items():
            for name in names:
                add(name, "substance", substance_id)
        for component in self.components.values():
            for key in (component.id, component.name_nl, component.sikb_code, component.sikb_id, component.cas):
                add(key, "component", component.id)
        for prop, spec in norms.get("soil_properties", {}).items():
            for name in spec["aliases"]:
                add(name, prop, prop)
        for norm in pfas["substances"]:
            for name in [norm["id"], *norm["aliases"]]:
                add(name, "pfas", norm["id"])
        return aliases

    def max_elevated(self, measured: int) -> int:
        """Return Y, the number of substances allowed above AW when ``measured`` substances were measured."""
        allowed = 0
        for min_measured, max_elevated in self.aw_steps:
            if measured >= min_measured:
                allowed = max_elevated
        return allowed


@lru_cache(maxsize=1)
def default_norms() -> NormSet:
    """Return the norm set from the packaged data files (cached)."""
    return NormSet.load()
