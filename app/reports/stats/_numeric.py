"""Checks and quantiles shared by the statistics modules.

The checks enforce the package's conventions (see app/reports/stats/__init__.py): invalid
input (negative counts, non-finite numbers, a level outside (0, 1)) raises ``ValueError``.
"""

from __future__ import annotations

import functools
import math
import operator
from typing import SupportsFloat, SupportsIndex

import numpy as np
import numpy.typing as npt
from scipy import special  # type: ignore[import-untyped, unused-ignore]

FloatArray = npt.NDArray[np.float64]


def check_level(level: float) -> float:
    """``level`` as a float strictly between 0 and 1, else ``ValueError``."""
    level = float(level)
    if not (math.isfinite(level) and 0.0 < level < 1.0):
        raise ValueError(f"confidence level must lie strictly between 0 and 1, got {level!r}")
    return level


def check_finite(name: str, value: SupportsFloat) -> float:
    """``value`` as a finite float, else ``ValueError`` naming it."""
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x!r}")
    return x


def check_count(name: str, value: SupportsIndex, minimum: int = 0) -> int:
    """``value`` as an int of at least ``minimum`` (``ValueError``); a bool is a ``TypeError``."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, not bool")
    n = operator.index(value)
    if n < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {n}")
    return n


@functools.lru_cache(maxsize=64)
def z_quantile(level: float) -> float:
    """Two-sided standard normal quantile ``z_{1 - (1 - level)/2}``."""
    return float(special.ndtri(0.5 + level / 2.0))


@functools.lru_cache(maxsize=4096)
def t_quantile(level: float, df: float) -> float:
    """Two-sided Student t quantile ``t_{1 - (1 - level)/2, df}``. The scipy.special ufuncs
    compute what scipy.stats.t computes, without its ~40 us of argument handling per call (a
    heatmap makes thousands); cached for the repeated (level, df) pairs of equal-sized groups."""
    return float(special.stdtrit(df, 0.5 + level / 2.0))


def as_item_matrix(item_matrix: npt.ArrayLike) -> FloatArray:
    """Items as a float matrix (rows respondents, columns items), complete cases only.

    Missing answers are NaN; a row with any NaN is dropped (listwise deletion).  Infinite
    values are an error.
    """
    x = np.asarray(item_matrix, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"item matrix must be 2-D (respondents x items), got {x.ndim}-D")
    if np.isinf(x).any():
        raise ValueError("item matrix contains infinite values")
    complete: FloatArray = x[~np.isnan(x).any(axis=1)]
    return complete
