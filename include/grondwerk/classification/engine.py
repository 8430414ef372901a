"""Classification of soil per the Regeling bodemkwaliteit (Rbk 2007, Bijlage B and G), vectorised with pandas.

The steps follow the order of the BoToVa toetsregels in the SIKB Toetsregels code list:
T.21 (rekengehalte, Bijlage G IV), T.19 (standardisation, Bijlage G III), then T.20
(AW and wonen counters).

1. Resolve each analysis row to a substance, a sum component, lutum, organic
   matter or a PFAS; rows that cannot be tested are kept with a reason.
2. Per individual measurement: below-limit handling (Bijlage G IV), then the
   sums PAK 10 and PCB 7, then the soil-type correction to standard soil
   (Bijlage G III) with the bounds of tabel 4.
3. Per sample and per partij (mean of the standardised measurements): a class
   per substance, then the overall class with the achtergrondwaarde rule
   (art. 4.2.2 lid 4, 5 and 8) and the intervention-value flag.

The result keeps, per substance, the measured value, the value used, the
standardised value, the limits and a Dutch verdict, so every class is explained.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from grondwerk.classification.analysis_package import AnalysisPackage, PackageCheck, add_package_fields, default_package
from grondwerk.classification.norms import NormSet, default_norms, normalise_key

log = logging.getLogger(__name__)

LAND_CLASSES = ("achtergrondwaarde", "wonen", "industrie", "niet_toepasbaar")
WATER_CLASSES = ("achtergrondwaarde", "A", "B", "niet_toepasbaar")

# Conversion of delivered mass-fraction units to mg/kg ds (and of % for lutum and organic matter).
MASS_UNITS_TO_MG_PER_KG = {
    "mg/kg": 1.0, "mg/kg ds": 1.0, "mg/kgds": 1.0, "mg/kg d.s.": 1.0, "mg/kg dg": 1.0,
    "µg/kg": 0.001, "ug/kg": 0.001, "µg/kg ds": 0.001, "ug/kg ds": 0.001,
    "ng/kg": 1e-6, "ng/kg ds": 1e-6,
    "g/kg": 1000.0, "g/kg ds": 1000.0,
}
PERCENT_UNITS = {"%", "% ds", "%ds", "% (m/m)", "% m/m", "procent"}

ANALYSIS_INPUT_COLUMNS = ("sample_id", "parameter_code", "parameter_name", "cas_number", "value", "unit", "limit_symbol", "condition")


@dataclass
class ClassificationResult:
    """Classes per sample and per partij with their per-substance explanations and the rows not tested.

    Each record also carries the result of the standard-package check in module
    ``analysis_package``. The field ``analysis_package`` is the package that was checked.
    """

    samples: list[dict[str, Any]]
    partijen: list[dict[str, Any]]
    sample_table: pd.DataFrame
    partij_table: pd.DataFrame
    ignored: pd.DataFrame
    rows_in: int
    versions: dict[str, str] = field(default_factory=dict)
    partij_rule_nl: str = ""
    analysis_package: AnalysisPackage | None = None

    def counts(self) -> dict[str, int]:
        """Return the class counts over the partijen (``None`` counted as 'onbekend')."""
        counts: dict[str, int] = {}
        for partij in self.partijen:
            key = partij["class"] or "onbekend"
            counts[key] = counts.get(key, 0) + 1
        return counts


# ---------------------------------------------------------------------------
# 1. Resolving rows


def _map_unique(values: pd.Series, function) -> pd.Series:
    """Apply ``function`` once per distinct value (analysis tables repeat the same few codes)."""
    unique = pd.unique(values)
    return values.map(dict(zip(unique, map(function, unique))))


def _resolve_parameter(code: str, name: str, cas: str, condition: str, norms: NormSet) -> tuple[str, str]:
    """Return (role, target) for one parameter; the first key that names a known parameter wins."""
    aliases = norms.aliases
    code_key = normalise_key(code)
    for key in (f"{code_key}|{normalise_key(condition)}", code_key, normalise_key(name), normalise_key(cas)):
        if key in aliases:
            return aliases[key]
    # NOTE: an unknown code that starts like a PFAS code (PF..., 6:2 FTS) is tested as 'other PFAS'.
    # A non-PFAS SIKB code with such a prefix would be misread.
    if code.upper().startswith(tuple(prefix.upper() for prefix in norms.pfas_prefixes)):
        return "pfas", f"overige_pfas:{code}"
    return "unknown", ""


def _resolve(analyses: pd.DataFrame, norms: NormSet) -> pd.DataFrame:
    """Add ``role``, ``target`` and, for rows that cannot be tested, ``reason_nl``/``reason_en``."""
    frame = analyses.copy()
    for column in ANALYSIS_INPUT_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    frame["sample_id"] = frame["sample_id"].astype(str)
    for column in ("parameter_code", "parameter_name", "cas_number", "unit", "limit_symbol", "condition"):
        frame[column] = _map_unique(frame[column].fillna("").astype(str), str.strip)
    # BRO SAD writes the limit symbol as LT / GT.
    frame["limit_symbol"] = frame["limit_symbol"].replace({"LT": "<", "GT": ">", "lt": "<", "gt": ">"})
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")

    # Resolve each distinct (code, name, CAS, condition) once; analysis tables repeat a few dozen.
    key_columns = ["parameter_code", "parameter_name", "cas_number", "condition"]
    group_codes = frame.groupby(key_columns, sort=False, dropna=False).ngroup().to_numpy()
    distinct = list(frame[key_columns].drop_duplicates().itertuples(index=False, name=None))
    resolved = [_resolve_parameter(code, name, cas, condition, norms) for code, name, cas, condition in distinct]
    frame["role"] = np.array([item[0] for item in resolved], dtype=object)[group_codes] if len(frame) else []
    frame["target"] = np.array([item[1] for item in resolved], dtype=object)[group_codes] if len(frame) else []
    condition = pd.Series(
        np.array([normalise_key(item[3]) for item in distinct], dtype=object)[group_codes] if len(frame) else [],
        index=frame.index, dtype=object,
    )

    unit = _map_unique(frame["unit"], normalise_key)
    is_percent = unit.isin(PERCENT_UNITS)
    mass_factor = unit.map(MASS_UNITS_TO_MG_PER_KG)
    frame["value_mg_per_kg"] = frame["value"] * mass_factor

    reason_nl = np.full(len(frame), "", dtype=object)
    reason_en = np.full(len(frame), "", dtype=object)
    unset = np.ones(len(frame), dtype=bool)

    def mark(mask: pd.Series, nl: str, en: str) -> None:
        selected = np.asarray(mask, dtype=bool) & unset
        reason_nl[selected] = nl
        reason_en[selected] = en
        unset[selected] = False

    mark(frame["role"] == "unknown", "geen toetsingswaarde: parameter staat niet in de normtabel", "no test value: parameter is not in the norm table")
    mark(frame["value"].isna(), "geen meetwaarde (leeg of geen getal)", "no measured value (empty or not a number)")
    soil_property = frame["role"].isin(["lutum", "organic_matter"])
    mark(soil_property & ~is_percent, "lutum of organische stof niet in %", "lutum or organic matter not in %")
    mark(~soil_property & (frame["role"] != "unknown") & mass_factor.isna(),
         "geen gehalte in grond (eenheid is geen massafractie zoals mg/kg)", "not a soil content (unit is not a mass fraction such as mg/kg)")
    mark(~frame["limit_symbol"].isin(["<", ">", ""]), "onbekend limietsymbool (verwacht <, > of leeg)", "unknown limit symbol (expected <, > or empty)")

    tested = {s.id: s.tested_conditions for s in norms.substances.values() if s.tested_conditions is not None}
    for substance_id, conditions in tested.items():
        wrong_fraction = (frame["target"] == substance_id) & (frame["role"] == "substance") & ~condition.isin(conditions)
        mark(wrong_fraction, "deelfractie, niet getoetst (alleen het totaal wordt getoetst)", "partial fraction, not tested (only the total is tested)")

    frame["reason_nl"] = reason_nl
    frame["reason_en"] = reason_en
    return frame


def _soil_properties(resolved: pd.DataFrame, samples: pd.DataFrame | None) -> pd.DataFrame:
    """Return lutum and organic matter (%) per sample: measured rows first, the samples table second."""
    usable = resolved[resolved["reason_nl"] == ""]
    rows = usable[usable["role"].isin(["lutum", "organic_matter"])]
    measured = rows.pivot_table(index="sample_id", columns="role", values="value", aggfunc="mean")
    measured = measured.rename(columns={"lutum": "lutum_pct", "organic_matter": "organic_matter_pct"})
    for column in ("lutum_pct", "organic_matter_pct"):
        if column not in measured.columns:
            measured[column] = np.nan
    measured = measured[["lutum_pct", "organic_matter_pct"]]
    if samples is not None and len(samples):
        table = samples.copy()
        table["sample_id"] = table["sample_id"].astype(str)
        table = table.set_index("sample_id")
        for column in ("lutum_pct", "organic_matter_pct"):
            values = pd.to_numeric(table[column], errors="coerce") if column in table.columns else pd.Series(np.nan, index=table.index)
            table[column] = values
        table = table[["lutum_pct", "organic_matter_pct"]]
        table = table[~table.index.duplicated()]
        measured = measured.combine_first(table)
    measured.index.name = "sample_id"
    return measured


# ---------------------------------------------------------------------------
# 2. Per-measurement values


def _measurements(resolved: pd.DataFrame, norms: NormSet) -> pd.DataFrame:
    """Return one row per (sample, substance or component) with the value used per Bijlage G IV."""
    rows = resolved[(resolved["reason_nl"] == "") & resolved["role"].isin(["substance", "component"])].copy()

    rg_substance = {s.id: s.rg for s in norms.substances.values()}
    rg_component = {c.id: c.rg for c in norms.components.values()}
    rows["rg"] = np.where(rows["role"] == "substance", rows["target"].map(rg_substance), rows["target"].map(rg_component))
    rows["rg"] = pd.to_numeric(rows["rg"], errors="coerce")

    below = rows["limit_symbol"] == "<"
    reported = rows["value_mg_per_kg"]
    rows["below"] = below
    # A '<' at or under the required limit is compliant; the small tolerance absorbs float noise of unit conversion.
    rows["below_ordinary"] = below & rows["rg"].notna() & (reported <= rows["rg"] * (1 + 1e-9))
    rows["below_raised"] = below & ~rows["below_ordinary"]
    rows["used"] = np.where(below, norms.below_limit_factor * reported, reported)

    keys = ["sample_id", "role", "target"]
    if not rows.duplicated(keys).any():
        # One measurement per substance per sample (the usual case): no averaging needed.
        single = rows[keys + ["value_mg_per_kg", "used", "below", "below_ordinary", "below_raised", "limit_symbol"]].rename(columns={
            "value_mg_per_kg": "reported", "below": "below_all", "below_ordinary": "below_ordinary_all", "below_raised": "below_raised_any",
        })
        single["n_rows"] = 1
        return single.reset_index(drop=True)
    grouped = rows.groupby(keys, sort=False).agg(
        reported=("value_mg_per_kg", "mean"),
        used=("used", "mean"),
        below_all=("below", "all"),
        below_ordinary_all=("below_ordinary", "all"),
        below_raised_any=("below_raised", "any"),
        limit_symbol=("limit_symbol", "first"),
        n_rows=("used", "size"),
    ).reset_index()
    return grouped


def _sums(measurements: pd.DataFrame, norms: NormSet) -> pd.DataFrame:
    """Combine components into sums and choose between computed and delivered sums per sample."""
    substances = measurements[measurements["role"] == "substance"].drop(columns="role").rename(columns={"target": "substance"})
    substances["source"] = "gemeten"
    substances["sum_incomplete"] = False
    components = measurements[measurements["role"] == "component"].copy()
    if components.empty:
        return substances

    sum_of = {c.id: c.sum_id for c in norms.components.values()}
    components["substance"] = components["target"].map(sum_of)
    computed = components.groupby(["sample_id", "substance"], sort=False).agg(
        used=("used", "sum"),
        reported=("reported", "sum"),
        below_ordinary_all=("below_ordinary_all", "all"),
        below_all=("below_all", "all"),
        below_raised_any=("below_raised_any", "any"),
        n_components=("target", "nunique"),
    ).reset_index()
    expected = {sum_id: len(norms.substances[sum_id].components) for sum_id in computed["substance"].unique()}
    computed["n_expected"] = computed["substance"].map(expected)
    incomplete = computed["n_components"] < computed["n_expected"]
    if incomplete.any():
        # Missing components are counted as 0.7 x their required limit, the lab convention for
        # sums; the explanation names the sum as incomplete.
        incomplete_keys = computed.loc[incomplete, ["sample_id", "substance"]]
        partial = components.merge(incomplete_keys, on=["sample_id", "substance"])
        present = partial.groupby(["sample_id", "substance"])["target"].agg(set)
        missing_fill = []
        for (sample_id, sum_id), present_ids in present.items():
            missing = [c for c in norms.substances[sum_id].components if c not in present_ids]
            missing_fill.append(((sample_id, sum_id), norms.below_limit_factor * sum(norms.components[c].rg for c in missing)))
        fill = pd.Series(dict(missing_fill))
        keys = pd.MultiIndex.from_frame(computed[["sample_id", "substance"]])
        computed["used"] = computed["used"] + fill.reindex(keys).fillna(0.0).to_numpy()
    computed["limit_symbol"] = np.where(computed["below_all"], "<", "")
    computed["n_rows"] = computed["n_components"]
    computed["source"] = np.where(
        incomplete,
        "som van " + computed["n_components"].astype(str) + " van " + computed["n_expected"].astype(str) + " componenten (ontbrekende als 0,7 × RG)",
        "som van " + computed["n_components"].astype(str) + " componenten",
    )
    computed["complete"] = ~incomplete
    # Kept for the analysis-package check: a sum with missing components does not count as measured.
    computed["sum_incomplete"] = incomplete

    # A complete set of components replaces a delivered sum; an incomplete set is used only
    # when the lab delivered no sum.
    delivered_index = pd.MultiIndex.from_frame(substances[["sample_id", "substance"]])
    computed_index = pd.MultiIndex.from_frame(computed[["sample_id", "substance"]])
    complete_index = computed_index[computed["complete"].to_numpy()]
    substances = substances[~delivered_index.isin(complete_index)]
    use_computed = computed["complete"].to_numpy() | ~computed_index.isin(delivered_index)
    computed = computed[use_computed].drop(columns=["n_components", "n_expected", "complete"])
    return pd.concat([substances, computed], ignore_index=True, sort=False)


def _standardise(table: pd.DataFrame, soil: pd.DataFrame, norms: NormSet) -> pd.DataFrame:
    """Convert the value used to standard soil (25 % lutum, 10 % organic matter) per Bijlage G III."""
    correction = {s.id: s.correction for s in norms.substances.values()}
    table = table.join(soil, on="sample_id")
    key = table["substance"].map(correction).fillna("overig")
    constants = norms.constants
    a = key.map({k: v["A"] for k, v in constants.items()}).astype(float)
    b = key.map({k: v["B"] for k, v in constants.items()}).astype(float)
    c = key.map({k: v["C"] for k, v in constants.items()}).astype(float)
    group = key.map({k: v["group"] for k, v in constants.items()})

    def bound(name: str) -> pd.Series:
        return group.map({g: limits[name] for g, limits in norms.bounds.items()}).astype(float)

    lutum_min, lutum_max = bound("lutum_min"), bound("lutum_max")
    om_min, om_max = bound("organic_matter_min"), bound("organic_matter_max")

    lutum = table["lutum_pct"].astype(float)
    organic = table["organic_matter_pct"].astype(float)
    table["lutum_missing"] = lutum.isna() & (b != 0)
    table["organic_matter_missing"] = organic.isna() & (c != 0)
    # NOTE: with no measurement the lower bound of tabel 4 is used (highest standardised value);
    # the Regeling does not say what to do, see data/rbk_soil_correction.json.
    lutum_used = lutum.fillna(lutum_min.fillna(25.0))
    organic_used = organic.fillna(om_min.fillna(10.0))
    lutum_used = lutum_used.where(lutum_min.isna() | (lutum_used >= lutum_min), lutum_min)
    lutum_used = lutum_used.where(lutum_max.isna() | (lutum_used <= lutum_max), lutum_max)
    organic_used = organic_used.where(om_min.isna() | (organic_used >= om_min), om_min)
    organic_used = organic_used.where(om_max.isna() | (organic_used <= om_max), om_max)
    table["lutum_used"] = lutum_used
    table["organic_matter_used"] = organic_used
    table["factor"] = (a + 25 * b + 10 * c) / (a + b * lutum_used + c * organic_used)
    table["standardised"] = table["used"] * table["factor"]
    return table


# ---------------------------------------------------------------------------
# 3. Verdicts


def _limits_frame(substances: pd.Series, norms: NormSet) -> pd.DataFrame:
    codes, uniques = pd.factorize(substances)

    def column(name: str) -> pd.Series:
        values = np.array([getattr(norms.substances[u], name) if u in norms.substances else None for u in uniques], dtype=float)
        return pd.Series(values[codes] if len(codes) else np.array([], dtype=float), index=substances.index)

    return pd.DataFrame({
        "aw": column("aw"), "wonen": column("wonen"), "industrie": column("industrie"), "intervention": column("intervention"),
        "waterbodem_a": column("waterbodem_a"), "waterbodem_b": column("waterbodem_b"),
    }, index=substances.index)


def assess(table: pd.DataFrame, unit: str, norms: NormSet) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Judge each (unit, substance) row and each unit; ``table`` needs ``value`` and ``compliant`` columns.

    Return the per-substance table with ranks and Dutch verdicts, and the per-unit table with the
    land class, waterbodem class, intervention flag, decisive and tolerated substances.
    """
    table = table.reset_index(drop=True)
    limits = _limits_frame(table["substance"], norms)
    table = pd.concat([table, limits], axis=1)
    value = table["value"].astype(float)
    compliant = table["compliant"].astype(bool)
    toetsbaar = table["aw"].notna()

    above_aw = toetsbaar & ~compliant & (value > table["aw"])
    above_wonen = above_aw & (value > table["wonen"].fillna(-np.inf))
    # A substance with an AW but no wonen or industrie value is industrie once above AW (tabel 1, opmerking 2).
    above_industrie = above_aw & table["industrie"].notna() & (value > table["industrie"])
    intervention = toetsbaar & ~compliant & table["intervention"].notna() & (value > table["intervention"])
    no_wonen_value = table["wonen"].isna()
    rank = np.select(
        [~toetsbaar, above_industrie | intervention, above_wonen | (above_aw & no_wonen_value), above_aw],
        [-1, 3, 2, 1],
        default=0,
    )
    table["rank"] = rank
    table["toetsbaar"] = toetsbaar
    table["above_aw"] = above_aw
    table["intervention_exceeded"] = intervention

    factor_limit = norms.aw_max_factor * table["aw"]
    only_factor = table["substance"].isin(norms.aw_only_factor)
    within_wonen = only_factor | (table["wonen"].notna() & (value <= table["wonen"]))
    table["tolerable"] = above_aw & (value <= factor_limit) & within_wonen & ~intervention

    has_water = table["waterbodem_a"].notna() & table["waterbodem_b"].notna()
    water_rank = np.select(
        [~toetsbaar | ~has_water, ~above_aw, value <= table["waterbodem_a"], value <= table["waterbodem_b"]],
        [-1, 0, 1, 2],
        default=3,
    )
    table["water_rank"] = water_rank
    # NOTE: for waterbodem the AW rule's upper limit is taken as klasse A (wonen for land);
    # the Regeling's wording for waterbodem was not read.
    table["water_tolerable"] = above_aw & (value <= factor_limit) & (value <= table["waterbodem_a"])

    table["_intolerable"] = above_aw & ~table["tolerable"]
    table["_water_intolerable"] = above_aw & ~table["water_tolerable"]
    per_unit = table.groupby(unit, sort=False).agg(
        measured=("toetsbaar", "sum"),
        elevated=("above_aw", "sum"),
        max_rank=("rank", "max"),
        any_intolerable=("_intolerable", "any"),
        max_water_rank=("water_rank", "max"),
        any_water_intolerable=("_water_intolerable", "any"),
        intervention_exceeded=("intervention_exceeded", "any"),
    )
    table = table.drop(columns=["_intolerable", "_water_intolerable"])
    per_unit["all_tolerable"] = ~per_unit["any_intolerable"]
    per_unit["water_all_tolerable"] = ~per_unit["any_water_intolerable"]
    allowed = {int(x): norms.max_elevated(int(x)) for x in per_unit["measured"].unique()}
    per_unit["allowed_elevated"] = per_unit["measured"].astype(int).map(allowed)
    rule_ok = (per_unit["elevated"] <= per_unit["allowed_elevated"]) & per_unit["all_tolerable"]
    per_unit["aw_rule_applied"] = (per_unit["elevated"] > 0) & rule_ok
    land_rank = np.where((per_unit["elevated"] == 0) | rule_ok, 0, per_unit["max_rank"].clip(lower=0))
    land_rank = np.where(per_unit["measured"] == 0, -1, land_rank)
    water_ok = (per_unit["elevated"] <= per_unit["allowed_elevated"]) & per_unit["water_all_tolerable"]
    water_rank_unit = np.where((per_unit["elevated"] == 0) | water_ok, 0, per_unit["max_water_rank"].clip(lower=0))
    water_rank_unit = np.where(per_unit["measured"] == 0, -1, water_rank_unit)
    per_unit["land_rank"] = land_rank
    per_unit["water_rank"] = water_rank_unit
    per_unit["class"] = [LAND_CLASSES[r] if r >= 0 else None for r in land_rank]
    per_unit["class_waterbodem"] = [WATER_CLASSES[r] if r >= 0 else None for r in water_rank_unit]

    unit_rank = table[unit].map(per_unit["land_rank"])
    rule_applied = table[unit].map(per_unit["aw_rule_applied"]).astype(bool)
    table["decisive"] = (unit_rank > 0) & (table["rank"] == unit_rank)
    table["tolerated"] = rule_applied & above_aw
    table["verdict_nl"] = _verdicts(table, compliant)
    return table, per_unit


