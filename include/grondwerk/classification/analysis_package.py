"""Check each sample and partij against the standard analysis package for grond (standaardpakket).

The package lists the substances and soil properties that must be measured before a class
counts as more than indicative. It comes from ``data/standaardpakket_grond.json``. Its
composition was taken from secondary sources and is not confirmed against NEN 5740, so
``GRONDWERK_ANALYSIS_PACKAGE`` may name a replacement file of the same shape.

The check never changes a class. A record with a gap keeps its class and gets
``klasse_indicatief: true`` with the missing substances listed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from grondwerk.classification.norms import DATA_DIR, NormSet
from grondwerk.errors import InputError
from grondwerk.i18n import Message, msg

if TYPE_CHECKING:
    import pandas as pd

PACKAGE_FILE = DATA_DIR / "standaardpakket_grond.json"
PACKAGE_ENV = "GRONDWERK_ANALYSIS_PACKAGE"

# Column of the engine's soil table and Dutch name of each soil property a package may require.
SOIL_PROPERTY_COLUMNS = {"lutum": "lutum_pct", "organic_matter": "organic_matter_pct"}
SOIL_PROPERTY_NAMES_NL = {"lutum": "lutum", "organic_matter": "organische stof"}


@dataclass(frozen=True)
class AnalysisPackage:
    """Required substances (ids of ``rbk_norms.json``) and soil properties, with the file's version and status."""

    substances: tuple[str, ...]
    soil_properties: tuple[str, ...]
    version: str
    status: str
    confirmed: bool
    source_file: str

    @property
    def label(self) -> str:
        """Version and status as the reports list them under the norm tables."""
        return f"{self.version} ({self.status})"


def _invalid(path: Path, record: str, value: object, message: Message) -> InputError:
    return InputError(message, file=str(path), record=record, value=value)


def _string_list(raw: dict[str, Any], name: str, path: Path) -> tuple[str, ...]:
    value = raw.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _invalid(path, name, value, msg("'{field}' moet een lijst van namen zijn", "'{field}' must be a list of names", field=name))
    return tuple(value)


