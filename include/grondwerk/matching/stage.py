"""Stage 08 of the halte: publish the tender's supply and demand, match the whole region, write the proposal.

Supply: every partij of ``05_classification/partijen.json`` whose class is not
``niet_toepasbaar``, in tonnes (volume x density per soil type from
``data/density.json``), available in the months of the works. Partijen that are
``niet_toepasbaar`` are not published; they go to disposal or cleaning and are
listed in the proposal. A partij whose class is indicatief (``klasse_indicatief``:
the analysis package is incomplete) is published with that class and the mark,
which the regional store keeps for every tender that reads it. The proposal marks
each flow of such soil and its summary names the tonnes. Demand: the tender's
needed volume at the centroid of the project area. The proposal binds the
tender only after the soil team accepts it (``record_match_acceptance``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import importlib.util
import json
import logging
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from grondwerk import settings
from grondwerk.dossier import Dossier, StageResult
from grondwerk.errors import InputError
from grondwerk.i18n import msg
from grondwerk.matching.instance import DATA_DIR, default_parameters

log = logging.getLogger(__name__)

NOT_APPLICABLE = "niet_toepasbaar"


@lru_cache(maxsize=1)
def density_table() -> dict[str, Any]:
    return json.loads((DATA_DIR / "density.json").read_text(encoding="utf-8"))


def tonnes_of(volume_m3: float, soil_type: str | None) -> float:
    """Convert m³ to tonnes with the density of ``soil_type`` (the default density when unknown)."""
    table = density_table()
    return float(volume_m3) * float(table["t_per_m3"].get(soil_type or "", table["default_t_per_m3"]))


def format_nl(value: float, decimals: int = 0) -> str:
    """Format a number the Dutch way: 1.234,5."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _read_partijen(dossier: Dossier) -> tuple[list[dict[str, Any]], Path]:
    path = dossier.stage_dir("classification") / "partijen.json"
    if not path.exists():
        raise InputError(msg("{value} ontbreekt; draai eerst de classificatie", "{value} is missing; run the classification first", value=path),
                         file=str(path), value=str(path))
    try:
        partijen = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(msg("partijen.json is geen geldige JSON ({value})", "partijen.json is not valid JSON ({value})", value=exc.msg), file=str(path)) from None
    if not isinstance(partijen, list):
        raise InputError(msg("partijen.json moet een lijst zijn", "partijen.json must be a list"), file=str(path), value=type(partijen).__name__)
    for position, partij in enumerate(partijen):
        for key in ("partij_id", "class", "volume_m3"):
            if key not in partij:
                raise InputError(msg("partij {record} mist veld '{value}'", "partij {record} is missing field '{value}'", record=position, value=key),
                                 file=str(path), record=f"[{position}]", value=key)
        indicative = partij.get("klasse_indicatief", False)
        if not isinstance(indicative, bool):
            raise InputError(msg("klasse_indicatief van partij {record} moet true of false zijn, niet {value!r}",
                                 "klasse_indicatief of partij {record} must be true or false, not {value!r}", record=partij["partij_id"], value=indicative),
                             file=str(path), record=f"[{position}]", value=indicative)
    return partijen, path


def _months(tender) -> tuple[str, str]:
    return f"{tender.works_start:%Y-%m}", f"{tender.works_end:%Y-%m}"


def seed_region(engine, region_dir: Path | None = None) -> int:
    """Load ``examples/region/*.json`` into an empty store; return the number of files loaded."""
    from grondwerk.matching import store

    if not store.is_empty(engine):
        return 0
    region_dir = region_dir or settings.project_root() / "examples" / "region"
    files = sorted(region_dir.glob("*.json"))
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        store.publish(engine, supply=data.get("supply", []), demand=data.get("demand", []), depots=data.get("depots", []), sites=data.get("sites", []))
        log.info("Seeded the regional store from %s (example region: %s)", path, data.get("example", False))
    return len(files)