VERDICTS_NL = (
    "≤ achtergrondwaarde",
    "geen toetsingswaarde, niet getoetst",
    "< RG: voldoet (alle waarden onder de vereiste rapportagegrens)",
    "> interventiewaarde: niet toepasbaar",
    "> industrie: niet toepasbaar",
    "> achtergrondwaarde, toegestaan door de toetsingsregel (≤ 2 × AW en ≤ wonen)",
    "> wonen, ≤ industrie: klasse industrie",
    "> achtergrondwaarde, ≤ wonen: klasse wonen",
)


def _verdicts(table: pd.DataFrame, compliant: pd.Series) -> np.ndarray:
    """Return the Dutch verdict per substance row (the first matching condition wins)."""
    code = np.select(
        [
            ~table["toetsbaar"],
            compliant,
            table["intervention_exceeded"],
            table["rank"] == 3,
            table["tolerated"],
            table["rank"] == 2,
            table["rank"] == 1,
        ],
        [1, 2, 3, 4, 5, 6, 7],
        default=0,
    )
    return np.array(VERDICTS_NL, dtype=object)[code]


# ---------------------------------------------------------------------------
# PFAS


def _pfas(resolved: pd.DataFrame, norms: NormSet) -> pd.DataFrame:
    """Return PFAS per sample in µg/kg ds: PFOS/PFOA summed over linear and branched, '<' as 0.7 × limit."""
    rows = resolved[(resolved["reason_nl"] == "") & (resolved["role"] == "pfas")].copy()
    if rows.empty:
        return pd.DataFrame(columns=["sample_id", "pfas", "value", "below_all"])
    value = rows["value_mg_per_kg"] * 1000.0
    rows["below"] = rows["limit_symbol"] == "<"
    rows["value_used"] = np.where(rows["below"], norms.pfas_below_limit_factor * value, value)
    return rows.groupby(["sample_id", "target"], sort=False).agg(value=("value_used", "sum"), below_all=("below", "all")).reset_index().rename(columns={"target": "pfas"})


