"""Regional matching of released and needed soil: store, exact optimiser, baselines and proposals.

``solve(instance)`` takes the JSON instance of ``grondwerk match`` and returns the optimal flows
with totals, baselines and savings. Heavy imports (numpy, Numba, HiGHS) happen on first call.
"""

from __future__ import annotations

from typing import Any


def solve(instance: dict[str, Any], source: str | None = None, **options: Any) -> dict[str, Any]:
    """Return the optimal allocation of ``instance``; see ``grondwerk.matching.api.solve``."""
    from grondwerk.matching.api import solve as _solve

    return _solve(instance, source, **options)
