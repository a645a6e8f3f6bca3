"""Comments are records, not sums (rule 4): the Venn-region check, the primary rule for one
comment list, and the keyed order in which comments are listed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

from app.reports.privacy.model import _Num, _RawLeak, check_k

A = TypeVar("A", bound=Hashable)


def _record_leaks(
    region_atoms: Mapping[tuple[int, ...], list[A]],
    region_count: Mapping[tuple[int, ...], int],
    k: int,
) -> list[_RawLeak[A]]:
    """Records (comments): every Venn region of the shown cells is isolatable by set algebra,
    so each region with ``0 < count < k`` is a leak. Hiding a cell merges regions whose
    signatures differ only in that cell; candidates are the cells that merge this region with
    an existing neighbour (or make it vanish), falling back to every cell containing it."""
    signatures = {frozenset(sig) for sig in region_atoms}
    leaks: list[_RawLeak[A]] = []
    for sig in sorted(region_atoms):
        if region_count[sig] >= k:
            continue
        inside = frozenset(sig)
        candidates = {c for c in inside if len(inside) == 1 or inside - {c} in signatures}
        removed: set[int] = set()
        for other in signatures:
            if inside < other:
                removed |= other - inside
                if len(other) == len(inside) + 1:
                    candidates |= other - inside
        combination: dict[int, _Num] = dict.fromkeys(inside, 1)
        combination.update(dict.fromkeys(removed, -1))
        leaks.append(
            _RawLeak(
                atoms=frozenset(region_atoms[sig]),
                n=region_count[sig],
                combination=combination,
                candidates=tuple(sorted(candidates or inside)),
                uses=frozenset(combination),
            )
        )
    return leaks


def comments_visible(n_comments: int, k_comments: int) -> bool:
    """Whether one group's comments may be listed: at least ``k_comments`` of them.

    This is only the primary rule. When comment lists for nested or overlapping groups are
    shown (a team and its parent, a team and a level), decide them together with
    ``disclose_cells(..., records=True)``: a reader can compare the lists text by text.
    """
    check_k(k_comments, "k_comments")
    if isinstance(n_comments, bool) or not isinstance(n_comments, int) or n_comments < 0:
        raise ValueError("n_comments must be a non-negative int")
    return n_comments >= k_comments


def shuffle_comments(comments: Iterable[str], seed: str | bytes | int) -> list[str]:
    """The comments in a random order that depends only on ``seed`` and the texts.

    Storage order can follow submission order, and submission time can be linked to a person
    (who was in the office when), so comments are never listed in stored order. The order is
    a keyed hash (BLAKE2b) of each text: stable across page loads (reloading reveals nothing
    new), unpredictable without the seed (use a per-survey secret), and independent of the
    input order. The caller passes texts only: no dates, no ids.
    """
    if isinstance(seed, int) and not isinstance(seed, bool):
        key = str(seed).encode()
    elif isinstance(seed, str):
        key = seed.encode()
    elif isinstance(seed, bytes):
        key = seed
    else:
        raise TypeError("seed must be str, bytes or int")
    key = hashlib.blake2b(key, digest_size=32).digest()
    texts = list(comments)

    def rank(text: str) -> tuple[bytes, str]:
        return hashlib.blake2b(text.encode(), key=key, digest_size=16).digest(), text

    return sorted(texts, key=rank)
