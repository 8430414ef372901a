"""Build one melding *toepassen van grond of baggerspecie* per partij and destination.

Input is the tender, ``05_classification/partijen.json`` and the accepted
``08_matching/proposal.json``. Every flow to a demand site or depot becomes a
melding with a status:

- ``to_send``: required, on time and complete, so the outbox submits it;
- ``exempt``: an exemption applies (recorded with its rule, not sent);
- ``late``: the deadline has passed, so it is not sent and the soil team is alerted;
- ``blocked``: it cannot be sent as is (missing location or bodemfunctieklasse,
  class too poor for the destination, storage too long);
- ``held``: the class of the soil is indicatief (``klasse_indicatief`` in
  partijen.json: the analysis package is incomplete), so a melding would state
  a class that is not final. It is held back until the missing analyses are
  done and the classification is run again;
- ``not_required``: disposal, or storage kinds without a melding;
- ``external``: soil from another project, or from a depot that also contains
  soil of others. The party that applies it files that melding, so it is
  listed and not sent.

The builder is pure: the same input gives the same meldingen, keys and
payloads, so a rerun never creates a second melding.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grondwerk.dso.rules import MeldingRules, load_api, load_rules
from grondwerk.errors import InputError
from grondwerk.i18n import msg
from grondwerk.tender import TenderSpec

log = logging.getLogger(__name__)

APPLIED_KINDS = ("demand", "depot")
# Flow kinds of the matching solver mapped to the kind of receiving site.
# Flows of kind "primary" bring primary material to a demand site, so they carry no soil of this tender.
SOLVER_KIND_TO_SITE = {"direct": "demand", "from_depot": "demand", "to_depot": "depot", "disposal": "disposal"}
SKIPPED_SOLVER_KINDS = ("primary",)
DAYS_PER_MONTH = 365.25 / 12
RD_CRS = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}
# Field names the matching stage may use for the same value, first match wins.
X_FIELDS = ("x_rd_m", "x", "to_x_rd_m", "to_x")
Y_FIELDS = ("y_rd_m", "y", "to_y_rd_m", "to_y")
FUNCTION_CLASS_FIELDS = ("bodemfunctieklasse", "to_bodemfunctieklasse")
MAX_CLASS_FIELDS = ("max_class", "accepted_max_class", "to_max_class")


def idempotency_key(tender_reference: str, partij_id: str, destination_id: str) -> str:
    """Return the sha256 hex digest that identifies one melding across reruns and retries."""
    joined = "\x1f".join((tender_reference, partij_id, destination_id))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


@dataclass
class _Destination:
    """A receiving site of a flow, merged from the flow and the proposal's site lists."""

    id: str
    name: str
    kind: str
    fields: dict[str, Any] = field(default_factory=dict)

    def first(self, names: tuple[str, ...]) -> Any:
        for name in names:
            value = self.fields.get(name)
            if value not in (None, ""):
                return value
        return None

    def flag(self, name: str) -> bool:
        return bool(self.fields.get(name) or self.fields.get(f"to_{name}"))


@dataclass
class _FlowGroup:
    """The flows of one partij to one destination, with their summed volume and overall period."""

    flow: dict[str, Any]
    volume_m3: float
    start: dt.date
    end: dt.date


