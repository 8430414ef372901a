"""Facts about a tender that decide which clauses and variants appear, and the data the templates fill in.

Inputs are the tender, the partijen from ``05_classification/partijen.json``
(or, before classification, the tender's own partijen with class
``onbekend``) and an optional match proposal. Nothing here is edited by hand:
the same inputs always give the same facts, context and bill of quantities.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grondwerk.errors import InputError
from grondwerk.i18n import msg
from grondwerk.tender import TenderSpec

log = logging.getLogger(__name__)

CLASSES = ("achtergrondwaarde", "wonen", "industrie", "niet_toepasbaar", "onbekend")
CLASS_LABELS = {
    "achtergrondwaarde": "Achtergrondwaarde",
    "wonen": "Klasse wonen",
    "industrie": "Klasse industrie",
    "niet_toepasbaar": "Niet toepasbaar",
    "onbekend": "Nog niet bepaald",
}
DUTCH_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december")
FLOW_KIND_LABELS = {"demand": "Toepassing", "depot": "Depot (BRL SIKB 9335)", "disposal": "Erkende verwerker"}

# Every fact a selection rule in catalogue.yaml may use.
FACT_NAMES = (
    "has_match",
    "has_depot_flow",
    "uses_depot",
    "mixed_classes",
    "has_niet_toepasbaar",
    "has_intervention_exceeded",
    "has_pfas",
    "has_unclassified",
    "needs_supply",
)


def format_number(value: Any, decimals: int = 0) -> str:
    """Format a number the Dutch way: ``1234.5`` → ``1.234,5``."""
    text = f"{float(value):,.{int(decimals)}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_date(value: Any) -> str:
    """Format a date the Dutch way: ``2027-03-01`` → ``1 maart 2027``."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return f"{value.day} {DUTCH_MONTHS[value.month - 1]} {value.year}"


@dataclass(frozen=True)
class Partij:
    """A partij as the clauses describe it; ``klasse`` is a code from ``CLASSES``.

    ``indicative`` is true when the classification found the standard analysis package
    incomplete. ``missing`` then names the substances and soil properties still to analyse.
    """

    id: str
    klasse: str
    volume_m3: float
    soil_type: str
    samples: tuple[str, ...]
    decisive: tuple[str, ...]
    intervention_exceeded: bool
    pfas: dict[str, Any] | None
    evidence: str  # bodemonderzoek | partijkeuring
    evidence_label: str
    indicative: bool = False
    missing: tuple[str, ...] = ()

    @property
    def klasse_label(self) -> str:
        """Dutch class label, with "(indicatief)" when the analysis package was incomplete."""
        label = CLASS_LABELS[self.klasse]
        return f"{label} (indicatief)" if self.indicative else label

    def as_context(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "klasse": self.klasse,
            "klasse_label": self.klasse_label,
            "indicatief": self.indicative,
            "ontbrekend": list(self.missing),
            "volume_m3": self.volume_m3,
            "soil_type": self.soil_type,
            "samples": list(self.samples),
            "decisive": list(self.decisive),
            "intervention_exceeded": self.intervention_exceeded,
            "pfas": self.pfas,
            "evidence": self.evidence,
            "evidence_label": self.evidence_label,
        }


def _investigations_by_sample(samples_csv: Path | None) -> dict[str, str]:
    if samples_csv is None or not samples_csv.is_file():
        return {}
    with open(samples_csv, encoding="utf-8", newline="") as handle:
        return {row["sample_id"]: row.get("investigation_id", "") for row in csv.DictReader(handle) if row.get("sample_id")}


def _evidence(klasse: str, samples: tuple[str, ...], investigations: dict[str, str]) -> tuple[str, str]:
    """Return (kind, label) of the milieuhygiënische verklaring that covers a partij."""
    if klasse == "onbekend" or not samples:
        return "partijkeuring", "Partijkeuring door de aannemer (BRL SIKB 1000, AP04)"
    found = sorted({investigations[sample] for sample in samples if investigations.get(sample)})
    # NOTE: whether the bodemonderzoek is still valid as a verklaring for this
    # partij (age, strategy) is not checked here; the reviewer judges it.
    if found:
        return "bodemonderzoek", "Bodemonderzoek " + ", ".join(found)
    return "bodemonderzoek", "Bodemonderzoek (monsters " + ", ".join(samples) + ")"


