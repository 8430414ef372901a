"""k-nearest-neighbour queries on a uniform grid, compiled with Numba.

The matcher needs the nearest demands of every lot (and the reverse) to seed
the sparse graph and for the greedy baseline. A k-d tree from SciPy does this
too, but importing SciPy's spatial module adds about 40 MB to the process, a
large share of the 300 MB that the 10,000-lot benchmark may use.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Targets per grid cell on average; small enough that a query scans few points, large enough that rings stay few.
TARGETS_PER_CELL = 4.0


@njit(cache=True, nogil=True)
def _knn(query_x, query_y, target_x, target_y, k, origin_x, origin_y, cell, columns, rows, cell_start, cell_items):
    count = len(query_x)
    best_distance = np.full((count, k), np.inf)
    best_index = np.full((count, k), -1, dtype=np.int64)
    for q in range(count):
        x = query_x[q]
        y = query_y[q]
        column = min(max(int((x - origin_x) / cell), 0), columns - 1)
        row = min(max(int((y - origin_y) / cell), 0), rows - 1)
        found = 0
        ring = 0
        max_ring = max(columns, rows)
        while ring <= max_ring:
            for c in range(column - ring, column + ring + 1):
                if c < 0 or c >= columns:
                    continue
                # On the ring's left and right edges every row is new; in between only the top and bottom rows.
                step = 1 if (c == column - ring or c == column + ring) else 2 * ring
                r = row - ring
                while r <= row + ring:
                    if 0 <= r < rows:
                        slot = r * columns + c
                        for position in range(cell_start[slot], cell_start[slot + 1]):
                            t = cell_items[position]
                            distance = np.hypot(target_x[t] - x, target_y[t] - y)
                            if found < k or distance < best_distance[q, k - 1]:
                                # Insertion into the sorted top-k list; ties keep the earlier target first.
                                place = min(found, k - 1)
                                while place > 0 and best_distance[q, place - 1] > distance:
                                    best_distance[q, place] = best_distance[q, place - 1]
                                    best_index[q, place] = best_index[q, place - 1]
                                    place -= 1
                                best_distance[q, place] = distance
                                best_index[q, place] = t
                                if found < k:
                                    found += 1
                    if step == 0:
                        break
                    r += step
            # Any target outside the rings seen so far lies at least ring * cell away from the query.
            if found == k and best_distance[q, k - 1] <= ring * cell:
                break
            ring += 1
    return best_distance, best_index


def nearest(query_x, query_y, target_x, target_y, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the distances and indices of the ``k`` nearest targets of each query, nearest first.

    Where there are fewer than ``k`` targets, the remaining columns hold distance ``inf`` and index -1.
    """
    query_x = np.ascontiguousarray(query_x, dtype=float)
    query_y = np.ascontiguousarray(query_y, dtype=float)
    target_x = np.ascontiguousarray(target_x, dtype=float)
    target_y = np.ascontiguousarray(target_y, dtype=float)
    if k <= 0 or not len(query_x):
        return np.zeros((len(query_x), max(k, 0))), np.zeros((len(query_x), max(k, 0)), dtype=np.int64)
    if not len(target_x):
        return np.full((len(query_x), k), np.inf), np.full((len(query_x), k), -1, dtype=np.int64)
    grid = Grid(target_x, target_y)
    return _knn(query_x, query_y, target_x, target_y, k, grid.origin_x, grid.origin_y, grid.cell, grid.columns, grid.rows,
                grid.cell_start, grid.cell_items)


class Grid:
    """A uniform grid over points: the points of cell (column, row) are ``cell_items[cell_start[s]:cell_start[s + 1]]``
    with s = row * columns + column.

    Without ``cell``, the cell size gives about TARGETS_PER_CELL points per cell over the bounding box.
    With ``descending``, the points of each cell are ordered by that value, highest first.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, cell: float | None = None, descending: np.ndarray | None = None):
        self.origin_x, self.origin_y = float(x.min()), float(y.min())
        width = max(float(x.max()) - self.origin_x, 1.0)
        height = max(float(y.max()) - self.origin_y, 1.0)
        if cell is None:
            cell = np.sqrt(width * height * TARGETS_PER_CELL / len(x))
        self.cell = max(float(cell), 1.0)
        self.columns = int(width // self.cell) + 1
        self.rows = int(height // self.cell) + 1
        slot = ((y - self.origin_y) // self.cell).astype(np.int64) * self.columns + ((x - self.origin_x) // self.cell).astype(np.int64)
        self.cell_items = np.argsort(slot, kind="stable") if descending is None else np.lexsort((-np.asarray(descending), slot))
        self.cell_start = np.searchsorted(slot[self.cell_items], np.arange(self.columns * self.rows + 1))


def hilbert_order(x: np.ndarray, y: np.ndarray, bits: int = 16) -> np.ndarray:
    """Return the permutation that sorts the points (x, y) along a Hilbert curve over their bounding square.

    Points close on the curve are close in the plane. A soil-type part numbered in this order meets its
    lots, demands and first arcs region by region, and the network simplex's block search follows that
    order (see ``grondwerk.matching.decompose.Part``).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if not len(x):
        return np.zeros(0, dtype=np.int64)
    side = 1 << bits
    span = max(float(np.ptp(x)), float(np.ptp(y)), 1.0)
    column = np.minimum(((x - x.min()) / span * side).astype(np.int64), side - 1)
    row = np.minimum(((y - y.min()) / span * side).astype(np.int64), side - 1)
    index = np.zeros(len(x), dtype=np.int64)
    half = side >> 1
    while half:
        right = (column & half) > 0
        top = (row & half) > 0
        # Quadrants in curve order: lower left, upper left, upper right, lower right.
        index += half * half * np.where(right, np.where(top, 2, 3), np.where(top, 1, 0))
        # In the lower quadrants the curve runs turned, so the coordinates are mirrored along a diagonal
        # there (the lower right one along the other diagonal) before the next level.
        lower = ~top
        flip = lower & right
        column = np.where(flip, side - 1 - column, column)
        row = np.where(flip, side - 1 - row, row)
        column, row = np.where(lower, row, column), np.where(lower, column, row)
        half >>= 1
    return np.argsort(index, kind="stable")