def publish_tender(engine, tender, partijen: list[dict[str, Any]]) -> dict[str, Any]:
    """Upsert this tender's supply lots and demand; return what was published and what was left out."""
    from grondwerk.matching import store

    centroid = tender.area_polygon().centroid
    month_from, month_to = _months(tender)
    supply, excluded = [], []
    for partij in partijen:
        # A partij without a soil type is published as "overig", which only matches demand that accepts "overig".
        soil_type = partij.get("soil_type") or "overig"
        entry = {"partij_id": partij["partij_id"], "class": partij["class"], "volume_m3": float(partij["volume_m3"]), "soil_type": soil_type,
                 "tonnes": round(tonnes_of(partij["volume_m3"], soil_type), 2)}
        if partij["class"] == NOT_APPLICABLE:
            excluded.append(entry)
            continue
        indicative = partij.get("klasse_indicatief", False)
        supply.append({"lot_id": f"{tender.reference}/{partij['partij_id']}", "tender_reference": tender.reference,
                       "owner": tender.contracting_authority, "name": f"{tender.project_name}, partij {partij['partij_id']}",
                       "x_rd_m": centroid.x, "y_rd_m": centroid.y, "tonnes": entry["tonnes"], "volume_m3": entry["volume_m3"],
                       "quality_class": partij["class"], "klasse_indicatief": indicative, "soil_type": soil_type,
                       "month_from": month_from, "month_to": month_to})
    demand = []
    if tender.needed_volume_m3 > 0:
        soil = tender.needed_soil_types[0] if tender.needed_soil_types else None
        demand.append({"demand_id": f"{tender.reference}/vraag", "tender_reference": tender.reference, "owner": tender.contracting_authority,
                       "name": tender.project_name, "x_rd_m": centroid.x, "y_rd_m": centroid.y,
                       "tonnes": round(tonnes_of(tender.needed_volume_m3, soil), 2), "volume_m3": tender.needed_volume_m3,
                       "accepted_classes": list(tender.accepted_classes), "accepted_soil_types": list(tender.needed_soil_types),
                       "month_from": month_from, "month_to": month_to})
    store.withdraw_tender(engine, tender.reference, [row["lot_id"] for row in supply], [row["demand_id"] for row in demand])
    store.publish(engine, supply=supply, demand=demand)
    return {"supply": supply, "demand": demand, "excluded": excluded}


