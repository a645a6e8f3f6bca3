"""What the semantic rules share, here and in the question types: reading the parsed (not
yet trusted) document, and the references an item's rule checks against.

Readers skip malformed parts: the schema layer reports them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def entries(data: Mapping[str, Any], name: str) -> list[tuple[int, dict[str, Any]]]:
    """(index, object) for each object in the list data[name]; malformed parts skipped
    (the schema layer reports them)."""
    members = data.get(name)
    if not isinstance(members, list):
        return []
    return [(i, m) for i, m in enumerate(members) if isinstance(m, dict)]


def key_of(entry: Mapping[str, Any], name: str = "key") -> str | None:
    """entry[name] when it is text, else None."""
    value = entry.get(name)
    return value if isinstance(value, str) else None


def int_of(entry: Mapping[str, Any], name: str) -> int | None:
    """entry[name] when it is a whole number (not a boolean), else None."""
    value = entry.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass
class References:
    """The declared keys an item's rule checks its references against, and what the item
    rules collect for the document-wide checks that run after them."""

    scales: list[str]
    dimensions: list[str]
    family_of: dict[str, str]  # dimension key -> its declared family
    # Filled by the item rules, in document order:
    items_per_dimension: dict[str, int] = field(default_factory=dict)
    family_scale: dict[str, tuple[str, str]] = field(default_factory=dict)  # (scale, pointer)
