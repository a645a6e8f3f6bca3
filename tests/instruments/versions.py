"""A made-up version 2 of the bundled instrument for the tests that need two versions whose
keys differ, whatever the bundled file holds today: version 1 (the archive) with one item
reworded, one removed, one dimension renamed, a leader item asked only of the led, and the
revision reasons of each change."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from tests.conftest import BUNDLED_INSTRUMENT

REWORDED = "ea_1"
REMOVED = "au_4"
LEADER_ITEM = "ea_5"
RENAMED = ("voice_influence", "voice")  # every item of it is rescored (dimension changed)
REWORDED_TEXT = "In my work group, people try to understand how others feel about their work."
REASONS = {
    REWORDED: "Reworded: one claim, no idiom.",
    REMOVED: "Removed: it asked respondents to read others' minds.",
    LEADER_ITEM: "Added: the leader's attunement, asked only of those the leader leads.",
    "voice": "Renamed from voice_influence: voice as influence on decisions.",
    "power_over": "Kept: no item changed.",
    "ea_2": "Kept.",
}


def v1_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(BUNDLED_INSTRUMENT.read_text(encoding="utf-8"))
    return data


def v2_data(status: str = "pilot", **metadata: Any) -> dict[str, Any]:
    """Version 1 changed as the module says; `metadata` adds or replaces metadata fields."""
    data = copy.deepcopy(v1_data())
    old, new = RENAMED
    for dimension in data["dimensions"]:
        if dimension["key"] == old:
            dimension["key"] = new
    items = []
    for item in data["items"]:
        if item["key"] == REMOVED:
            continue
        if item.get("dimension") == old:
            item["dimension"] = new
        if item["key"] == REWORDED:
            item["text"]["en"] = REWORDED_TEXT
        items.append(item)
        if item["key"] == "ea_4":
            items.append(
                {
                    "key": LEADER_ITEM,
                    "type": "likert",
                    "dimension": "empathic_attunement",
                    "scale": item["scale"],
                    "referent": "leader",
                    "audience": "led",
                    "text": {
                        "en": "The person who leads my work group asks how decisions affect us.",
                        "es": "La persona que dirige mi grupo de trabajo pregunta cómo nos "
                        "afectan las decisiones.",
                    },
                }
            )
    data["items"] = items
    data["metadata"] = {
        **data["metadata"],
        "status": status,
        "revision": {"from_version": 1, "reasons": REASONS},
        **metadata,
    }
    return data


def write(data: dict[str, Any], folder: Path, name: str = "relational-climate.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
