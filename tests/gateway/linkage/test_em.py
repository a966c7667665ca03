"""EM recovers known m and prior from synthetic pairs, with u from random pairs."""

from __future__ import annotations

import numpy as np

from gateway.linkage.em import estimate_m, level_shares

M = [np.array([0.9, 0.05, 0.05]), np.array([0.8, 0.2]), np.array([0.7, 0.2, 0.1])]
U = [np.array([0.01, 0.04, 0.95]), np.array([0.05, 0.95]), np.array([0.02, 0.08, 0.9])]


def synthetic(pairs: int, prior: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    match = rng.random(pairs) < prior
    columns = []
    for m, u in zip(M, U, strict=True):
        levels = np.where(
            match,
            rng.choice(len(m), pairs, p=m),
            rng.choice(len(u), pairs, p=u),
        )
        columns.append(levels + 1)  # 0 is null
    levels = np.stack(columns, axis=1)
    levels[rng.random(levels.shape) < 0.05] = 0  # some values missing
    return levels, match


def test_u_from_random_pairs_is_each_level_share() -> None:
    levels, _ = synthetic(200_000, 0.0, seed=1)
    u = level_shares(levels, [3, 2, 3])
    for found, known in zip(u, U, strict=True):
        assert np.allclose(found, known, atol=0.005)


def test_em_recovers_known_m_and_prior() -> None:
    levels, match = synthetic(60_000, 0.2, seed=2)
    start = [np.full(len(m), 1 / len(m)) for m in M]
    start = [np.array([0.6, 0.3, 0.1]), np.array([0.6, 0.4]), np.array([0.5, 0.3, 0.2])]
    estimate = estimate_m(levels, U, start, prior_start=0.5)
    assert estimate.converged
    assert abs(estimate.prior - match.mean()) < 0.01
    for found, known in zip(estimate.m, M, strict=True):
        assert np.allclose(found, known, atol=0.02)


def test_fixed_comparisons_keep_their_m() -> None:
    levels, _ = synthetic(5_000, 0.3, seed=3)
    start = [np.array([0.5, 0.25, 0.25]), np.array([0.6, 0.4]), np.array([0.5, 0.3, 0.2])]
    estimate = estimate_m(levels, U, start, 0.5, fixed=[False, True, False])
    assert np.array_equal(estimate.m[1], start[1])


def test_pairs_alike_only_in_household_fields_are_not_counted_as_matches() -> None:
    # given name, family name: 1,000 people twice, 1,000 couples, 8,000 strangers
    levels = np.array([[1, 1]] * 1000 + [[2, 1]] * 1000 + [[2, 2]] * 8000)
    u = [np.array([0.02, 0.98]), np.array([0.01, 0.99])]
    start = [np.array([0.9, 0.1]), np.array([0.9, 0.1])]
    naive = estimate_m(levels, u, start, 0.1)
    guarded = estimate_m(levels, u, start, 0.1, household=[False, True])
    assert naive.m[0][1] > 0.4  # the couples taken for the same person
    assert guarded.m[0][1] < 0.01
    assert abs(guarded.prior - 0.1) < 0.01