def _pfas_norm(pfas_id: str, norms: NormSet):
    return norms.pfas.get(pfas_id, norms.pfas_other)


def _pfas_verdicts(pfas_values: pd.DataFrame, unit: str, norms: NormSet) -> dict[str, dict[str, Any]]:
    """Return the PFAS verdict per unit: a class and one line per PFAS."""
    verdicts: dict[str, dict[str, Any]] = {}
    for unit_id, group in pfas_values.groupby(unit, sort=False):
        lines = []
        worst = 0
        for row in group.itertuples(index=False):
            norm = _pfas_norm(row.pfas.split(":")[0], norms)
            value = float(row.value)
            if value <= norm.achtergrondwaarde:
                rank = 0
            elif value <= norm.wonen:
                rank = 1
            elif value <= norm.industrie:
                rank = 2
            else:
                rank = 3
            worst = max(worst, rank)
            name = norm.name_nl if not row.pfas.startswith("overige_pfas:") else row.pfas.split(":", 1)[1]
            lines.append({
                "stof": name, "waarde_ug_per_kg": round(value, 4),
                "achtergrondwaarde": norm.achtergrondwaarde, "wonen": norm.wonen, "industrie": norm.industrie,
                "oordeel": LAND_CLASSES[rank],
            })
        verdicts[str(unit_id)] = {"class": LAND_CLASSES[worst], "substances": lines, "norms": norms.versions["pfas_handelingskader"]}
    return verdicts