def _package_gaps(item: dict[str, Any], path: Path, record: str) -> tuple[bool, tuple[str, ...]]:
    """Return whether a partij's class is indicatief and what it still needs analysed.

    Files written before the package check lack these fields, and their partijen count as not indicatief.
    """
    indicative = item.get("klasse_indicatief", False)
    if not isinstance(indicative, bool):
        raise InputError(
            msg("klasse_indicatief van partij {partij} moet true of false zijn, niet {value!r}",
                "klasse_indicatief of partij {partij} must be true or false, not {value!r}", partij=item["partij_id"], value=indicative),
            file=str(path), record=record, value=indicative,
        )
    missing: list[str] = []
    for field in ("ontbrekende_stoffen", "ontbrekende_bodemkenmerken"):
        names = item.get(field) or []
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise InputError(
                msg("{field} van partij {partij} moet een lijst van namen zijn", "{field} of partij {partij} must be a list of names",
                    field=field, partij=item["partij_id"]),
                file=str(path), record=record, value=names,
            )
        missing += names
    return indicative, tuple(missing)


def load_partijen(path: Path, samples_csv: Path | None = None) -> list[Partij]:
    """Read ``05_classification/partijen.json``; raise ``InputError`` naming the record and value on bad input."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            msg("partijenbestand niet gevonden; voer eerst de classificatie uit", "partijen file not found; run the classification first"),
            file=str(path),
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(msg("geen geldige JSON: {error}", "not valid JSON: {error}", error=exc.msg), file=str(path), record=f"regel {exc.lineno}") from None
    if not isinstance(raw, list) or not raw:
        raise InputError(msg("partijenbestand moet een niet-lege lijst zijn", "partijen file must be a non-empty list"), file=str(path))

    investigations = _investigations_by_sample(samples_csv)
    partijen = []
    for index, item in enumerate(raw):
        record = f"[{index}]"
        if not isinstance(item, dict) or not item.get("partij_id"):
            raise InputError(msg("partij zonder 'partij_id'; geef elke partij een id", "partij without 'partij_id'; give every partij an id"), file=str(path), record=record, value=item)
        klasse = item.get("class")
        if klasse not in CLASSES:
            raise InputError(
                msg("klasse {value!r} van partij {partij} is onbekend; verwacht een van {allowed}", "class {value!r} of partij {partij} is unknown; expected one of {allowed}", value=klasse, partij=item["partij_id"], allowed=", ".join(CLASSES)),
                file=str(path), record=record, value=klasse,
            )
        try:
            volume = float(item.get("volume_m3"))
        except (TypeError, ValueError):
            volume = float("nan")
        if not volume >= 0:
            raise InputError(
                msg("volume_m3 van partij {partij} moet een getal van 0 of meer zijn, niet {value!r}", "volume_m3 of partij {partij} must be a number of 0 or more, not {value!r}", partij=item["partij_id"], value=item.get("volume_m3")),
                file=str(path), record=record, value=item.get("volume_m3"),
            )
        samples = tuple(str(sample) for sample in item.get("samples") or ())
        evidence, label = _evidence(klasse, samples, investigations)
        indicative, missing = _package_gaps(item, path, record)
        if indicative:
            label += "; analysepakket onvolledig" + (", eerst aanvullend analyseren op: " + ", ".join(missing) if missing else "")
        pfas = item.get("pfas")
        partijen.append(
            Partij(
                id=str(item["partij_id"]),
                klasse=klasse,
                volume_m3=volume,
                soil_type=str(item.get("soil_type") or "onbekend"),
                samples=samples,
                decisive=tuple(str(name) for name in item.get("decisive") or ()),
                intervention_exceeded=bool(item.get("intervention_exceeded")),
                pfas=pfas if isinstance(pfas, dict) and pfas else None,
                evidence=evidence,
                evidence_label=label,
                indicative=indicative,
                missing=missing,
            )
        )
    ids = [partij.id for partij in partijen]
    duplicates = sorted({partij_id for partij_id in ids if ids.count(partij_id) > 1})
    if duplicates:
        raise InputError(msg("partij-id(s) {value} komen dubbel voor; maak ze uniek", "partij id(s) {value} occur twice; make them unique", value=", ".join(duplicates)), file=str(path), value=duplicates)
    return partijen


def partijen_from_tender(tender: TenderSpec) -> list[Partij]:
    """Describe the partijen before classification: the tender's partijen, or one partij with the whole released volume."""
    if tender.partijen:
        specs = [(p.id, p.volume_m3, p.soil_type or "onbekend", p.samples) for p in tender.partijen]
    else:
        specs = [(f"{tender.reference}-P1", tender.released_volume_m3, "onbekend", ())]
    return [
        Partij(
            id=partij_id, klasse="onbekend", volume_m3=volume, soil_type=soil_type, samples=tuple(samples), decisive=(),
            intervention_exceeded=False, pfas=None, evidence="partijkeuring",
            evidence_label="Partijkeuring door de aannemer (BRL SIKB 1000, AP04)",
        )
        for partij_id, volume, soil_type, samples in specs
    ]


