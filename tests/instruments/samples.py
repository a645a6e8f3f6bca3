"""The files the instrument tests read: the fixture instruments (tests/data/instruments) and
the instrument format's README."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "instruments"
FORMAT_README = ROOT / "instruments" / "README.md"


def fixture_bytes(name: str) -> bytes:
    """The bytes of the fixture instrument file `name`."""
    return (DATA / name).read_bytes()


def small_instrument() -> dict[str, Any]:
    """valid_small.json, parsed: a fresh copy on each call, free to edit."""
    data: dict[str, Any] = json.loads(fixture_bytes("valid_small.json"))
    return data
