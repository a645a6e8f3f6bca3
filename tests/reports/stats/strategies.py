"""Hypothesis strategies shared by the statistics tests."""

from __future__ import annotations

from hypothesis import strategies as st

# Rating-scale answers (1..5) and "nice" reals (multiples of 1/8) keep the sums exact, so
# the comparison with raw-data computations tests the formulas, not float cancellation.
likert = st.integers(min_value=1, max_value=5)
eighths = st.integers(min_value=-800, max_value=800).map(lambda i: i / 8)
levels = st.sampled_from([0.8, 0.9, 0.95, 0.99])


def likert_lists(min_size: int = 2, max_size: int = 40) -> st.SearchStrategy[list[int]]:
    return st.lists(likert, min_size=min_size, max_size=max_size)