def _period_label(flow: dict[str, Any]) -> str:
    """Describe when a flow runs: a month ("2027-03"), a start and end date, or the text given."""
    month = flow.get("month")
    if isinstance(month, str) and len(month) == 7 and month[4] == "-":
        return f"{DUTCH_MONTHS[int(month[5:]) - 1]} {month[:4]}"
    period = flow.get("period")
    if isinstance(period, dict):
        start = period.get("start") or period.get("from") or ""
        end = period.get("end") or period.get("to") or ""
        return f"{start} t/m {end}".strip() if start or end else ""
    if isinstance(period, (list, tuple)) and len(period) == 2:
        return f"{period[0]} t/m {period[1]}"
    if isinstance(period, str):
        return period
    return ""


def _location_label(flow: dict[str, Any]) -> str:
    for key in ("to_address", "address"):
        if flow.get(key):
            return str(flow[key])
    location = flow.get("to_location") or flow.get("location")
    if isinstance(location, dict) and "x_rd_m" in location and "y_rd_m" in location:
        return f"RD {float(location['x_rd_m']):.0f}, {float(location['y_rd_m']):.0f}"
    if isinstance(location, (list, tuple)) and len(location) == 2:
        return f"RD {float(location[0]):.0f}, {float(location[1]):.0f}"
    return f"bestemming {flow['to']} in het matchvoorstel"


def _partij_of(flow_source: str, partij_ids: set[str], reference: str) -> str | None:
    """Return the partij id a flow starts from: the id itself or the lot id ``<tender reference>/<partij id>``."""
    if flow_source in partij_ids:
        return flow_source
    prefix = f"{reference}/"
    if flow_source.startswith(prefix) and flow_source[len(prefix):] in partij_ids:
        return flow_source[len(prefix):]
    return None