def load_package(path: Path, norms: NormSet) -> AnalysisPackage:
    """Read and validate a package file; raise ``InputError`` naming the file, field and value."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            msg("bestand met het standaardpakket niet gevonden; controleer {env}",
                "standard package file not found; check {env}", env=PACKAGE_ENV),
            file=str(path),
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(msg("geen geldige JSON: {error}", "not valid JSON: {error}", error=exc.msg), file=str(path), record=f"regel {exc.lineno}") from None
    if not isinstance(raw, dict):
        raise InputError(msg("het standaardpakket moet een JSON-object zijn", "the standard package must be a JSON object"), file=str(path))

    for name in ("version", "status"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise _invalid(path, name, raw.get(name), msg("veld '{field}' ontbreekt of is leeg", "field '{field}' is missing or empty", field=name))
    substances = _string_list(raw, "substances", path)
    soil_properties = _string_list(raw, "soil_properties", path)
    if not substances:
        raise _invalid(path, "substances", [], msg("'substances' is leeg; noem minstens één stof", "'substances' is empty; name at least one substance"))
    for substance in substances:
        if substance not in norms.substances:
            raise _invalid(path, "substances", substance, msg(
                "stof '{value}' staat niet in de normtabel; gebruik een van {allowed}",
                "substance '{value}' is not in the norm table; use one of {allowed}",
                value=substance, allowed=", ".join(norms.substances),
            ))
    for prop in soil_properties:
        if prop not in SOIL_PROPERTY_COLUMNS:
            raise _invalid(path, "soil_properties", prop, msg(
                "bodemkenmerk '{value}' is onbekend; gebruik {allowed}",
                "soil property '{value}' is unknown; use {allowed}",
                value=prop, allowed=", ".join(SOIL_PROPERTY_COLUMNS),
            ))
    confirmed = raw.get("confirmed", False)
    if not isinstance(confirmed, bool):
        raise _invalid(path, "confirmed", confirmed, msg("'confirmed' moet true of false zijn", "'confirmed' must be true or false"))
    return AnalysisPackage(substances, soil_properties, raw["version"], raw["status"], confirmed, str(path))


def default_package(norms: NormSet) -> AnalysisPackage:
    """Return the package named by ``GRONDWERK_ANALYSIS_PACKAGE``, or the packaged file."""
    return load_package(Path(os.environ.get(PACKAGE_ENV) or PACKAGE_FILE), norms)


def unconfirmed_note(package: AnalysisPackage) -> Message | None:
    """Return the warning shown wherever the package decides a flag, or None for a confirmed package."""
    if package.confirmed:
        return None
    return msg(
        "De samenstelling van het standaardpakket ({version}) is niet bevestigd tegen NEN 5740; "
        "stel zo nodig een ander pakket in met {env}.",
        "The composition of the standard package ({version}) is not confirmed against NEN 5740; "
        "set another package with {env} where needed.",
        version=package.version, env=PACKAGE_ENV,
    )


class PackageCheck:
    """Lookup of the required substances and soil properties that each sample lacks.

    ``measured`` has one row per (sample_id, substance) with a usable value, as the engine
    builds it before averaging. A sum from an incomplete set of components
    (``sum_incomplete``) does not count as measured. ``soil`` is indexed by sample_id with
    ``lutum_pct`` and ``organic_matter_pct``.
    """

    def __init__(self, measured: pd.DataFrame, soil: pd.DataFrame, package: AnalysisPackage, norms: NormSet):
        import pandas as pd

        self.package = package
        self.names = {substance: norms.substances[substance].name_nl for substance in package.substances}
        if "sum_incomplete" in measured.columns:
            incomplete = measured["sum_incomplete"].fillna(False).astype(bool)
        else:
            incomplete = pd.Series(False, index=measured.index)
        complete = measured[~incomplete]
        self._present = complete.groupby("sample_id")["substance"].agg(set).to_dict() if len(complete) else {}
        self._incomplete_sums = set(zip(measured.loc[incomplete, "sample_id"], measured.loc[incomplete, "substance"]))
        self._soil: dict[str, set[str]] = {}
        for prop in package.soil_properties:
            column = SOIL_PROPERTY_COLUMNS[prop]
            if column in soil.columns:
                for sample_id in soil.index[soil[column].notna()]:
                    self._soil.setdefault(str(sample_id), set()).add(prop)

    def _substance_label(self, sample_id: str, substance: str) -> str:
        if (sample_id, substance) in self._incomplete_sums:
            return f"{self.names[substance]} (onvolledige som)"
        return self.names[substance]

    def missing_in_sample(self, sample_id: str) -> tuple[list[str], list[str]]:
        """Return the Dutch names of the required substances and soil properties that ``sample_id`` lacks."""
        present = self._present.get(sample_id, set())
        substances = [self._substance_label(sample_id, s) for s in self.package.substances if s not in present]
        soil = self._soil.get(sample_id, set())
        properties = [SOIL_PROPERTY_NAMES_NL[p] for p in self.package.soil_properties if p not in soil]
        return substances, properties

    def fields(self, klasse: str | None, sample_ids: Sequence[str], per_sample: bool) -> dict[str, Any]:
        """Return the package fields of one record.

        A substance is missing for a partij when any of its samples lacks it, because the
        partij mean then rests on fewer samples than the partij has. A record without
        samples lacks everything.
        """
        substances: list[str] = []
        properties: list[str] = []
        by_sample: dict[str, list[str]] = {}
        if not sample_ids:
            substances = [self.names[s] for s in self.package.substances]
            properties = [SOIL_PROPERTY_NAMES_NL[p] for p in self.package.soil_properties]
        for sample_id in sample_ids:
            sample_substances, sample_properties = self.missing_in_sample(sample_id)
            if sample_substances or sample_properties:
                by_sample[sample_id] = sample_substances + sample_properties
            substances += [name for name in sample_substances if name not in substances]
            properties += [name for name in sample_properties if name not in properties]
        complete = not substances and not properties
        fields: dict[str, Any] = {
            "analysepakket_volledig": complete,
            "ontbrekende_stoffen": substances,
            "ontbrekende_bodemkenmerken": properties,
            "klasse_indicatief": klasse is not None and not complete,
        }
        if per_sample:
            fields["ontbrekend_per_monster"] = by_sample
        return fields


def add_package_fields(
    records: Iterable[dict[str, Any]],
    check: PackageCheck,
    partijen: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Add the package fields to sample records (``partijen`` None) or to partij records, in place."""
    for record in records:
        if partijen is None:
            record.update(check.fields(record["class"], [str(record["sample_id"])], per_sample=False))
        else:
            samples = [str(s) for s in partijen[record["partij_id"]]["samples"]]
            record.update(check.fields(record["class"], samples, per_sample=True))


def indicative_flag(record: Mapping[str, Any]) -> Message | None:
    """Return the flag shown beside an indicative class, or None when the class is not marked indicatief."""
    if not record.get("klasse_indicatief"):
        return None
    missing = list(record.get("ontbrekende_stoffen") or ()) + list(record.get("ontbrekende_bodemkenmerken") or ())
    return msg(
        "indicatief: analysepakket onvolledig, ontbreekt: {missing}",
        "indicative: analysis package incomplete, missing: {missing}",
        missing=", ".join(missing),
    )


def count_indicative(records: Iterable[Mapping[str, Any]]) -> int:
    """Return how many records carry an indicative class."""
    return sum(1 for record in records if record.get("klasse_indicatief"))