# ---------------------------------------------------------------------------
# Public API


def default_partijen(sample_ids: Iterable[str], released_volume_m3: float | None) -> dict[str, dict[str, Any]]:
    """Make one partij per analysed sample, sharing the released volume equally."""
    ids = sorted(set(map(str, sample_ids)))
    share = (released_volume_m3 / len(ids)) if (ids and released_volume_m3 is not None) else None
    return {sample_id: {"samples": [sample_id], "volume_m3": share, "soil_type": None} for sample_id in ids}


def classify(
    analyses: pd.DataFrame,
    samples: pd.DataFrame | None = None,
    partijen: Mapping[str, Mapping[str, Any]] | None = None,
    norms: NormSet | None = None,
    *,
    released_volume_m3: float | None = None,
    explain: bool = True,
    package: AnalysisPackage | None = None,
) -> ClassificationResult:
    """Classify every sample and partij in ``analyses`` (columns of 03_inspection/analyses.csv).

    ``partijen`` maps a partij id to ``{"samples": [...], "volume_m3": float, "soil_type": str}``.
    Without it, each sample with a toetsbare measurement is its own partij. ``package`` is the
    standard analysis package to check (default: ``analysis_package.default_package``).
    """
    norms = norms or default_norms()
    package = package or default_package(norms)
    rows_in = len(analyses)
    resolved = _resolve(analyses, norms)
    soil = _soil_properties(resolved, samples)
    measurements = _measurements(resolved, norms)
    per_sample = _sums(measurements, norms)
    per_sample = _standardise(per_sample, soil, norms)
    per_sample["value"] = per_sample["standardised"]
    per_sample["compliant"] = per_sample["below_ordinary_all"]
    sample_table, sample_units = assess(per_sample, "sample_id", norms)

    pfas_values = _pfas(resolved, norms)
    partij_rule_nl = ""
    if not partijen:
        classified = list(sample_units.index[sample_units["measured"] > 0]) + list(pfas_values["sample_id"].unique())
        partijen = default_partijen(classified, released_volume_m3)
        partij_rule_nl = (
            "De aanbesteding definieert geen partijen: elk geanalyseerd monster is één partij "
            "en het vrijkomende volume is gelijk over de partijen verdeeld."
        )
    membership = pd.DataFrame(
        [(partij_id, str(sample_id)) for partij_id, spec in partijen.items() for sample_id in spec["samples"]],
        columns=["partij_id", "sample_id"],
    )
    joined = membership.merge(per_sample, on="sample_id", how="inner")
    joined["below_limit"] = joined["limit_symbol"] == "<"
    partij_values = joined.groupby(["partij_id", "substance"], sort=False).agg(
        reported=("reported", "mean"),
        used=("used", "mean"),
        standardised=("standardised", "mean"),
        compliant=("compliant", "all"),
        n_samples=("sample_id", "nunique"),
        below_limit=("below_limit", "all"),
    ).reset_index()
    partij_values["limit_symbol"] = np.where(partij_values["below_limit"], "<", "")
    partij_values = partij_values.drop(columns="below_limit")
    partij_values["value"] = partij_values["standardised"]
    partij_table, partij_units = assess(partij_values, "partij_id", norms)

    pfas_samples = _pfas_verdicts(pfas_values, "sample_id", norms) if len(pfas_values) else {}
    pfas_partij_values = membership.merge(pfas_values, on="sample_id").groupby(["partij_id", "pfas"], sort=False)["value"].mean().reset_index() if len(pfas_values) else pfas_values
    pfas_partijen = _pfas_verdicts(pfas_partij_values, "partij_id", norms) if len(pfas_values) else {}

    ignored = resolved[resolved["reason_nl"] != ""]
    log.info("classified %s analysis rows: %s samples, %s partijen, %s rows not tested", rows_in, len(sample_units), len(partijen), len(ignored))

    names = {s.id: s.name_nl for s in norms.substances.values()}
    sample_records = _records(sample_table, sample_units, "sample_id", pfas_samples, names, explain) if explain else []
    partij_records = _records(partij_table, partij_units, "partij_id", pfas_partijen, names, explain, partijen=partijen)
    check = PackageCheck(per_sample, soil, package, norms)
    add_package_fields(sample_records, check)
    add_package_fields(partij_records, check, partijen)
    return ClassificationResult(
        samples=sample_records,
        partijen=partij_records,
        sample_table=sample_table,
        partij_table=partij_table,
        ignored=ignored,
        rows_in=rows_in,
        versions={**norms.versions, "standaardpakket_grond": package.label},
        partij_rule_nl=partij_rule_nl,
        analysis_package=package,
    )


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value):
        return None
    return float(round(float(value), 6))


