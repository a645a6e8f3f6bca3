"""Key drivers (relative weights with bootstrap intervals) against reference computations:
exact general dominance by all-subsets R^2 and Johnson's own raw-data procedure, written
here independently; known cases; properties; the vectorised bootstrap against a loop."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from app.reports.stats.drivers import (
    KeyDrivers,
    NoDrivers,
    correlations_from_counts,
    key_drivers,
    minimum_responses,
    relative_weights,
)

KEYS = tuple(f"d{i}" for i in range(5))


def r_squared(x: np.ndarray, y: np.ndarray) -> float:
    """R^2 of the least-squares regression of y on x with an intercept (0 without x)."""
    if x.shape[1] == 0:
        return 0.0
    design = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coef
    return float(1.0 - residual @ residual / ((y - y.mean()) @ (y - y.mean())))


def general_dominance(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each predictor's mean gain in R^2 over the subsets of the others, averaged first
    within each subset size (Budescu 1993), by fitting every subset."""
    p = x.shape[1]
    fits = {
        subset: r_squared(x[:, list(subset)], y)
        for size in range(p + 1)
        for subset in itertools.combinations(range(p), size)
    }
    weights = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        by_size = []
        for size in range(p):
            gains = [
                fits[tuple(sorted((*subset, j)))] - fits[subset]
                for subset in itertools.combinations(others, size)
            ]
            by_size.append(np.mean(gains))
        weights[j] = np.mean(by_size)
    return weights