def _site_index(proposal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Index the proposal's site lists (destinations, demands, depots, sites) by id."""
    index: dict[str, dict[str, Any]] = {}
    containers = [proposal, proposal.get("instance") or {}]
    for container, list_name in ((c, n) for c in containers for n in ("destinations", "demands", "depots", "sites")):
        for site in container.get(list_name) or []:
            if isinstance(site, dict) and site.get("id") is not None:
                index.setdefault(str(site["id"]), site)
    return index


def _destination(flow: dict[str, Any], sites: dict[str, dict[str, Any]]) -> _Destination:
    destination_id = str(flow["to"])
    site = sites.get(destination_id, {})
    fields = {**site, **{key: value for key, value in flow.items() if key.startswith("to_") and value not in (None, "")}}
    name = str(flow.get("to_name") or site.get("name") or destination_id)
    kind = str(flow.get("to_kind") or SOLVER_KIND_TO_SITE.get(str(flow.get("kind"))) or site.get("kind") or "demand")
    accepted = site.get("accepted_classes")
    if isinstance(accepted, list) and accepted and "max_class" not in fields:
        fields["accepted_classes"] = accepted
    return _Destination(destination_id, name, kind, fields)


def _flow_site_kind(flow: dict[str, Any]) -> str:
    return str(flow.get("to_kind") or SOLVER_KIND_TO_SITE.get(str(flow.get("kind"))) or "demand")


def _geometry(destination: _Destination) -> dict[str, Any] | None:
    """Return the destination as GeoJSON in RD New, or None when no location is known."""
    geometry = destination.first(("geometry", "to_geometry"))
    if isinstance(geometry, dict) and geometry.get("type") in ("Point", "Polygon", "MultiPolygon"):
        return {"type": geometry["type"], "coordinates": geometry["coordinates"], "crs": RD_CRS}
    x, y = destination.first(X_FIELDS), destination.first(Y_FIELDS)
    try:
        return {"type": "Point", "coordinates": [round(float(x), 2), round(float(y), 2)], "crs": RD_CRS}
    except (TypeError, ValueError):
        return None


def _month_start(year: int, month: int) -> dt.date:
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.date(year, month, 1)


def _period(flow: dict[str, Any], tender: TenderSpec) -> tuple[dt.date, dt.date]:
    """Return the first and last day of the flow.

    The flow may carry ``start`` and ``end`` fields, a ``month`` or a ``period``. A month or period
    is "YYYY-MM", "YYYY-MM-DD/YYYY-MM-DD", a dict with start and end, or an
    integer month offset from the month in which the works start. Without a
    period the works period of the tender is used.
    """
    if flow.get("start"):
        start = dt.date.fromisoformat(str(flow["start"]))
        end = dt.date.fromisoformat(str(flow.get("end") or flow["start"]))
        return start, end
    # The matching stage writes the calendar month as "month"; its "period" then counts from the region's first month.
    period = flow.get("month") or flow.get("period")
    if period is None or period == "":
        return tender.works_start, tender.works_end
    if isinstance(period, dict):
        return dt.date.fromisoformat(str(period["start"])), dt.date.fromisoformat(str(period.get("end") or period["start"]))
    if isinstance(period, int) or (isinstance(period, str) and period.isdigit()):
        first = _month_start(tender.works_start.year, tender.works_start.month + int(period))
        start = max(first, tender.works_start)
        return start, _month_start(first.year, first.month + 1) - dt.timedelta(days=1)
    text_period = str(period)
    if "/" in text_period:
        start_text, end_text = text_period.split("/", 1)
        return dt.date.fromisoformat(start_text), dt.date.fromisoformat(end_text)
    if len(text_period) == 7:
        first = dt.date.fromisoformat(text_period + "-01")
        start = max(first, tender.works_start) if first.month == tender.works_start.month and first.year == tender.works_start.year else first
        return start, _month_start(first.year, first.month + 1) - dt.timedelta(days=1)
    day = dt.date.fromisoformat(text_period)
    return day, day


def _volumes(flows: list[dict[str, Any]], partijen: dict[str, dict[str, Any]]) -> list[float]:
    """Return the m³ of each flow.

    A flow's own ``volume_m3`` wins. Otherwise the partij's volume is shared
    over its flows in proportion to their tonnes, so no density is assumed.
    Flows out of a depot get the m³ per tonne of what entered that depot.
    """
    tonnes_out: dict[str, float] = defaultdict(float)
    for flow in flows:
        tonnes_out[str(flow["from"])] += float(flow.get("tonnes") or 0)
    m3_per_tonne_in_depot: dict[str, float] = {}
    depot_in_m3: dict[str, float] = defaultdict(float)
    depot_in_tonnes: dict[str, float] = defaultdict(float)
    volumes: list[float] = []
    for flow in flows:
        volumes.append(_own_or_shared_volume(flow, partijen, tonnes_out))
    for flow, volume in zip(flows, volumes, strict=True):
        if _flow_site_kind(flow) == "depot":
            depot_in_m3[str(flow["to"])] += volume
            depot_in_tonnes[str(flow["to"])] += float(flow.get("tonnes") or 0)
    for depot, tonnes in depot_in_tonnes.items():
        if tonnes > 0:
            m3_per_tonne_in_depot[depot] = depot_in_m3[depot] / tonnes
    for index, flow in enumerate(flows):
        source = str(flow["from"])
        if source not in partijen and source in m3_per_tonne_in_depot and flow.get("volume_m3") is None:
            volumes[index] = float(flow.get("tonnes") or 0) * m3_per_tonne_in_depot[source]
    return volumes


def _own_or_shared_volume(flow: dict[str, Any], partijen: dict[str, dict[str, Any]], tonnes_out: dict[str, float]) -> float:
    if flow.get("volume_m3") is not None:
        return float(flow["volume_m3"])
    partij = partijen.get(str(flow["from"]))
    total_tonnes = tonnes_out[str(flow["from"])]
    if partij is None or not total_tonnes:
        return 0.0
    return float(partij.get("volume_m3") or 0) * float(flow.get("tonnes") or 0) / total_tonnes


class MeldingBuilder:
    """Build the meldingen of one tender; see the module docstring for the statuses."""

    def __init__(self, tender: TenderSpec, partijen: list[dict[str, Any]], proposal: dict[str, Any], today: dt.date, rules: MeldingRules | None = None):
        self.tender = tender
        self.partijen = {str(p["partij_id"]): p for p in partijen}
        for partij in partijen:
            _check_indicative_flag(partij)
        self.proposal = proposal
        self.today = today
        self.rules = rules or load_rules()
        self.api = load_api()
        # A regional proposal lists every flow of the region and, under "tender_flows", those touching this tender.
        self.regional = isinstance(proposal.get("tender_flows"), list)
        self.all_flows = self._normalise(proposal.get("flows") or [])
        self.flows = self._normalise(proposal["tender_flows"]) if self.regional else self.all_flows
        self.sites = _site_index(proposal)
        self.depot_ids = {str(f["to"]) for f in self.all_flows if _flow_site_kind(f) == "depot"}

    def _normalise(self, flows: list[Any]) -> list[dict[str, Any]]:
        """Drop primary-material flows and map lot ids like "<tender>/<partij>" to the partij id."""
        prefix = f"{self.tender.reference}/"
        normalised = []
        for flow in flows:
            if not isinstance(flow, dict) or flow.get("kind") in SKIPPED_SOLVER_KINDS:
                continue
            source = str(flow.get("partij_id") or flow.get("from") or "")
            if source.startswith(prefix) and source[len(prefix):] in self.partijen:
                flow = {**flow, "from": source[len(prefix):], "partij_id": source[len(prefix):]}
            normalised.append(flow)
        return normalised

    def build(self) -> list[dict[str, Any]]:
        self._check_flows()
        volumes = _volumes(self.flows, self.partijen)
        destination_totals: dict[str, float] = defaultdict(float)
        for flow, volume in zip(self.flows, volumes, strict=True):
            destination_totals[str(flow["to"])] += volume
        meldingen = [self._melding(group, destination_totals[group.flow["to"]]) for group in self._groups(volumes)]
        meldingen.sort(key=lambda m: (m["partij_id"], m["destination_id"]))
        counts: dict[str, int] = defaultdict(int)
        for melding in meldingen:
            counts[melding["status"]] += 1
        log.info("Built %s meldingen for tender %s: %s", len(meldingen), self.tender.reference, dict(counts))
        return meldingen

    def _check_flows(self) -> None:
        for index, flow in enumerate(self.flows):
            for key in ("from", "to"):
                if flow.get(key) in (None, ""):
                    raise InputError(
                        msg("stroom {index} in het matchvoorstel mist veld '{key}'", "flow {index} in the match proposal is missing field '{key}'", index=index, key=key),
                        file="08_matching/proposal.json", record=f"flows[{index}]", value=flow,
                    )

    def _groups(self, volumes: list[float]) -> list[_FlowGroup]:
        """Group flows by partij and destination: several flows (e.g. one per month) make one melding."""
        groups: dict[tuple[str, str], _FlowGroup] = {}
        for index, (flow, volume) in enumerate(zip(self.flows, volumes, strict=True)):
            try:
                start, end = _period(flow, self.tender)
            except (ValueError, KeyError, TypeError):
                raise InputError(
                    msg("periode van stroom {index} is geen datum of maand ({value}); gebruik JJJJ-MM of JJJJ-MM-DD/JJJJ-MM-DD",
                        "period of flow {index} is not a date or month ({value}); use YYYY-MM or YYYY-MM-DD/YYYY-MM-DD",
                        index=index, value=flow.get("period") or flow.get("start")),
                    file="08_matching/proposal.json", record=f"flows[{index}]", value=flow.get("period"),
                ) from None
            source = str(flow.get("partij_id") or flow["from"])
            group = groups.get((source, str(flow["to"])))
            if group is None:
                groups[(source, str(flow["to"]))] = _FlowGroup({**flow, "to": str(flow["to"])}, volume, start, end)
                continue
            group.volume_m3 += volume
            group.start = min(group.start, start)
            group.end = max(group.end, end)
        return list(groups.values())

    def _source(self, flow: dict[str, Any]) -> tuple[str, str | None, list[str]]:
        """Return (partij id, quality class, herkomst partij ids) of the flow's source.

        The class is None when the soil does not come from this tender only:
        a lot of another project, or a depot that also contains soil of others.
        """
        source = str(flow.get("partij_id") or flow["from"])
        partij = self.partijen.get(source)
        if partij is not None:
            return source, str(partij.get("class")), [source]
        if source in self.depot_ids:
            inflow_sources = {str(f["from"]) for f in self.all_flows if str(f["to"]) == source}
            inflow = sorted(inflow_sources & set(self.partijen))
            if not inflow or inflow_sources - set(self.partijen):
                return source, None, inflow
            classes = [str(self.partijen[p].get("class")) for p in inflow]
            known = [c for c in classes if c in self.rules.class_order]
            worst = max(known, key=self.rules.class_order.index) if known and len(known) == len(classes) else "niet_toepasbaar"
            return source, worst, inflow
        if self.regional:
            return source, None, []
        raise InputError(
            msg(
                "partij '{value}' uit het matchvoorstel staat niet in partijen.json; draai de classificatie opnieuw",
                "partij '{value}' from the match proposal is not in partijen.json; rerun the classification",
                value=source,
            ),
            file="05_classification/partijen.json", record="partij_id", value=source,
        )

    def _melding(self, group: _FlowGroup, destination_total_m3: float) -> dict[str, Any]:
        flow, volume_m3, start, end = group.flow, group.volume_m3, group.start, group.end
        destination = _destination(flow, self.sites)
        partij_id, quality_class, herkomst = self._source(flow)
        partij = self.partijen.get(partij_id, {})
        deadline = self.rules.deadline(start, cleaned_soil=bool(partij.get("cleaned") or self.tender.extra.get("cleaned_soil")), deep_lake=destination.flag("deep_lake"))
        verklaring = self._verklaring(partij)
        melding: dict[str, Any] = {
            "key": idempotency_key(self.tender.reference, partij_id, destination.id),
            "tender_reference": self.tender.reference,
            "partij_id": partij_id,
            "herkomst_partijen": herkomst,
            "destination_id": destination.id,
            "destination_name": destination.name,
            "destination_kind": destination.kind,
            "volume_m3": round(volume_m3, 3),
            "destination_volume_m3": round(destination_total_m3, 3),
            "class": quality_class,
            "klasse_indicatief": bool(self._indicative(herkomst)),
            "bodemfunctieklasse": None,
            "bodemfunctieklasse_derived": False,
            "verklaring": verklaring,
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "duration_days": (end - start).days + 1,
            "deadline": deadline.date.isoformat(),
            "deadline_days_before_start": deadline.days_before_start,
            "deadline_rule": deadline.rule_id,
            "deadline_sources": list(deadline.sources),
            "storage": None,
            "exemption": None,
            "status": "to_send",
            "reason_nl": "",
            "reason_en": "",
            "payload": None,
            "rules_version": self.rules.version,
        }
        if quality_class is None:
            # NOTE: soil from another project or a mixed depot needs a melding by the party that applies it,
            # with herkomst data this proposal does not carry, so it is listed here and not sent.
            _set(melding, "external", "herkomst {source} valt buiten deze aanbesteding; de toepasser meldt met de gegevens van die herkomst", "origin {source} is outside this tender; the party applying it files the melding with the data of that origin", source=partij_id)
        else:
            self._decide(melding, flow, destination)
        if melding["status"] in ("to_send", "late"):
            melding["payload"] = self._payload(melding, destination, partij)
        return melding

    def _verklaring(self, partij: dict[str, Any]) -> dict[str, Any]:
        kind = str(partij.get("verklaring_kind") or self.tender.extra.get("verklaring_kind") or self.rules.data["default_verklaring_kind"])
        reference = partij.get("verklaring_reference") or self.tender.extra.get("verklaring_reference")
        if not reference and self.tender.inspection_files:
            reference = ", ".join(Path(p).stem for p in self.tender.inspection_files)
        return {"kind": kind, "reference": reference or None}

    def _decide(self, melding: dict[str, Any], flow: dict[str, Any], destination: _Destination) -> None:
        """Set status and reason of ``melding``; the first rule that stops it wins."""
        if destination.kind not in APPLIED_KINDS:
            _set(melding, "not_required", "afvoer naar {kind} is geen toepassing; geen melding nodig", "delivery to {kind} is not an application; no melding needed", kind=destination.kind)
            return
        if not self.rules.is_applicable_class(melding["class"]):
            _set(melding, "blocked", "partij heeft klasse {cls} en mag niet worden toegepast", "partij has class {cls} and may not be applied", cls=melding["class"])
            return
        if destination.kind == "depot" and not self._decide_storage(melding, flow, destination):
            return
        if melding["klasse_indicatief"]:
            self._hold_indicative(melding)
            return
        if not self._check_location(melding, destination):
            return

        exemption = self.rules.exemption(
            quality_class=melding["class"],
            destination_volume_m3=melding["destination_volume_m3"],
            notifier_kind=str(self.tender.extra.get("notifier_kind") or "opdrachtgever"),
            has_verklaring=melding["verklaring"]["kind"] in self.rules.verklaring_kinds(),
            destination_flags=frozenset(name for name in ("same_agricultural_business", "return_after_temporary_removal") if destination.flag(name)),
        )

        if exemption is not None:
            melding["exemption"] = {"rule_id": exemption.rule_id, "description": exemption.description, "sources": list(exemption.sources)}
            _set(melding, "exempt", "vrijgesteld van melden: {rule}", "exempt from melding: {rule}", rule=exemption.description)
            return

        if self.today > dt.date.fromisoformat(melding["deadline"]):
            _set(
                melding, "late",
                "melding voor partij {partij} naar {dest} kan niet meer op tijd: uiterste datum was {deadline} ({days} dagen voor de start op {start}); niet verzonden, verschuif de start of overleg met het bevoegd gezag",
                "melding for partij {partij} to {dest} can no longer be on time: the deadline was {deadline} ({days} days before the start on {start}); not sent, move the start or consult the bevoegd gezag",
                partij=melding["partij_id"], dest=destination.name, deadline=melding["deadline"], days=melding["deadline_days_before_start"], start=melding["start_date"],
            )

    def _indicative(self, herkomst: list[str]) -> list[str]:
        """Return the partijen of ``herkomst`` whose class is marked indicatief."""
        return [p for p in herkomst if self.partijen.get(p, {}).get("klasse_indicatief") is True]

    def _hold_indicative(self, melding: dict[str, Any]) -> None:
        """Hold ``melding`` back because its class rests on an incomplete analysis package."""
        indicative = self._indicative(melding["herkomst_partijen"])
        missing: list[str] = []
        for partij_id in indicative:
            partij = self.partijen[partij_id]
            for name in [*(partij.get("ontbrekende_stoffen") or []), *(partij.get("ontbrekende_bodemkenmerken") or [])]:
                if name not in missing:
                    missing.append(name)
        _set(
            melding, "held",
            "klasse {cls} van partij {partijen} is indicatief, want het analysepakket is onvolledig (ontbreekt: {missing}); "
            "melding aangehouden tot de klasse vaststaat. Laat de ontbrekende stoffen analyseren en draai de classificatie opnieuw",
            "class {cls} of partij {partijen} is indicative because the analysis package is incomplete (missing: {missing}); "
            "melding held until the class is final. Have the missing substances analysed and run the classification again",
            cls=melding["class"], partijen=", ".join(indicative), missing=", ".join(missing) or "-",
        )

    def _check_location(self, melding: dict[str, Any], destination: _Destination) -> bool:
        """Check bodemfunctieklasse and coordinates of the receiving location; return False when the melding is blocked."""
        function_class = destination.first(FUNCTION_CLASS_FIELDS)
        if function_class is None:
            # NOTE: the highest class a site accepts is used as its bodemfunctieklasse when the proposal has none.
            function_class = destination.first(MAX_CLASS_FIELDS) or self._highest_class(destination.fields.get("accepted_classes"))
            melding["bodemfunctieklasse_derived"] = function_class is not None
        melding["bodemfunctieklasse"] = function_class
        if function_class is None:
            _set(melding, "blocked", "bodemfunctieklasse van {dest} ontbreekt in het matchvoorstel; vul die aan", "bodemfunctieklasse of {dest} is missing from the match proposal; add it", dest=destination.name)
            return False
        if not self.rules.class_fits(melding["class"], str(function_class)):
            _set(melding, "blocked", "klasse {cls} past niet bij bodemfunctieklasse {fn} van {dest}", "class {cls} does not fit bodemfunctieklasse {fn} of {dest}", cls=melding["class"], fn=function_class, dest=destination.name)
            return False
        if _geometry(destination) is None:
            _set(melding, "blocked", "locatie (RD-coördinaten) van {dest} ontbreekt in het matchvoorstel", "location (RD coordinates) of {dest} is missing from the match proposal", dest=destination.name)
            return False
        return True

    def _highest_class(self, classes: Any) -> str | None:
        known = [c for c in classes or [] if c in self.rules.class_order]
        return max(known, key=self.rules.class_order.index) if known else None

    def _decide_storage(self, melding: dict[str, Any], flow: dict[str, Any], destination: _Destination) -> bool:
        """Check a depot flow against the storage limits; return False when the melding is settled."""
        months = destination.first(("storage_months", "to_storage_months"))
        if months is None:
            # Without a stated duration the soil is stored from the intake until the last flow out of the depot ends.
            onward_ends = [_period(f, self.tender)[1] for f in self.flows if str(f["from"]) == destination.id]
            last_day = max([dt.date.fromisoformat(melding["end_date"]), *onward_ends])
            months = ((last_day - dt.date.fromisoformat(melding["start_date"])).days + 1) / DAYS_PER_MONTH
        months = float(months)
        kind = destination.first(("storage_kind", "to_storage_kind"))
        try:
            check = self.rules.storage(kind, months)
        except KeyError:
            _set(melding, "blocked", "opslagsoort '{kind}' onbekend; kies uit {allowed}", "storage kind '{kind}' unknown; choose from {allowed}", kind=kind, allowed=", ".join(self.rules.storage_kinds()))
            return False
        onward = sorted({str(f.get("to_name") or f["to"]) for f in self.flows if str(f["from"]) == destination.id})
        melding["storage"] = {
            "kind": check.kind, "months": round(months, 2), "max_months": check.max_months,
            "final_destination_required": check.final_destination_required, "final_destination": "; ".join(onward) or None,
        }
        if not check.melding_required:
            _set(melding, "not_required", "opslag tijdens tijdelijke uitname: geen melding nodig", "storage during temporary removal: no melding needed")
            return False
        if not check.allowed:
            _set(melding, "blocked", "opslag van {months:.1f} maanden is langer dan {max} maanden voor {kind}", "storage of {months:.1f} months is longer than {max} months for {kind}", months=months, max=check.max_months, kind=check.kind)
            return False
        if check.final_destination_required and not onward:
            _set(melding, "blocked", "opslag langer dan 6 maanden zonder eindbestemming; vul de eindbestemming aan", "storage longer than 6 months without a final destination; add the final destination")
            return False
        return True

    def _origin_point(self) -> str:
        """Return the centroid of the project area as "x y" in RD New metres, the place of origin of the partijen."""
        centroid = self.tender.area_polygon().centroid
        return f"{centroid.x:.0f} {centroid.y:.0f}"

    def _payload(self, melding: dict[str, Any], destination: _Destination, partij: dict[str, Any]) -> dict[str, Any]:
        """Build the indienbericht (step 1 of Verzoek indienen); the bevoegd gezag is added at submission."""
        activity_id = "opslaan_landbodem" if destination.kind == "depot" else "toepassen_landbodem"
        activity = self.api["activities"][activity_id]
        answers = {
            "herkomst": f"{self.tender.project_name} ({self.tender.contracting_authority}), aanbesteding {self.tender.reference}",
            "herkomst_locatie_rd": self._origin_point(),
            "partij": ", ".join(melding["herkomst_partijen"]),
            "hoeveelheid_m3": melding["volume_m3"],
            "kwaliteitsklasse": melding["class"],
            "verklaring_soort": melding["verklaring"]["kind"],
            "verklaring_kenmerk": melding["verklaring"]["reference"],
            "bodemfunctieklasse": melding["bodemfunctieklasse"],
            "startdatum": melding["start_date"],
            "duur_dagen": melding["duration_days"],
        }
        if melding["storage"] is not None:
            answers["opslagsoort"] = melding["storage"]["kind"]
            answers["opslagduur_maanden"] = melding["storage"]["months"]
            answers["eindbestemming"] = melding["storage"]["final_destination"]
        return {
            "algemeneGegevens": {
                "verzoektype": self.api["verzoektype"],
                "doel": self.api["doel"],
                "referentie": melding["key"],
                "projectnaam": self.tender.project_name,
                "omschrijving": f"{activity['naam']}: partij {', '.join(melding['herkomst_partijen'])} naar {destination.name}",
            },
            "bevoegdGezag": None,
            "activiteiten": [{"naam": activity["naam"], "functioneleStructuurRef": activity["functionele_structuur_ref"]}],
            "locatie": {"bronlocatie": "coordinaten", "omschrijving": destination.name, "geometrie": _geometry(destination)},
            "aanvrager": {"naam": self.tender.notifier or self.tender.contracting_authority, "organisatie": self.tender.contracting_authority, "rol": "melder"},
            "vragen": [{"code": code, "antwoord": value} for code, value in answers.items() if value is not None],
        }


def _check_indicative_flag(partij: dict[str, Any]) -> None:
    """Raise ``InputError`` when a partij's ``klasse_indicatief`` is present but not true or false."""
    flag = partij.get("klasse_indicatief", False)
    if not isinstance(flag, bool):
        raise InputError(
            msg("klasse_indicatief van partij {partij} moet true of false zijn, niet {value!r}; draai de classificatie opnieuw",
                "klasse_indicatief of partij {partij} must be true or false, not {value!r}; run the classification again",
                partij=partij["partij_id"], value=flag),
            file="05_classification/partijen.json", record=str(partij["partij_id"]), value=flag,
        )


def _set(melding: dict[str, Any], status: str, nl: str, en: str, **params: Any) -> None:
    melding["status"] = status
    melding["reason_nl"] = msg(nl, en, **params).render("nl")
    melding["reason_en"] = msg(nl, en, **params).render("en")


def build_meldingen(tender: TenderSpec, partijen: list[dict[str, Any]], proposal: dict[str, Any], today: dt.date, rules: MeldingRules | None = None) -> list[dict[str, Any]]:
    """Return one melding per partij and applied destination of the accepted proposal; see the module docstring."""
    return MeldingBuilder(tender, partijen, proposal, today, rules).build()