def _names(instance: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Map every id to (kind, display name)."""
    names = {}
    for key, kind in (("supply", "supply"), ("demand", "demand"), ("depots", "depot"), ("disposal_sites", "disposal"), ("primary_sources", "primary")):
        for item in instance.get(key, []):
            names[item["id"]] = (kind, item.get("name") or item["id"])
    names.setdefault("disposal", ("disposal", "afvoer naar verwerker"))
    names.setdefault("primary", ("primary", "primair zand"))
    return names


def _summarise(flows: list[dict[str, Any]], payload: float, co2: float) -> dict[str, float]:
    tonne_km = sum(f["tonnes"] * f["km"] for f in flows)
    return {
        "cost": round(sum(f["cost"] for f in flows), 2),
        "tonne_km": round(tonne_km, 1),
        "co2_kg": round(tonne_km * co2, 1),
        "truck_movements": sum(math.ceil(f["tonnes"] / payload - 1e-9) for f in flows if f["km"] > 0),
        "matched_tonnes": round(sum(f["tonnes"] for f in flows if f["kind"] in ("direct", "from_depot")), 2),
    }


def _saving(optimal: dict[str, float], baseline: dict[str, float]) -> dict[str, float]:
    result = {}
    for key, name in (("tonne_km", "tonne_km"), ("truck_movements", "truck_movements"), ("co2_kg", "co2_kg"), ("cost", "euro")):
        result[name] = round(baseline[key] - optimal[key], 2)
        result[name + "_pct"] = round(100.0 * (baseline[key] - optimal[key]) / baseline[key], 1) if baseline[key] else 0.0
    return result


def _touches(flow: dict[str, Any], ids: set[str]) -> bool:
    return flow["from"] in ids or flow["to"] in ids


def build_proposal(instance: dict[str, Any], result: dict[str, Any], tender, published: dict[str, Any], first_month: str) -> dict[str, Any]:
    from grondwerk.matching.store import month_of_period

    names = _names(instance)
    flows = []
    for flow in result["flows"]:
        target_kind = {"direct": "demand", "from_depot": "demand", "to_depot": "depot", "disposal": "disposal", "primary": "demand"}[flow["kind"]]
        flows.append(flow | {"to_kind": target_kind, "to_name": names.get(flow["to"], (target_kind, flow["to"]))[1],
                             "from_name": names.get(flow["from"], ("", flow["from"]))[1], "month": month_of_period(first_month, flow["period"])})
    own = {row["lot_id"] for row in published["supply"]} | {row["demand_id"] for row in published["demand"]}
    params = result["parameters"]
    tender_flows = [f for f in flows if _touches(f, own)]
    tender_totals = _summarise(tender_flows, params["payload_tonnes"], params["co2_kg_per_tkm"])
    tender_baselines = {name: _summarise([f for f in result["baselines"][name]["flows"] if _touches(f, own)], params["payload_tonnes"], params["co2_kg_per_tkm"])
                        for name in ("no_coordination", "greedy")}
    baselines = {name: {k: v for k, v in value.items() if k != "flows"} for name, value in result["baselines"].items()}
    excluded = [entry | {"destination_nl": "afvoer naar erkende verwerker (reiniging of stort)", "destination_en": "removal to a licensed processor (cleaning or landfill)"}
                for entry in published["excluded"]]
    return {
        "tender_reference": tender.reference,
        "example_region": True,
        "first_month": first_month,
        "flows": flows,
        "tender_flows": tender_flows,
        "depot_stock": [row | {"month": month_of_period(first_month, row["end_of_period"])} for row in result["depot_stock"]],
        "totals": result["totals"],
        "baselines": baselines,
        "savings": result["savings"],
        "klasse_indicatief": result["klasse_indicatief"],
        "tender": {"totals": tender_totals, "baselines": tender_baselines,
                   "savings": {name: _saving(tender_totals, base) for name, base in tender_baselines.items()},
                   "published_supply": published["supply"], "published_demand": published["demand"], "not_applicable": excluded},
        "co2_basis": result["co2_basis"],
        "parameters": params,
        "parameters_version": result["parameters_version"],
        "density_version": density_table()["version"],
        "solver": result["solver"],
        "status": "proposed",
    }


def _partijen_word(count: int) -> str:
    return "partij" if count == 1 else "partijen"


def _reuse_parts(tender_flows: list[dict[str, Any]], lots: str) -> tuple[str, str]:
    """Return the tonnes per reuse destination (a demand or a depot), largest first."""
    destinations: dict[str, float] = {}
    for flow in tender_flows:
        if flow["from"].startswith(lots) and flow["to_kind"] != "disposal":
            destinations[flow["to_name"]] = destinations.get(flow["to_name"], 0.0) + flow["tonnes"]
    ranked = sorted(destinations.items(), key=lambda item: -item[1])
    return (", ".join(f"{format_nl(t)} t naar {name}" for name, t in ranked),
            ", ".join(f"{t:,.0f} t to {name}" for name, t in ranked))


def _disposal_parts(tender_flows: list[dict[str, Any]], lots: str, partijen: list[dict[str, Any]]) -> tuple[str, str]:
    """Return the disposal clause: lots the match leaves without a taker, and the niet toepasbare partijen.

    A flow to ``disposal`` has no site because the region lists none. Such a flow is priced
    at the flat unmatched cost per tonne.
    """
    sites: dict[str, float] = {}
    for flow in tender_flows:
        if flow["from"].startswith(lots) and flow["to_kind"] == "disposal":
            name = flow["to_name"] if flow["to"] != "disposal" else ""
            sites[name] = sites.get(name, 0.0) + flow["tonnes"]
    excluded = [p for p in partijen if p.get("class") == NOT_APPLICABLE]
    excluded_t = sum(tonnes_of(p["volume_m3"], p.get("soil_type")) for p in excluded)
    total = sum(sites.values()) + excluded_t
    if total <= 0:
        return "geen afvoer naar stort of verwerker", "nothing to landfill or a processor"

    details_nl, details_en = [], []
    for name, t in sorted(sites.items(), key=lambda item: -item[1]):
        details_nl.append(f"{format_nl(t)} t zonder afnemer naar {name or 'een verwerker (geen locatie in de regio)'}")
        details_en.append(f"{t:,.0f} t without a taker to {name or 'a processor (no site in the region)'}")
    if excluded:
        # Niet toepasbare partijen are not published for reuse, so no flow above names them.
        word_nl = _partijen_word(len(excluded))
        details_nl.append(f"{format_nl(excluded_t)} t van {len(excluded)} niet toepasbare {word_nl} naar een erkende verwerker buiten de match")
        details_en.append(f"{excluded_t:,.0f} t of {len(excluded)} not applicable {word_nl} to a licensed processor outside the match")
    return (f"afvoer (storten of reinigen) {format_nl(total)} t: {' en '.join(details_nl)}",
            f"disposal (landfill or cleaning) {total:,.0f} t: {' and '.join(details_en)}")


def _swapped_tonnes(proposal: dict[str, Any], own: set[str], lots: str) -> tuple[float, list[str], float]:
    """Return the tender's own soil that fits its own demand but goes elsewhere, its soil types, and the tonnes coming in.

    Soil fits when its class and soil type are among those the tender's demand accepts.
    """
    published = proposal["tender"]
    fitting: dict[str, str] = {}
    for demand in published["published_demand"]:
        for lot in published["published_supply"]:
            if lot["quality_class"] in demand["accepted_classes"] and lot["soil_type"] in demand["accepted_soil_types"]:
                fitting[lot["lot_id"]] = lot["soil_type"]
    leaving = [f for f in proposal["tender_flows"] if f["from"] in fitting and f["to_kind"] != "disposal" and f["to"] not in own]
    incoming = sum(f["tonnes"] for f in proposal["tender_flows"] if f["to"] in own and f["kind"] in ("direct", "from_depot") and not f["from"].startswith(lots))
    soil_types = sorted({fitting[f["from"]] for f in leaving})
    return sum(f["tonnes"] for f in leaving), soil_types, incoming


def _tradeoff_sentence(proposal: dict[str, Any], own: set[str], lots: str) -> tuple[str, str]:
    """Explain, with the euro figures, why the tender pays more under the regional optimum than under greedy.

    Return empty strings when the tender's own cost under the optimum is not above its greedy cost.
    """
    own_cost = proposal["tender"]["totals"]["cost"]
    greedy_cost = proposal["tender"]["baselines"]["greedy"]["cost"]
    if own_cost <= greedy_cost:
        return "", ""
    extra = own_cost - greedy_cost
    extra_pct = 100.0 * extra / greedy_cost if greedy_cost else 0.0
    region = proposal["savings"]["greedy"]

    leaving, soil_types, incoming = _swapped_tonnes(proposal, own, lots)
    if leaving > 0:
        soil = " en ".join(soil_types)
        reason_nl = f"eigen grond die de eigen vraag had kunnen vullen ({format_nl(leaving)} t {soil}) naar andere projecten gaat"
        reason_en = f"own soil that could have filled this tender's demand ({leaving:,.0f} t {' and '.join(soil_types)}) goes to other projects"
        if incoming > 0:
            reason_nl += f", terwijl {format_nl(incoming)} t grond van elders de eigen vraag vult"
            reason_en += f", while {incoming:,.0f} t from elsewhere fills that demand"
    else:
        reason_nl = "de verdeling die voor de hele regio het goedkoopst is, dat voor deze aanbesteding niet is"
        reason_en = "the allocation that is cheapest for the whole region is not the cheapest for this tender"
    nl = (f"Afweging: voor deze aanbesteding kost de regionale verdeling € {format_nl(own_cost)}, € {format_nl(extra)} ({format_nl(extra_pct, 1)} %) "
          f"meer dan de dichtstbijzijnde match (€ {format_nl(greedy_cost)}), omdat {reason_nl}. De regio als geheel is € {format_nl(region['euro'])} "
          f"({format_nl(region['euro_pct'], 1)} %) goedkoper dan met de dichtstbijzijnde match.")
    en = (f"Trade-off: for this tender the regional allocation costs € {own_cost:,.0f}, € {extra:,.0f} ({extra_pct:.1f} %) more than the nearest match "
          f"(€ {greedy_cost:,.0f}), because {reason_en}. The region as a whole is € {region['euro']:,.0f} ({region['euro_pct']:.1f} %) cheaper "
          f"than with the nearest match.")
    return nl, en


def _lower_first(sentence: str) -> str:
    return sentence[:1].lower() + sentence[1:]


def indicative_moved_sentence(indicative: dict[str, Any] | None) -> tuple[str, str]:
    """Name the tonnes of indicatief soil that a proposal moves; return empty strings when it moves none.

    ``indicative`` is the ``klasse_indicatief`` block of ``solve``: the flagged lots of the whole region and
    the tonnes that leave them. Soil that passes a depot counts once, when it leaves its lot.
    """
    if not indicative or indicative["tonnes"] <= 0:
        return "", ""
    count = len(indicative["lots"])
    word = _partijen_word(count)
    tonnes, reuse = indicative["tonnes"], indicative["reuse_tonnes"]
    return (f"Het voorstel verplaatst {format_nl(tonnes)} t grond met een indicatieve klasse uit {count} {word} in de regio, "
            f"waarvan {format_nl(reuse)} t naar hergebruik of depot; die stromen zijn gemarkeerd in het voorstel en op de kaart.",
            f"The proposal moves {tonnes:,.0f} t of soil with an indicative class from {count} {word} in the region, "
            f"{reuse:,.0f} t of it to reuse or a depot; those flows are marked in the proposal and on the map.")


def _indicative_sentence(published_supply: list[dict[str, Any]], indicative: dict[str, Any] | None) -> tuple[str, str]:
    """Name this tender's lots whose class is indicatief and the indicatief tonnes of the whole proposal.

    Return empty strings when neither this tender nor the region has such lots.
    """
    own = [row for row in published_supply if row.get("klasse_indicatief")]
    moved_nl, moved_en = indicative_moved_sentence(indicative)
    if not own:
        return (f"Let op: {_lower_first(moved_nl)}", f"Note: {_lower_first(moved_en)}") if moved_nl else ("", "")
    ids = ", ".join(row["lot_id"].rsplit("/", 1)[-1] for row in own)
    word = _partijen_word(len(own))
    nl = (f"Let op: {len(own)} {word} ({ids}) aangeboden met een indicatieve klasse, want het analysepakket is onvolledig; "
          "de bestemming staat pas vast als de klasse vaststaat.")
    en = (f"Note: {len(own)} {word} ({ids}) offered with an indicative class because the analysis package is incomplete; "
          "the destination is final only once the class is.")
    return (f"{nl} {moved_nl}".rstrip(), f"{en} {moved_en}".rstrip())


def _conclusion(proposal: dict[str, Any], tender, partijen: list[dict[str, Any]]) -> tuple[str, str]:
    """Return the Dutch and English summary of the proposal for the soil team.

    It names the tonnes per reuse destination, the tonnes to disposal, the savings of the
    tender and of the region, and the trade-off when the tender pays more than under greedy.
    """
    lots = tender.reference + "/"
    own = {row["lot_id"] for row in proposal["tender"]["published_supply"]} | {row["demand_id"] for row in proposal["tender"]["published_demand"]}
    volume = sum(float(p["volume_m3"]) for p in partijen)
    word = _partijen_word(len(partijen))
    reuse_nl, reuse_en = _reuse_parts(proposal["tender_flows"], lots)
    disposal_nl, disposal_en = _disposal_parts(proposal["tender_flows"], lots, partijen)
    saving = proposal["tender"]["savings"]["no_coordination"]["tonne_km_pct"]
    region_greedy = proposal["savings"]["greedy"]["tonne_km_pct"]
    region_none = proposal["savings"]["no_coordination"]["tonne_km_pct"]
    factor = proposal["co2_basis"]["co2_kg_per_tkm"]
    nl = (f"{format_nl(volume)} m³ in {len(partijen)} {word}: hergebruik {reuse_nl or 'geen'}; {disposal_nl}; "
          f"besparing {format_nl(saving)} % tonkm t.o.v. geen coördinatie. "
          f"Regio: {format_nl(region_none)} % minder tonkm dan zonder coördinatie en {format_nl(region_greedy)} % minder dan dichtstbijzijnde match "
          f"(CO2-factor {format_nl(factor, 3)} kg per tonkm, well-to-wheel, inclusief lege terugrit).")
    en = (f"{volume:,.0f} m³ in {len(partijen)} {word}: reuse {reuse_en or 'none'}; {disposal_en}; "
          f"saving {saving:.0f} % tonne-km against no coordination. "
          f"Region: {region_none:.0f} % fewer tonne-km than without coordination and {region_greedy:.0f} % fewer than nearest match "
          f"(CO2 factor {factor:.3f} kg per tonne-km, well-to-wheel, including the empty return).")
    tradeoff_nl, tradeoff_en = _tradeoff_sentence(proposal, own, lots)
    if tradeoff_nl:
        nl += " " + tradeoff_nl
        en += " " + tradeoff_en
    indicative_nl, indicative_en = _indicative_sentence(proposal["tender"]["published_supply"], proposal.get("klasse_indicatief"))
    if indicative_nl:
        nl += " " + indicative_nl
        en += " " + indicative_en
    return nl + " Voorbeeldregio, geen echte projecten.", en + " Example region, not real projects."


def _geojson(proposal: dict[str, Any], instance: dict[str, Any]) -> dict[str, Any]:
    from grondwerk.matching.geojson import proposal_geojson

    return proposal_geojson(instance, proposal["flows"])


def run_matching_stage(tender, dossier: Dossier, store_url: str | None = None) -> StageResult:
    """Publish the tender, match the region and write ``08_matching/proposal.json`` and ``proposal.geojson``."""
    from grondwerk.db import get_engine
    from grondwerk.matching import solve, store

    partijen, partijen_path = _read_partijen(dossier)
    engine = get_engine(store_url)
    seeded = seed_region(engine)
    published = publish_tender(engine, tender, partijen)
    instance = store.load_region(engine)
    first_month = instance.pop("first_month")
    log.info("Matching region for %s: %s lots, %s demands, %s depots", tender.reference, len(instance["supply"]), len(instance["demand"]), len(instance["depots"]))
    result = solve(instance, keep_baseline_flows=True)
    proposal = build_proposal(instance, result, tender, published, first_month)

    out = dossier.stage_dir("matching", clean=True)
    proposal_id = f"{tender.reference}/{dossier.path.name}"
    proposal["proposal_id"] = proposal_id
    proposal_path = out / "proposal.json"
    proposal_path.write_text(json.dumps(proposal, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    sha256 = hashlib.sha256(proposal_path.read_bytes()).hexdigest()
    geojson_path = out / "proposal.geojson"
    geojson_path.write_text(json.dumps(_geojson(proposal, instance), ensure_ascii=False) + "\n", encoding="utf-8")
    store.save_proposal(engine, proposal_id, tender.reference, proposal, sha256, first_month)
    outputs = [proposal_path, geojson_path]
    outputs.extend(_destination_annex(tender, dossier, proposal))

    nl, en = _conclusion(proposal, tender, partijen)
    status = "ok" if result["totals"]["gap"] == 0 else "warning"
    summary = {
        "proposal_id": proposal_id, "sha256": sha256, "seeded_example_region": bool(seeded),
        "published_lots": len(published["supply"]), "not_applicable_partijen": len(published["excluded"]),
        "indicative_lots": [row["lot_id"] for row in published["supply"] if row["klasse_indicatief"]],
        "region": {"lots": len(instance["supply"]), "demands": len(instance["demand"]), "depots": len(instance["depots"])},
        "tender_totals": proposal["tender"]["totals"], "tender_savings": proposal["tender"]["savings"],
        "region_totals": result["totals"], "gap": result["totals"]["gap"], "input": str(partijen_path),
    }
    versions = {"matching_parameters": default_parameters()["version"], "matching_density": density_table()["version"]}
    return StageResult(summary=summary, conclusion_nl=nl, conclusion_en=en, outputs=outputs, status=status, versions=versions)


def _destination_annex(tender, dossier: Dossier, proposal: dict[str, Any]) -> list[Path]:
    """Render the destination annex (bestemmingsbijlage) of this tender's flows with the clause library."""
    from grondwerk.clauses.stage import render_destination_annex

    written = render_destination_annex(tender, dossier, proposal)
    return [Path(p) for p in written]


def record_match_acceptance(dossier: Dossier, decision: str, comment: str, responded_by: str, responded_at: dt.datetime | str,
                            store_url: str | None = None) -> Path:
    """Mark the proposal accepted or rejected in the store and write ``08_matching/acceptance.json``."""
    from grondwerk.db import get_engine
    from grondwerk.matching import store

    decision = {"accepteren": "accepted", "accept": "accepted", "accepted": "accepted",
                "afwijzen": "rejected", "reject": "rejected", "rejected": "rejected"}.get(str(decision).strip().lower())
    if decision is None:
        raise InputError(msg("besluit moet Accepteren of Afwijzen zijn", "decision must be Accepteren or Afwijzen"), record="decision", value=decision)
    out = dossier.stage_dir("matching")
    proposal_path = out / "proposal.json"
    if not proposal_path.exists():
        raise InputError(msg("{value} ontbreekt; draai eerst de matching", "{value} is missing; run the matching first", value=proposal_path), file=str(proposal_path))
    proposal = json.loads(proposal_path.read_text(encoding="utf-8"))
    if isinstance(responded_at, str):
        try:
            responded_at = dt.datetime.fromisoformat(responded_at) if responded_at.strip() else dt.datetime.now(dt.timezone.utc)
        except ValueError:
            raise InputError(msg("'{value}' is geen tijdstip (ISO 8601)", "'{value}' is not a timestamp (ISO 8601)", value=responded_at),
                             record="responded_at", value=responded_at) from None
    store.set_proposal_status(get_engine(store_url), proposal["proposal_id"], decision, comment, responded_by, responded_at)
    acceptance = {"proposal_id": proposal["proposal_id"], "decision": decision, "comment": comment, "responded_by": responded_by,
                  "responded_at": responded_at.isoformat(), "sha256_proposal": hashlib.sha256(proposal_path.read_bytes()).hexdigest()}
    path = out / "acceptance.json"
    path.write_text(json.dumps(acceptance, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def run_regional_match(out_dir: Path, proposal_id: str, store_url: str | None = None) -> dict[str, Any]:
    """Match the whole region without publishing a tender; write proposal.json and proposal.geojson to ``out_dir``."""
    from grondwerk.db import get_engine
    from grondwerk.matching import solve, store
    from grondwerk.matching.geojson import proposal_geojson
    from grondwerk.matching.store import month_of_period

    engine = get_engine(store_url)
    seed_region(engine)
    instance = store.load_region(engine)
    first_month = instance.pop("first_month")
    result = solve(instance)
    names = _names(instance)
    for flow in result["flows"]:
        flow["month"] = month_of_period(first_month, flow["period"])
        flow["to_name"] = names.get(flow["to"], ("", flow["to"]))[1]
    result["proposal_id"] = proposal_id
    result["first_month"] = first_month
    result["status"] = "proposed"
    result["summary_nl"], result["summary_en"] = _regional_summary(result)
    out_dir.mkdir(parents=True, exist_ok=True)
    proposal_path = out_dir / "proposal.json"
    proposal_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out_dir / "proposal.geojson").write_text(json.dumps(proposal_geojson(instance, result["flows"]), ensure_ascii=False) + "\n", encoding="utf-8")
    sha256 = hashlib.sha256(proposal_path.read_bytes()).hexdigest()
    store.save_proposal(engine, proposal_id, "REGIO", result, sha256, first_month)
    log.info("Regional proposal %s: %s flows, gap %s", proposal_id, len(result["flows"]), result["totals"]["gap"])
    return {"proposal_id": proposal_id, "path": str(proposal_path), "sha256": sha256, "totals": result["totals"], "savings": result["savings"],
            "klasse_indicatief": result["klasse_indicatief"], "summary_nl": result["summary_nl"], "summary_en": result["summary_en"]}


def _regional_summary(result: dict[str, Any]) -> tuple[str, str]:
    """Return the Dutch and English summary of a regional proposal for the soil team's review."""
    totals = result["totals"]
    saving = result["savings"]["greedy"]["tonne_km_pct"]
    nl = (f"Regionaal voorstel: {format_nl(totals['matched_tonnes'])} t hergebruikt, {format_nl(totals['unmatched_tonnes'])} t naar afvoer, "
          f"{format_nl(totals['unmet_tonnes'])} t primair zand, {format_nl(totals['tonne_km'])} tonkm, "
          f"{format_nl(saving, 1)} % minder tonkm dan de dichtstbijzijnde match.")
    en = (f"Regional proposal: {totals['matched_tonnes']:,.0f} t reused, {totals['unmatched_tonnes']:,.0f} t to disposal, "
          f"{totals['unmet_tonnes']:,.0f} t primary sand, {totals['tonne_km']:,.0f} tonne-km, "
          f"{saving:.1f} % fewer tonne-km than the nearest match.")
    moved_nl, moved_en = indicative_moved_sentence(result["klasse_indicatief"])
    if moved_nl:
        nl += f" Let op: {_lower_first(moved_nl)}"
        en += f" Note: {_lower_first(moved_en)}"
    return nl, en