def johnson_raw(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson's (2000) procedure on the data: the orthonormal Z closest to the
    standardised X (from its singular value decomposition), y regressed on Z, X on Z."""
    zx = (x - x.mean(axis=0)) / x.std(axis=0)
    zy = (y - y.mean()) / y.std()
    u, _, vt = np.linalg.svd(zx, full_matrices=False)
    z = (u @ vt) * np.sqrt(len(y))  # unit-variance orthogonal columns
    beta = np.linalg.lstsq(z, zy, rcond=None)[0]
    lam = np.linalg.lstsq(z, zx, rcond=None)[0]  # lam[k, j]: X_j on Z_k
    weights: np.ndarray = (lam**2).T @ beta**2
    return weights


def correlated_sample(n: int, p: int, seed: int, rho: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cov = rho * np.ones((p, p)) + (1 - rho) * np.eye(p)
    x = rng.multivariate_normal(np.zeros(p), cov, size=n)
    y = x @ np.linspace(0.2, 1.0, p) + rng.normal(size=n) * 1.5
    return x, y


def test_relative_weights_match_johnsons_procedure_and_divide_r_squared() -> None:
    x, y = correlated_sample(600, 5, seed=3)
    result = key_drivers(x, y, KEYS, seed=1, draws=50)
    assert isinstance(result, KeyDrivers)
    weights = np.array([w.weight for w in result.weights.values()])
    np.testing.assert_allclose(weights, johnson_raw(x, y), rtol=1e-9, atol=1e-12)
    assert result.r_squared == pytest.approx(r_squared(x, y), rel=1e-10)
    assert weights.sum() == pytest.approx(result.r_squared, rel=1e-12)
    assert sum(w.share for w in result.weights.values()) == pytest.approx(1.0)


def test_relative_weights_come_close_to_exact_general_dominance() -> None:
    x, y = correlated_sample(800, 5, seed=11, rho=0.6)
    result = key_drivers(x, y, KEYS, seed=1, draws=20)
    assert isinstance(result, KeyDrivers)
    dominance = general_dominance(x, y)
    assert dominance.sum() == pytest.approx(r_squared(x, y), rel=1e-9)  # the reference holds
    weights = np.array([w.weight for w in result.weights.values()])
    # Known to agree closely (Johnson 2000; LeBreton et al. 2004): within 2% of R^2 here.
    assert np.abs(weights - dominance).max() < 0.02 * dominance.sum()
    assert list(np.argsort(weights)) == list(np.argsort(dominance))


def test_orthogonal_predictors_weigh_their_squared_correlations() -> None:
    rng = np.random.default_rng(5)
    raw = rng.normal(size=(400, 4))
    q, _ = np.linalg.qr(raw - raw.mean(axis=0))  # exactly uncorrelated, centred columns
    x = q * 10 + 3
    y = x @ np.array([1.0, -2.0, 0.5, 0.0]) + rng.normal(size=400) * 5
    result = key_drivers(x, y, KEYS[:4], seed=0, draws=20, min_per_predictor=10)
    assert isinstance(result, KeyDrivers)
    squared = [np.corrcoef(x[:, j], y)[0, 1] ** 2 for j in range(4)]
    assert [w.weight for w in result.weights.values()] == pytest.approx(squared, abs=1e-12)


def test_relative_weights_accept_batches_of_correlation_matrices() -> None:
    x, y = correlated_sample(300, 3, seed=2)
    c = np.corrcoef(np.column_stack([x, y]), rowvar=False)
    batch = relative_weights(np.stack([c, c, np.eye(4)]))
    assert batch.shape == (3, 3)
    np.testing.assert_allclose(batch[0], batch[1])
    assert batch[2] == pytest.approx([0.0, 0.0, 0.0])


def test_vectorised_resamples_give_each_resamples_own_correlations() -> None:
    x, y = correlated_sample(120, 3, seed=4)
    data = np.column_stack([x, y])
    rng = np.random.default_rng(9)
    counts = np.stack([np.bincount(rng.integers(0, 120, 120), minlength=120) for _ in range(6)])
    found = correlations_from_counts(data, counts)
    for draw, expected_counts in zip(found, counts, strict=True):
        resample = np.repeat(data, expected_counts, axis=0)
        np.testing.assert_allclose(draw, np.corrcoef(resample, rowvar=False), atol=1e-12)


def test_intervals_are_reproducible_ordered_and_independent_of_row_order() -> None:
    x, y = correlated_sample(500, 5, seed=8)
    first = key_drivers(x, y, KEYS, seed=[3, 1], draws=200)
    order = np.random.default_rng(0).permutation(500)
    again = key_drivers(x[order], y[order], KEYS, seed=[3, 1], draws=200)
    other_seed = key_drivers(x, y, KEYS, seed=[3, 2], draws=200)
    assert isinstance(first, KeyDrivers) and isinstance(other_seed, KeyDrivers)
    assert first == again
    assert first != other_seed
    for w in first.weights.values():
        assert w.lower <= w.share <= w.upper
        assert w.weight_lower <= w.weight <= w.weight_upper
        assert w.lower >= 0.0 and w.upper <= 1.0
    assert first.r_squared_lower <= first.r_squared <= first.r_squared_upper
    assert first.n == 500 and first.draws == 200 and first.level == 0.95


def test_interval_covers_the_population_share_for_a_large_sample() -> None:
    # Two uncorrelated predictors with correlations .6 and .3 with y: shares .8 and .2.
    rng = np.random.default_rng(12)
    x = rng.normal(size=(5000, 2))
    y = 0.6 * x[:, 0] + 0.3 * x[:, 1] + np.sqrt(1 - 0.45) * rng.normal(size=5000)
    result = key_drivers(x, y, ("a", "b"), seed=1, draws=400)
    assert isinstance(result, KeyDrivers)
    assert result.weights["a"].lower < 0.8 < result.weights["a"].upper
    assert result.weights["b"].lower < 0.2 < result.weights["b"].upper


def test_incomplete_rows_are_left_out() -> None:
    x, y = correlated_sample(200, 5, seed=6)
    x_missing = x.copy()
    x_missing[:30, 2] = np.nan
    y_missing = y.copy()
    y_missing[190:] = np.nan
    result = key_drivers(x_missing, y_missing, KEYS, seed=1, draws=30)
    complete = key_drivers(x[30:190], y[30:190], KEYS, seed=1, draws=30)
    assert isinstance(result, KeyDrivers)
    assert result.n == 160
    assert result == complete


def test_too_few_complete_responses_are_refused_without_their_count() -> None:
    x, y = correlated_sample(49, 5, seed=1)
    assert minimum_responses(5) == 50
    assert key_drivers(x, y, KEYS, seed=1) == NoDrivers("too_few")
    x, y = correlated_sample(50, 5, seed=1)
    assert isinstance(key_drivers(x, y, KEYS, seed=1, draws=10), KeyDrivers)


def test_a_constant_predictor_is_named_not_a_crash() -> None:
    x, y = correlated_sample(200, 5, seed=1)
    x[:, 3] = 4.0
    assert key_drivers(x, y, KEYS, seed=1) == NoDrivers("constant_predictor", "d3", 200)


def test_a_constant_outcome_and_collinear_predictors_are_refused() -> None:
    x, y = correlated_sample(200, 5, seed=1)
    assert key_drivers(x, np.full(200, 3.0), KEYS, seed=1) == NoDrivers("constant_outcome", n=200)
    x[:, 4] = x[:, 0] + x[:, 1]  # a sum of two others: R singular
    assert key_drivers(x, y, KEYS, seed=1) == NoDrivers("collinear", n=200)


def test_a_nearly_constant_resample_does_not_break_the_intervals() -> None:
    # One person differs on d0: some resamples leave them out and d0 is constant there.
    x, y = correlated_sample(60, 2, seed=3)
    x[:, 0] = 3.0
    x[0, 0] = 4.0
    result = key_drivers(x, y, ("d0", "d1"), seed=5, draws=300)
    assert isinstance(result, KeyDrivers)
    for w in result.weights.values():
        assert np.isfinite([w.lower, w.upper, w.weight_lower, w.weight_upper]).all()


@pytest.mark.parametrize(
    ("x", "y", "keys", "message"),
    [
        (np.zeros((10, 2)), np.zeros(9), ("a", "b"), "outcome n needed"),
        (np.zeros((10, 2)), np.zeros(10), ("a",), "one distinct key"),
        (np.zeros((10, 2)), np.zeros(10), ("a", "a"), "one distinct key"),
        (np.full((10, 2), np.inf), np.zeros(10), ("a", "b"), "finite"),
    ],
)
def test_bad_input_raises(
    x: np.ndarray, y: np.ndarray, keys: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        key_drivers(x, y, keys, seed=1)


scores = arrays(
    np.float64,
    st.tuples(st.integers(24, 60), st.just(4)),
    elements=st.integers(1, 20).map(lambda i: i / 4),
)


@settings(deadline=None, max_examples=40)
@given(scores, st.permutations(range(3)), st.sampled_from([-1.0, 1.0]))
def test_properties_against_regression_and_dominance(
    data: np.ndarray, order: list[int], flip: float
) -> None:
    x, y = data[:, :3], data[:, 3]
    c = np.corrcoef(data, rowvar=False) if np.all(data.std(axis=0) > 0) else None
    assume(c is not None and np.linalg.eigvalsh(c[:3, :3])[0] > 1e-6)
    result = key_drivers(x, y, ("a", "b", "c"), seed=0, draws=20, min_per_predictor=8)
    assert isinstance(result, KeyDrivers)
    weights = np.array([w.weight for w in result.weights.values()])
    # non-negative, adding up to the regression's R^2, near general dominance
    assert (weights >= -1e-12).all()
    assert weights.sum() == pytest.approx(r_squared(x, y), abs=1e-9)
    assert np.abs(weights - general_dominance(x, y)).max() <= 0.25 * weights.sum() + 1e-9
    # the order of the predictors, their scale and their sign (reverse keying) do not matter
    moved = x[:, order] * np.array([2.0, 0.5, 1.0]) * flip + 7
    again = key_drivers(moved, y, ("a", "b", "c"), seed=0, draws=20, min_per_predictor=8)
    assert isinstance(again, KeyDrivers)
    expected = weights[order]
    assert [w.weight for w in again.weights.values()] == pytest.approx(expected, abs=1e-9)