def normalise_flows(
    proposal: dict[str, Any] | None,
    partijen: list[Partij],
    reference: str,
    source: str = "proposal",
) -> list[dict[str, Any]]:
    """Return the flows that leave this tender's partijen, in the shape the templates use.

    The proposal of the matching stage lists the whole region under
    ``flows`` and this tender's flows under ``tender_flows``; the latter is
    used when present. Flows from other lots (including flows into this
    tender's own demand) are left out and counted in the log. Extra fields
    are ignored.
    """
    if not proposal:
        return []
    flows = proposal.get("tender_flows", proposal.get("flows"))
    if not isinstance(flows, list):
        raise InputError(msg("matchvoorstel heeft geen lijst 'flows'", "match proposal has no list 'flows'"), file=source, record="flows")
    partij_ids = {partij.id for partij in partijen}
    result = []
    skipped = 0
    for index, flow in enumerate(flows):
        record = f"flows[{index}]"
        if not isinstance(flow, dict) or not flow.get("from") or not flow.get("to"):
            raise InputError(msg("stroom zonder 'from' of 'to'; vul beide in", "flow without 'from' or 'to'; fill in both"), file=source, record=record, value=flow)
        partij_id = _partij_of(str(flow["from"]), partij_ids, reference)
        if partij_id is None:
            skipped += 1
            continue
        kind = flow.get("to_kind", "demand")
        if kind not in FLOW_KIND_LABELS:
            raise InputError(
                msg("to_kind {value!r} onbekend; verwacht demand, depot of disposal", "to_kind {value!r} unknown; expected demand, depot or disposal", value=kind),
                file=source, record=record, value=kind,
            )
        try:
            tonnes = float(flow.get("tonnes"))
            km = float(flow.get("km") or 0.0)
        except (TypeError, ValueError):
            raise InputError(msg("tonnes en km van een stroom moeten getallen zijn", "tonnes and km of a flow must be numbers"), file=source, record=record, value=flow) from None
        result.append(
            {
                "from": partij_id,
                "to": str(flow["to"]),
                "to_kind": kind,
                "to_kind_label": FLOW_KIND_LABELS[kind],
                "to_name": str(flow.get("to_name") or flow["to"]),
                "address": _location_label(flow),
                "period_label": _period_label(flow) or "in overleg met de opdrachtgever",
                "month": str(flow.get("month") or ""),
                "tonnes": tonnes,
                "km": km,
            }
        )
    if skipped:
        log.info("Left out %s of %s proposal flows that do not start from a partij of tender %s", skipped, len(flows), reference)
    return sorted(result, key=lambda item: (item["from"], item["month"], item["to"]))


def _depot_evidence(has_depot_flow: bool, has_match: bool) -> str:
    if has_depot_flow:
        return "depot nodig: stromen naar een depot in de match"
    if not has_match:
        return "depot nodig: tussenopslag zolang er geen match is"
    return "de match gebruikt geen depot"


def compute_facts(tender: TenderSpec, partijen: list[Partij], flows: list[dict[str, Any]]) -> tuple[dict[str, bool], dict[str, str]]:
    """Return the facts and, per fact, the Dutch evidence that the review page shows beside the clause."""
    classes = sorted({partij.klasse for partij in partijen}, key=CLASSES.index)
    niet_toepasbaar = [p.id for p in partijen if p.klasse == "niet_toepasbaar"]
    exceeded = [p.id for p in partijen if p.intervention_exceeded]
    pfas = [p.id for p in partijen if p.pfas]
    unclassified = [p.id for p in partijen if p.klasse == "onbekend"]
    depot_flows = [f"{f['from']} → {f['to_name']}" for f in flows if f["to_kind"] == "depot"]

    facts = {
        "has_match": bool(flows),
        "has_depot_flow": bool(depot_flows),
        "uses_depot": bool(depot_flows) or not flows,
        "mixed_classes": len(classes) > 1,
        "has_niet_toepasbaar": bool(niet_toepasbaar),
        "has_intervention_exceeded": bool(exceeded),
        "has_pfas": bool(pfas),
        "has_unclassified": bool(unclassified),
        "needs_supply": tender.needed_volume_m3 > 0,
    }
    evidence = {
        "has_match": f"matchvoorstel met {len(flows)} stroom/stromen" if flows else "nog geen geaccepteerd matchvoorstel voor deze aanbesteding",
        "has_depot_flow": "stromen naar een depot: " + ", ".join(depot_flows) if depot_flows else "geen stroom naar een depot",
        "uses_depot": _depot_evidence(bool(depot_flows), bool(flows)),
        "mixed_classes": "kwaliteitsklassen: " + ", ".join(CLASS_LABELS[c] for c in classes),
        "has_niet_toepasbaar": "niet toepasbaar: " + ", ".join(niet_toepasbaar) if niet_toepasbaar else "geen partij boven klasse industrie",
        "has_intervention_exceeded": "boven de interventiewaarde: " + ", ".join(exceeded) if exceeded else "geen partij boven de interventiewaarde",
        "has_pfas": "PFAS gemeten in: " + ", ".join(pfas) if pfas else "geen PFAS-resultaten",
        "has_unclassified": "nog niet geclassificeerd: " + ", ".join(unclassified) if unclassified else "alle partijen geclassificeerd",
        "needs_supply": f"het werk heeft {tender.needed_volume_m3:g} m³ grond nodig",
    }
    return facts, evidence