def _explanation(rows: pd.DataFrame) -> list[dict[str, Any]]:
    lines = []
    for row in rows.itertuples(index=False):
        line = {
            "stof": row.substance,
            "gemeten_mg_per_kg": _number(row.reported),
            "limietsymbool": row.limit_symbol or "",
            "gebruikt_mg_per_kg": _number(row.used),
            "gestandaardiseerd_mg_per_kg": _number(row.value),
            "achtergrondwaarde": _number(row.aw),
            "wonen": _number(row.wonen),
            "industrie": _number(row.industrie),
            "interventiewaarde": _number(row.intervention),
            "waterbodem_a": _number(row.waterbodem_a),
            "waterbodem_b": _number(row.waterbodem_b),
            "oordeel": row.verdict_nl,
        }
        for optional in ("factor", "lutum_used", "organic_matter_used", "source", "n_samples", "lutum_missing", "organic_matter_missing"):
            if hasattr(row, optional):
                value = getattr(row, optional)
                if isinstance(value, str):
                    line[optional] = value
                elif isinstance(value, (bool, np.bool_)):
                    line[optional] = bool(value)
                elif optional == "n_samples":
                    line[optional] = int(value)
                else:
                    line[optional] = _number(value)
        lines.append(line)
    return lines


def _lists_by(keys: pd.Series, values: pd.Series) -> dict[Any, list[Any]]:
    """Group ``values`` by ``keys`` into {key: [values in row order]} without a Python call per group."""
    if keys.empty:
        return {}
    key_array = keys.to_numpy()
    codes, uniques = pd.factorize(key_array)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    boundaries = np.flatnonzero(np.diff(sorted_codes)) + 1
    groups = np.split(values.to_numpy()[order], boundaries)
    group_keys = uniques[sorted_codes[np.r_[0, boundaries]]]
    return {key: group.tolist() for key, group in zip(group_keys, groups)}


