"""Which family indices a trend may follow across waves on different instrument versions."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from app.instruments.diff import diff_versions
from app.instruments.document import InstrumentDocument
from app.instruments.validation import validate_instrument_data
from app.reports.pages import comparable_families

BUNDLED = Path(__file__).resolve().parents[2] / "instruments" / "relational-climate.json"


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


def test_one_version_compares_every_family() -> None:
    assert comparable_families(CURRENT, []) == {f.key: True for f in CURRENT.families}
    same = diff_versions(document(bundled()), CURRENT)
    assert comparable_families(CURRENT, [same]) == {f.key: True for f in CURRENT.families}


def test_a_reworded_item_stops_its_family_only() -> None:
    earlier = diff_versions(reworded("power_over"), CURRENT)
    comparable = comparable_families(CURRENT, [earlier])
    assert comparable["power_over"] is False
    assert comparable["mutuality"] is True
    assert all(comparable[f.key] for f in CURRENT.families if f.key != "power_over")


def test_every_wave_must_keep_the_family() -> None:
    waves = [
        diff_versions(document(bundled()), CURRENT),
        diff_versions(reworded("mutuality"), CURRENT),
    ]
    comparable = comparable_families(CURRENT, waves)
    assert comparable["mutuality"] is False
    assert comparable["power_over"] is True
