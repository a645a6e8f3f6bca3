"""Which family indices a trend or a change may compare between two waves on different
instrument versions: one rule per pair of versions."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from app.instruments.diff import family_comparability
from app.instruments.document import InstrumentDocument
from app.instruments.validation import validate_instrument_data

BUNDLED = (
    Path(__file__).resolve().parents[2] / "instruments" / "archive" / "relational-climate.v1.json"
)


def bundled() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(BUNDLED.read_text(encoding="utf-8"))
    return data


def document(data: dict[str, Any]) -> InstrumentDocument:
    result = validate_instrument_data(data)
    assert result.document is not None, [str(e) for e in result.errors]
    return result.document


CURRENT = document(bundled())


def reworded(dimension_family: str) -> InstrumentDocument:
    """An earlier version in which one item of the family was worded differently."""
    data = copy.deepcopy(bundled())
    dimensions = {d["key"] for d in data["dimensions"] if d["family"] == dimension_family}
    item = next(i for i in data["items"] if i.get("dimension") in dimensions)
    item["text"]["en"] = item["text"]["en"] + " (earlier wording)"
    return document(data)


def comparable(earlier: InstrumentDocument, later: InstrumentDocument) -> dict[str, bool]:
    return {key: found.comparable for key, found in family_comparability(earlier, later).items()}


def test_one_version_compares_every_family() -> None:
    assert comparable(CURRENT, CURRENT) == {f.key: True for f in CURRENT.families}
    assert comparable(document(bundled()), CURRENT) == {f.key: True for f in CURRENT.families}


def test_a_reworded_item_stops_its_family_only_and_says_why() -> None:
    found = family_comparability(reworded("power_over"), CURRENT)
    assert found["power_over"].comparable is False
    assert "text in 'en' changed" in found["power_over"].reason
    assert all(found[f.key].comparable for f in CURRENT.families if f.key != "power_over")


def test_the_rule_is_one_per_pair_whichever_wave_asks() -> None:
    """The same pair gives the same answer in either order (the bug: a family stopped in
    every wave as soon as any wave differed, so two pages told two stories)."""
    earlier, later = reworded("mutuality"), CURRENT
    forwards = comparable(earlier, later)
    backwards = comparable(later, earlier)
    assert forwards == backwards
    assert forwards["mutuality"] is False
    assert forwards["power_over"] is True


def test_an_item_left_out_or_added_breaks_the_family() -> None:
    data = copy.deepcopy(bundled())
    dimensions = {d["key"] for d in data["dimensions"] if d["family"] == "mutuality"}
    dropped = next(i for i in data["items"] if i.get("dimension") in dimensions)
    data["items"].remove(dropped)
    fewer = document(data)
    found = family_comparability(CURRENT, fewer)
    assert found["mutuality"].reasons == (f"item {dropped['key']} was left out",)
    assert family_comparability(fewer, CURRENT)["mutuality"].reasons == (
        f"item {dropped['key']} is new",
    )
    assert found["power_over"].comparable


def test_a_rescored_item_breaks_the_family() -> None:
    data = copy.deepcopy(bundled())
    item = next(i for i in data["items"] if i.get("reverse"))
    item["reverse"] = False
    found = family_comparability(CURRENT, document(data))
    broken = [key for key, f in found.items() if not f.comparable]
    assert len(broken) == 1
    assert f"item {item['key']}: reverse flag changed" in found[broken[0]].reason
