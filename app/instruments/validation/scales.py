"""Semantic checks of scales: their range, one label per point, and the favorability bands."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.instruments.validation.errors import InstrumentError, json_pointer
from app.instruments.validation.rules import entries, int_of

MAX_SCALE_POINTS = 11  # 0..10 is the widest scale in common use


def _band(value: Any) -> tuple[int, int] | None:
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return value[0], value[1]
    return None


def scale_errors(data: dict[str, Any]) -> Iterator[InstrumentError]:
    """Each scale's range, point labels and bands."""
    for i, scale in entries(data, "scales"):
        base: list[str | int] = ["scales", i]
        low, high = int_of(scale, "min"), int_of(scale, "max")
        if low is None or high is None:
            continue
        if low >= high:
            yield InstrumentError(
                json_pointer([*base, "max"]),
                f"A scale needs at least two points: max ({high}) must be greater than "
                f"min ({low}).",
            )
            continue
        size = high - low + 1
        if size > MAX_SCALE_POINTS:
            yield InstrumentError(
                json_pointer(base),
                f"A scale can have at most {MAX_SCALE_POINTS} points; {low} to {high} has {size}.",
            )
            continue
        yield from _point_errors(scale, base, low, high)
        yield from _band_errors(scale, base, low, high)


def _point_errors(
    scale: dict[str, Any], base: list[str | int], low: int, high: int
) -> Iterator[InstrumentError]:
    points = scale.get("points")
    if not isinstance(points, list) or not points:
        return  # the schema layer reports a missing or empty list once
    labelled: dict[int, int] = {}
    for j, point in entries(scale, "points"):
        value = int_of(point, "value")
        if value is None:
            continue
        where = json_pointer([*base, "points", j, "value"])
        if not low <= value <= high:
            yield InstrumentError(where, f"Point {value} is outside the scale ({low} to {high}).")
        elif value in labelled:
            yield InstrumentError(
                where,
                f"Point {value} is already labelled by "
                f"{json_pointer([*base, 'points', labelled[value]])}.",
            )
        else:
            labelled[value] = j
    # Missing points are only reported when every entry was readable, so a malformed
    # entry (reported by the schema layer) does not also show up as a missing label.
    readable = all(isinstance(p, dict) and int_of(p, "value") is not None for p in points)
    if readable:
        for value in range(low, high + 1):
            if value not in labelled:
                yield InstrumentError(
                    json_pointer([*base, "points"]),
                    f"Point {value} has no label; every point from {low} to {high} needs one.",
                )


def _band_errors(
    scale: dict[str, Any], base: list[str | int], low: int, high: int
) -> Iterator[InstrumentError]:
    bands = scale.get("bands")
    if not isinstance(bands, dict):
        return
    parsed: dict[str, tuple[int, int]] = {}
    for name in ("low", "high"):
        band = _band(bands.get(name))
        if band is None:
            continue
        where = json_pointer([*base, "bands", name])
        first, last = band
        if first > last:
            yield InstrumentError(
                where, f"The band runs backwards: {first} is above {last}; write [first, last]."
            )
        elif first < low or last > high:
            yield InstrumentError(
                where, f"The band [{first}, {last}] reaches outside the scale ({low} to {high})."
            )
        # Favorability counts the extreme answers; a band that skips them is a mistake
        # (often low and high swapped).
        elif name == "low" and first != low:
            yield InstrumentError(where, f"The low band must start at the scale's minimum ({low}).")
        elif name == "high" and last != high:
            yield InstrumentError(where, f"The high band must end at the scale's maximum ({high}).")
        else:
            parsed[name] = band
    if "low" in parsed and "high" in parsed and parsed["low"][1] >= parsed["high"][0]:
        yield InstrumentError(
            json_pointer([*base, "bands"]),
            f"The low band {list(parsed['low'])} and the high band {list(parsed['high'])} "
            "overlap; the low band must end below the start of the high band.",
        )
