"""The grid k-nearest-neighbour search against SciPy's k-d tree on clustered and uniform points."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from grondwerk.matching.spatial import hilbert_order, nearest


def clustered(rng, count):
    centres = rng.uniform([30_000, 310_000], [270_000, 610_000], size=(5, 2))
    points = centres[rng.integers(0, 5, count)] + rng.normal(0, 8_000, size=(count, 2))
    uniform = rng.random(count) < 0.15
    points[uniform] = rng.uniform([30_000, 310_000], [270_000, 610_000], size=(int(uniform.sum()), 2))
    return points


@pytest.mark.parametrize("seed,queries,targets,k", [(0, 500, 800, 10), (1, 300, 2000, 80), (2, 50, 7, 10), (3, 1000, 1, 3), (4, 200, 200, 200)])
def test_matches_kd_tree(seed, queries, targets, k):
    rng = np.random.default_rng(seed)
    query = clustered(rng, queries)
    # Some queries lie far outside the targets' bounding box.
    query[:5] += 500_000
    target = clustered(rng, targets)
    distance, index = nearest(query[:, 0], query[:, 1], target[:, 0], target[:, 1], k)
    expected_distance, _ = cKDTree(target).query(query, k=min(k, targets))
    expected_distance = np.asarray(expected_distance).reshape(queries, min(k, targets))
    np.testing.assert_allclose(distance[:, : min(k, targets)], expected_distance, rtol=1e-12)
    found = index[:, : min(k, targets)]
    recomputed = np.hypot(target[found, 0] - query[:, [0]], target[found, 1] - query[:, [1]])
    np.testing.assert_allclose(recomputed, distance[:, : min(k, targets)], rtol=1e-12)
    assert (index[:, targets:] == -1).all()
    assert np.isinf(distance[:, targets:]).all()


def test_duplicate_points_all_returned():
    target = np.zeros((6, 2))
    distance, index = nearest([1.0], [0.0], target[:, 0], target[:, 1], 4)
    assert sorted(index[0].tolist()) == [0, 1, 2, 3]
    assert distance[0].tolist() == [1.0] * 4


def test_no_targets():
    distance, index = nearest([1.0, 2.0], [0.0, 0.0], [], [], 3)
    assert (index == -1).all()
    assert np.isinf(distance).all()


@pytest.mark.parametrize("bits", [1, 3, 6])
def test_hilbert_order_full_grid(bits):
    side = 1 << bits
    columns, rows = np.meshgrid(np.arange(side), np.arange(side))
    # Scaled and shifted like RD coordinates, in a shuffled input order.
    rng = np.random.default_rng(bits)
    shuffle = rng.permutation(side * side)
    x = 50_000 + 250.0 * columns.ravel()[shuffle]
    y = 400_000 + 250.0 * rows.ravel()[shuffle]
    order = hilbert_order(x, y, bits=bits)
    assert sorted(order.tolist()) == list(range(side * side))
    steps = np.hypot(np.diff(x[order]), np.diff(y[order]))
    assert np.allclose(steps, 250.0), "consecutive points on the curve must be grid neighbours"


def test_hilbert_order_degenerate_inputs():
    assert hilbert_order(np.zeros(0), np.zeros(0)).tolist() == []
    assert hilbert_order(np.array([5.0]), np.array([7.0])).tolist() == [0]
    # All points on one vertical line: the order runs along the line.
    y = np.array([30.0, 10.0, 20.0, 0.0])
    order = hilbert_order(np.full(4, 100.0), y)
    assert np.all(np.diff(y[order]) > 0) or np.all(np.diff(y[order]) < 0)