def _tonnes_per_destination(flows: list[dict[str, Any]], kinds: tuple[str, ...]) -> list[tuple[str, str, float, float]]:
    """Sum the tonnes of flows per (partij, destination), so monthly flows to one destination make one item."""
    totals: dict[tuple[str, str], list[float]] = {}
    for flow in flows:
        if flow["to_kind"] in kinds:
            entry = totals.setdefault((flow["from"], flow["to_name"]), [0.0, flow["km"]])
            entry[0] += flow["tonnes"]
    return [(partij_id, name, tonnes, km) for (partij_id, name), (tonnes, km) in totals.items()]


def bill_of_quantities(tender: TenderSpec, partijen: list[Partij], flows: list[dict[str, Any]], facts: dict[str, bool]) -> list[dict[str, Any]]:
    """Build the soil items of the staat van hoeveelheden from the partijen and the match."""
    items: list[tuple[str, str, float, int]] = []
    for partij in partijen:
        klasse = CLASS_LABELS[partij.klasse].lower() + (", indicatief" if partij.indicative else "")
        items.append((f"Ontgraven en gescheiden laden van partij {partij.id} ({klasse}, {partij.soil_type})", "m³", partij.volume_m3, 0))

    transports = _tonnes_per_destination(flows, tuple(FLOW_KIND_LABELS))
    for partij in partijen:
        if partij.klasse == "niet_toepasbaar":
            items.append((f"Afvoeren van partij {partij.id} naar een erkende verwerker, inclusief transport", "m³", partij.volume_m3, 0))
            continue
        own = [item for item in transports if item[0] == partij.id]
        for _, name, tonnes, km in own:
            items.append((f"Transport van partij {partij.id} naar {name} ({format_number(km, 1)} km)", "ton", tonnes, 1))
        if not own:
            items.append((f"Transport van partij {partij.id} naar de bestemming uit de bestemmingsbijlage (verrekenbaar)", "m³", partij.volume_m3, 0))

    if facts["has_depot_flow"]:
        for partij_id, name, tonnes, _ in _tonnes_per_destination(flows, ("depot",)):
            items.append((f"Tijdelijke opslag van partij {partij_id} in depot {name} (BRL SIKB 9335)", "ton", tonnes, 1))
    elif facts["uses_depot"]:
        volume = sum(p.volume_m3 for p in partijen if p.klasse != "niet_toepasbaar")
        items.append(("Tijdelijke opslag in een depot (BRL SIKB 9335) zolang een bestemming ontbreekt (verrekenbaar)", "m³", volume, 0))

    keuringen = [p for p in partijen if p.evidence == "partijkeuring"]
    if keuringen:
        items.append(("Partijkeuring volgens BRL SIKB 1000 en AP04 van partij(en) " + ", ".join(p.id for p in keuringen), "st", float(len(keuringen)), 0))
    items.append(("Transportregistratie: vrachtbrieven en weegbonnen per vracht aanleveren voor het dossier", "post", 1.0, 0))
    items.append(("CO2-registratie en rapportage van het grondtransport", "post", 1.0, 0))
    if facts["needs_supply"]:
        soil_types = ", ".join(tender.needed_soil_types)
        items.append((f"Aanvoeren en verwerken van grond ({soil_types}) van de bestemming die de opdrachtgever aanwijst", "m³", tender.needed_volume_m3, 0))
    return [
        {"code": f"G{number:02d}", "description": description, "unit": unit, "quantity": quantity, "decimals": decimals}
        for number, (description, unit, quantity, decimals) in enumerate(items, start=1)
    ]


def tender_context(tender: TenderSpec) -> dict[str, Any]:
    return {
        "reference": tender.reference,
        "contracting_authority": tender.contracting_authority,
        "project_name": tender.project_name,
        "works_start": tender.works_start,
        "works_end": tender.works_end,
        "released_volume_m3": tender.released_volume_m3,
        "needed_volume_m3": tender.needed_volume_m3,
        "accepted_classes": list(tender.accepted_classes),
        "notifier": tender.notifier or tender.contracting_authority,
    }
