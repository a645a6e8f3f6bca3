"""Key drivers: the relative importance of correlated predictors of one outcome.

Pure (numpy only). The question a key-driver analysis answers: of the part of the outcome's
variance that the predictors explain together (R^2 of the linear regression), how much goes
with each predictor? With correlated predictors, regression coefficients do not answer it
(they change sign and size with the other predictors present), so we use **relative
weights** (Johnson 2000, Multivariate Behavioral Research 35, 1-19).

Relative weights
================

Let ``R`` be the p x p correlation matrix of the predictors and ``r`` their correlations
with the outcome. Write ``R = V diag(lambda) V'`` (eigendecomposition) and let
``L = R^(1/2) = V diag(sqrt(lambda)) V'``, the symmetric square root. ``Z = X R^(-1/2)`` are
the orthonormal variables closest to the standardised predictors ``X`` in least squares,
and ``L[j, k]`` is the correlation of predictor ``j`` with ``Z_k``. Regressing the outcome
on ``Z`` gives ``beta = R^(-1/2) r = L^-1 r``; the raw relative weight of predictor ``j`` is

    eps_j = sum_k L[j, k]^2 beta_k^2.

Because every column of ``L`` has unit sum of squares (``L'L = R`` has a unit diagonal),
``sum_j eps_j = sum_k beta_k^2 = r' R^-1 r = R^2``: the weights divide R^2 exactly, each is
non-negative, and with uncorrelated predictors (``R = I``) each is the squared correlation
``r_j^2``. The **share** of a predictor is ``eps_j / R^2``. Relative weights are invariant
to the scale and the sign of each predictor, so a reverse-keyed dimension needs no
re-orientation. They come very close to the general dominance weights (the mean gain in
R^2 from adding the predictor over every subset of the others), at a fraction of the cost.

Bootstrap intervals
===================

Percentile intervals from ``draws`` resamples of the respondents (with replacement).
Everything above depends on the data only through their means and covariances, and a
resample is a vector of counts ``w`` (how often each respondent is drawn), so one matrix
product ``W @ P`` (``W``: draws x n counts; ``P``: n x m, the centred variables and their
pairwise products) gives every draw's first and second moments at once. Each draw's
correlation matrix then follows, and the weights of all draws come from one batched
eigendecomposition. The generator is seeded, and the rows are put in a canonical order
first, so the same responses and seed give the same intervals whatever order the database
returns them in.

Not computed (`NoDrivers`): fewer complete responses than ``min_per_predictor`` per
predictor; a predictor or the outcome with the same value for everyone (its correlations
are undefined); predictors so collinear that ``R`` is singular.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]

from app.reports.stats._numeric import FloatArray, check_count, check_level

DEFAULT_DRAWS = 1000
MIN_PER_PREDICTOR = 10
# Below this fraction of the largest eigenvalue of R, a predictor is taken as a linear
# combination of the others: the weights would follow rounding noise.
SINGULAR_TOLERANCE = 1e-8
# Respondents x draws held in memory at once: about 8 bytes each, twice (counts and indices).
_CHUNK_CELLS = 4_000_000

Reason = Literal["too_few", "constant_predictor", "constant_outcome", "collinear"]


@dataclass(frozen=True, slots=True)
class DriverWeight:
    """One predictor's importance: its raw relative weight (its part of R^2) and its share
    of R^2, each with its percentile bootstrap interval."""

    weight: float
    weight_lower: float
    weight_upper: float
    share: float
    lower: float
    upper: float


@dataclass(frozen=True)
class KeyDrivers:
    """The relative weights of the predictors (`weights`, in the order given) from `n`
    complete responses, with R^2 and its interval; `draws` resamples at `level`."""

    n: int
    r_squared: float
    r_squared_lower: float
    r_squared_upper: float
    weights: dict[str, DriverWeight]
    draws: int
    level: float


@dataclass(frozen=True)
class NoDrivers:
    """Why a group's key drivers were not computed: too few complete responses
    (`n` then holds nothing), a predictor (`key`) or the outcome constant, or collinear
    predictors."""

    reason: Reason
    key: str | None = None
    n: int | None = None


def minimum_responses(predictors: int, per_predictor: int = MIN_PER_PREDICTOR) -> int:
    """The fewest complete responses the analysis accepts: `per_predictor` per predictor."""
    return check_count("predictors", predictors, 1) * check_count("per_predictor", per_predictor, 1)


def relative_weights(correlations: npt.ArrayLike) -> FloatArray:
    """The raw relative weights from correlation matrices of the predictors followed by the
    outcome (shape (..., p + 1, p + 1)); shape (..., p). Eigenvalues below
    `SINGULAR_TOLERANCE` of the largest count as zero (a pseudo-inverse square root), so a
    singular matrix gives finite weights instead of an error."""
    c = np.asarray(correlations, dtype=np.float64)
    if c.ndim < 2 or c.shape[-1] != c.shape[-2] or c.shape[-1] < 2:
        raise ValueError(f"need square correlation matrices of 2+ variables, got {c.shape}")
    rxx = c[..., :-1, :-1]
    rxy = c[..., :-1, -1]
    eigenvalues, vectors = np.linalg.eigh(rxx)
    largest = eigenvalues[..., -1:]
    usable = eigenvalues > SINGULAR_TOLERANCE * np.maximum(largest, 0.0)
    root = np.sqrt(np.where(usable, eigenvalues, 0.0))
    inverse_root = np.where(usable, 1.0 / np.where(usable, root, 1.0), 0.0)
    # L = V diag(sqrt(lambda)) V'; beta = V diag(1/sqrt(lambda)) V' r
    lam = (vectors * root[..., None, :]) @ np.swapaxes(vectors, -1, -2)
    projected = np.einsum("...ji,...j->...i", vectors, rxy)
    beta = np.einsum("...ij,...j->...i", vectors, inverse_root * projected)
    weights: FloatArray = np.einsum("...jk,...k->...j", lam**2, beta**2)
    return weights


def key_drivers(
    predictors: npt.ArrayLike,
    outcome: npt.ArrayLike,
    keys: Sequence[str],
    *,
    seed: int | Sequence[int],
    draws: int = DEFAULT_DRAWS,
    level: float = 0.95,
    min_per_predictor: int = MIN_PER_PREDICTOR,
) -> KeyDrivers | NoDrivers:
    """The relative weights of `predictors` (n x p, one column per key) for `outcome` (n),
    from the complete rows (no NaN), with percentile bootstrap intervals from `draws`
    resamples drawn from `seed`; `NoDrivers` when they cannot be estimated (see the module
    docstring)."""
    level = check_level(level)
    draws = check_count("draws", draws, 1)
    x = np.asarray(predictors, dtype=np.float64)
    y = np.asarray(outcome, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise ValueError(f"predictors n x p and outcome n needed, got {x.shape} and {y.shape}")
    if x.shape[1] != len(keys) or len(set(keys)) != len(keys):
        raise ValueError("one distinct key per predictor column")
    if np.isinf(x).any() or np.isinf(y).any():
        raise ValueError("scores must be finite")
    data = np.column_stack([x, y])
    data = data[~np.isnan(data).any(axis=1)]
    n = int(data.shape[0])
    if n < minimum_responses(len(keys), min_per_predictor):
        return NoDrivers("too_few")
    # Canonical order: the resamples depend on the responses, not on the order they came in.
    data = data[np.lexsort(data.T[::-1])]
    centred = data - data.mean(axis=0)
    spread = centred.std(axis=0)
    scale = np.maximum(np.abs(data).max(axis=0), 1.0)
    constant = spread <= 1e-12 * scale
    if constant[-1]:
        return NoDrivers("constant_outcome", n=n)
    if constant.any():
        return NoDrivers("constant_predictor", keys[int(np.argmax(constant))], n=n)
    correlations: FloatArray = np.asarray(np.corrcoef(data, rowvar=False))
    eigenvalues = np.linalg.eigvalsh(correlations[:-1, :-1])
    if eigenvalues[0] <= SINGULAR_TOLERANCE * eigenvalues[-1]:
        return NoDrivers("collinear", n=n)
    point = relative_weights(correlations)
    rng = np.random.default_rng(seed)
    q = data.shape[1]
    # BLAS on one thread: its threads spin on these mid-sized products, doubling the CPU time
    # and slowing the release beside the workers it shares the machine with (bench/README.md).
    with threadpool_limits(limits=1, user_api="blas"):
        sampled = np.concatenate(
            [
                relative_weights(_correlations(sums, n, q))
                for sums in _resampled_sums(centred, rng, draws)
            ]
        )
    return _summarised(point, sampled, keys, n, draws, level)


def _summarised(
    point: FloatArray,
    sampled: FloatArray,
    keys: Sequence[str],
    n: int,
    draws: int,
    level: float,
) -> KeyDrivers:
    """The point weights with the percentile intervals of the resampled ones."""
    tail = (1.0 - level) / 2.0
    quantiles = (tail, 1.0 - tail)
    r2 = float(point.sum())
    sampled_r2 = sampled.sum(axis=1)
    shares = sampled / np.where(sampled_r2 > 0, sampled_r2, 1.0)[:, None]
    weight_bounds = np.quantile(sampled, quantiles, axis=0)
    share_bounds = np.quantile(shares, quantiles, axis=0)
    r2_lower, r2_upper = np.quantile(sampled_r2, quantiles)
    weights = {
        key: DriverWeight(
            float(point[j]),
            float(weight_bounds[0, j]),
            float(weight_bounds[1, j]),
            float(point[j] / r2) if r2 > 0 else 0.0,
            float(share_bounds[0, j]),
            float(share_bounds[1, j]),
        )
        for j, key in enumerate(keys)
    }
    return KeyDrivers(n, r2, float(r2_lower), float(r2_upper), weights, draws, level)


def moment_columns(centred: FloatArray) -> FloatArray:
    """The n x m matrix P of the module docstring: each variable, then the product of each
    pair (i <= j)."""
    upper_i, upper_j = np.triu_indices(centred.shape[1])
    return np.column_stack([centred, centred[:, upper_i] * centred[:, upper_j]])


def _resampled_sums(
    centred: FloatArray, rng: np.random.Generator, draws: int
) -> Iterator[FloatArray]:
    """Each resample's count-weighted sums of the moment columns, a chunk of draws at a time
    (bounded memory)."""
    n = centred.shape[0]
    # P' in rows: the product below reads it in the order BLAS is fastest at.
    transposed = np.ascontiguousarray(moment_columns(centred).T)
    chunk = max(1, min(draws, _CHUNK_CELLS // n))
    done = 0
    while done < draws:
        size = min(chunk, draws - done)
        # uint32 indices: half the bytes of int64 to draw (n < 2**32)
        picks = rng.integers(0, n, size=(size, n), dtype=np.uint32)
        counts = np.empty((size, n))
        for row in range(size):  # one resample's counts at a time: they fit in the cache
            counts[row] = np.bincount(picks[row], minlength=n)
        sums: FloatArray = (transposed @ counts.T).T
        yield sums
        done += size


def resample_sums(counts: npt.ArrayLike, columns: FloatArray) -> FloatArray:
    """Every resample's sums of the moment columns: one matrix product of the counts
    (resamples x respondents) with the columns."""
    weights = np.asarray(counts, dtype=np.float64)
    sums: FloatArray = weights @ columns
    return sums


def _correlations(sums: FloatArray, n: int, q: int) -> FloatArray:
    """Each resample's correlation matrix of the q variables from its sums of the moment
    columns (every resample has n rows)."""
    means = sums[:, :q] / n
    upper_i, upper_j = np.triu_indices(q)
    second = np.zeros((sums.shape[0], q, q))
    second[:, upper_i, upper_j] = sums[:, q:] / n
    second[:, upper_j, upper_i] = second[:, upper_i, upper_j]
    covariance = second - means[:, :, None] * means[:, None, :]
    sd = np.sqrt(np.maximum(np.diagonal(covariance, axis1=1, axis2=2), 0.0))
    # A resample in which a variable is constant: its correlations count as zero.
    safe = np.where(sd > 0, sd, np.inf)
    correlations: FloatArray = covariance / (safe[:, :, None] * safe[:, None, :])
    index = np.arange(q)
    correlations[:, index, index] = 1.0
    return correlations


def correlations_from_counts(data: npt.ArrayLike, counts: npt.ArrayLike) -> FloatArray:
    """The correlation matrices of resamples given by their counts (resamples x rows), by
    the moment route above (for tests and audits)."""
    values = np.asarray(data, dtype=np.float64)
    centred = values - values.mean(axis=0)
    weights = np.asarray(counts, dtype=np.float64)
    if weights.ndim != 2 or len(set(weights.sum(axis=1).tolist())) != 1:
        raise ValueError("resamples of one size needed (resamples x rows counts)")
    sums = resample_sums(weights, moment_columns(centred))
    return _correlations(sums, int(weights[0].sum()), values.shape[1])