def _records(
    table: pd.DataFrame,
    units: pd.DataFrame,
    unit: str,
    pfas: dict[str, dict[str, Any]],
    substance_names: Mapping[str, str],
    explain: bool,
    partijen: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Build the JSON records (partijen.json / samples.json) from the assessed tables."""
    names = {s: substance_names.get(s, s) for s in table["substance"].unique()}
    table = table.assign(substance_name=table["substance"].map(names))
    decisive = _lists_by(table.loc[table["decisive"], unit], table.loc[table["decisive"], "substance_name"])
    tolerated = _lists_by(table.loc[table["tolerated"], unit], table.loc[table["tolerated"], "substance_name"])
    by_unit = dict(tuple(table.groupby(unit, sort=False))) if explain else {}
    info_by_unit = units[["class", "class_waterbodem", "intervention_exceeded", "measured", "elevated", "allowed_elevated"]].to_dict("index")
    ids = list(partijen.keys()) if partijen is not None else sorted(set(map(str, units.index)) | set(pfas))
    records = []
    for unit_id in ids:
        info = info_by_unit.get(unit_id)
        record: dict[str, Any] = {
            unit: unit_id,
            "class": info["class"] if info else None,
            "decisive": decisive.get(unit_id, []),
            "intervention_exceeded": bool(info["intervention_exceeded"]) if info else False,
            "class_waterbodem": info["class_waterbodem"] if info else None,
            "tolerated": tolerated.get(unit_id, []),
            "measured_substances": int(info["measured"]) if info else 0,
            "elevated_substances": int(info["elevated"]) if info else 0,
            "allowed_elevated": int(info["allowed_elevated"]) if info else 0,
            "pfas": pfas.get(str(unit_id)),
        }
        if partijen is not None:
            spec = partijen[unit_id]
            record = {"partij_id": unit_id, "samples": [str(s) for s in spec["samples"]], **{k: v for k, v in record.items() if k != unit}}
            record["volume_m3"] = spec.get("volume_m3")
            record["soil_type"] = spec.get("soil_type")
        if explain:
            rows = by_unit.get(unit_id)
            record["explanation"] = [] if rows is None else _explanation(rows.assign(substance=rows["substance_name"]))
        records.append(record)
    return records
