"""Synthetic Dutch matching instances for tests and benchmarks.

The family: n supply lots and n/2 demands in RD New; 85 % of points lie around 16 urban
centres (Gaussian, sigma 8-15 km, weighted to the Randstad) and 15 % uniformly in
x 30-270 km, y 310-610 km. The few Gaussian points that fall outside the RD New grid
bounds are moved onto its edge, so every instance passes the coordinate check. Soil type must match exactly (zand 45 %, klei 30 %, veen 10 %,
gemengd 15 %). Supply classes achtergrondwaarde/wonen/industrie 50/30/20 %; a demand accepts up to a
maximum class (30/30/40 %). Months 1-12; supply windows last 1-3 months, demand windows 1-6.
Supply tonnes are lognormal (median 300 t, sigma 1.2, clipped to 20-150,000 t) and demand is
scaled to the same total. Cost is tonne-km (cost_per_tkm 1) with 75 tonne-km per unmatched or
unmet tonne. Depots hold 0.2-1 % of the total supply each.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grondwerk.tender import RD_BOUNDS

# Urban centres (RD New metres) and weights; the Randstad carries most of the weight.
CENTRES = np.array([
    (121_000, 487_000, 10), (92_000, 437_000, 9), (81_000, 455_000, 8), (136_000, 456_000, 7),
    (155_000, 463_000, 3), (161_000, 384_000, 4), (103_000, 488_000, 4), (112_000, 399_000, 3),
    (233_000, 582_000, 2), (188_000, 432_000, 3), (257_000, 471_000, 2), (176_000, 318_000, 2),
    (210_000, 455_000, 2), (142_000, 411_000, 2), (133_000, 397_000, 2), (140_000, 475_000, 3),
], dtype=float)
SOILS = ("zand", "klei", "veen", "gemengd")
SOIL_SHARE = (0.45, 0.30, 0.10, 0.15)
CLASSES = ("achtergrondwaarde", "wonen", "industrie")


def _points(rng: np.random.Generator, count: int) -> np.ndarray:
    urban = rng.random(count) < 0.85
    weights = CENTRES[:, 2] / CENTRES[:, 2].sum()
    centre = rng.choice(len(CENTRES), size=count, p=weights)
    sigma = rng.uniform(8_000, 15_000, size=count)
    xy = CENTRES[centre, :2] + rng.normal(size=(count, 2)) * sigma[:, None]
    uniform = np.column_stack([rng.uniform(30_000, 270_000, count), rng.uniform(310_000, 610_000, count)])
    xy = np.clip(xy, [RD_BOUNDS[0], RD_BOUNDS[1]], [RD_BOUNDS[2], RD_BOUNDS[3]])
    return np.where(urban[:, None], xy, uniform).round(1)


def _window(rng: np.random.Generator, count: int, longest: int, periods: int) -> tuple[np.ndarray, np.ndarray]:
    length = rng.integers(1, longest + 1, size=count)
    start = rng.integers(1, periods + 1, size=count)
    end = np.minimum(start + length - 1, periods)
    return start, end


def generate(n_supply: int, seed: int = 0, n_depots: int = 50, periods: int = 12, depot_capacity: str = "per_heap") -> dict[str, Any]:
    """Return an instance of the family with ``n_supply`` lots, ``n_supply // 2`` demands and ``n_depots`` depots."""
    rng = np.random.default_rng(seed)
    n_demand = max(1, n_supply // 2)
    s_xy, d_xy, k_xy = _points(rng, n_supply), _points(rng, n_demand), _points(rng, n_depots)
    s_soil = rng.choice(len(SOILS), size=n_supply, p=SOIL_SHARE)
    d_soil = rng.choice(len(SOILS), size=n_demand, p=SOIL_SHARE)
    s_class = rng.choice(3, size=n_supply, p=(0.5, 0.3, 0.2))
    d_max_class = rng.choice(3, size=n_demand, p=(0.3, 0.3, 0.4))
    s_tonnes = np.clip(rng.lognormal(np.log(300), 1.2, size=n_supply), 20, 150_000).round(2)
    d_raw = rng.lognormal(np.log(600), 1.2, size=n_demand)
    d_tonnes = (d_raw * s_tonnes.sum() / d_raw.sum()).round(2)
    s_from, s_to = _window(rng, n_supply, 3, periods)
    d_from, d_to = _window(rng, n_demand, 6, periods)
    total = float(s_tonnes.sum())
    return {
        "name": f"synthetic-{n_supply}-seed{seed}",
        "supply": [
            {"id": f"S{i}", "x": float(s_xy[i, 0]), "y": float(s_xy[i, 1]), "tonnes": float(s_tonnes[i]), "class": CLASSES[s_class[i]],
             "soil_type": SOILS[s_soil[i]], "period_from": int(s_from[i]), "period_to": int(s_to[i])}
            for i in range(n_supply)
        ],
        "demand": [
            {"id": f"D{j}", "x": float(d_xy[j, 0]), "y": float(d_xy[j, 1]), "tonnes": float(d_tonnes[j]),
             "accepted_classes": list(CLASSES[: d_max_class[j] + 1]), "accepted_soil_types": [SOILS[d_soil[j]]],
             "period_from": int(d_from[j]), "period_to": int(d_to[j])}
            for j in range(n_demand)
        ],
        "depots": [
            {"id": f"K{k}", "x": float(k_xy[k, 0]), "y": float(k_xy[k, 1]),
             "capacity_tonnes": round(float(rng.uniform(0.002, 0.01) * total), 1),
             "accepted_classes": list(CLASSES[: int(rng.integers(2, 4))]),
             "handling_cost_per_tonne": round(float(rng.uniform(2.0, 6.0)), 2), "max_dwell_periods": int(rng.integers(2, 7))}
            for k in range(n_depots)
        ],
        "parameters": {"detour_factor": 1.3, "cost_per_tkm": 1.0, "co2_kg_per_tkm": 0.09, "unmatched_cost_per_tonne": 75.0,
                       "unmet_cost_per_tonne": 75.0, "payload_tonnes": 20.0, "periods": periods,
                       "depot_capacity": depot_capacity},
    }
