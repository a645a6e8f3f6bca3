"""Phrases shared by the schema and semantic layers (and the question types' rules)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


def plural(count: int, noun: str) -> str:
    """ "1 item", "2 items"."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def suggest(name: str, known: Iterable[str]) -> str:
    """ " Did you mean 'x'?" for the closest known name, or ""."""
    match = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" Did you mean '{match[0]}'?" if match else ""


_PLURALS = {"family": "families", "dimension or family": "dimensions or families"}


def unknown(kind: str, name: str, known: Sequence[str]) -> str:
    """The message for a reference to an undeclared scale, dimension or family."""
    kinds = _PLURALS.get(kind, kind + "s")
    hint = suggest(name, known)
    if not hint:
        hint = f" Known {kinds}: {', '.join(known)}." if known else f" No {kinds} are defined."
    return f"Unknown {kind} '{name}'.{hint}"
