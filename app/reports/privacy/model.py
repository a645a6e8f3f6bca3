"""The model of disclosure control: thresholds, the hidden label and the decisions.

Every other module of the package returns these types; callers render :class:`Disclosed`.
The keys' canonical order and the validation of counts live here too, since every part of
the check reads its input through them.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Final, Generic, Literal, TypeAlias, TypeVar

from app.i18n import _

MIN_K: Final = 3
"""No survey may set a threshold below this (CONSTRUCTS.md, "Thresholds")."""
DEFAULT_K_SCORES: Final = 5
DEFAULT_K_COMMENTS: Final = 10

K = TypeVar("K", bound=Hashable)
A = TypeVar("A", bound=Hashable)

_Num: TypeAlias = int | Fraction


# --------------------------------------------------------------------------------------------
# Thresholds and the value type every caller renders
# --------------------------------------------------------------------------------------------


def check_k(k: int, name: str = "k") -> int:
    """Return ``k`` if it is an int >= MIN_K, else raise (TypeError / ValueError)."""
    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError(f"{name} must be an int, not {type(k).__name__}")
    if k < MIN_K:
        raise ValueError(f"{name} must be at least {MIN_K}, got {k}")
    return k


@dataclass(frozen=True, slots=True)
class Threshold:
    """A survey's thresholds: responses needed behind a score/count and behind comments."""

    k_scores: int = DEFAULT_K_SCORES
    k_comments: int = DEFAULT_K_COMMENTS

    def __post_init__(self) -> None:
        check_k(self.k_scores, "k_scores")
        check_k(self.k_comments, "k_comments")


Reason: TypeAlias = Literal["under_k", "protects"]
"""Why a hidden cell is hidden, where the release tells it (app.reports.privacy.markers)."""
UNDER_K: Final[Reason] = "under_k"
PROTECTS: Final[Reason] = "protects"
REASONS: Final[tuple[Reason, ...]] = (UNDER_K, PROTECTS)


def hidden_label(k: int, reason: Reason | None = None) -> str:
    """The label of a hidden cell: "fewer than k" (under k), "withheld" (at least k, hidden
    to protect a smaller group), or "fewer than k*" where the release does not tell which.
    In the reader's language: the release stores the reason, never the words."""
    if reason == UNDER_K:
        return _("fewer than %(k)s", k=k)
    if reason == PROTECTS:
        return _("withheld")
    return _("fewer than %(k)s*", k=k)


def legend(k: int) -> dict[str, str]:
    """Each hidden label with what it means, in the order pages, charts and exports list
    them (the same three labels as :func:`hidden_label`)."""
    return {
        hidden_label(k, UNDER_K): _("fewer than %(k)s responses.", k=k),
        hidden_label(k, PROTECTS): _(
            "%(k)s or more responses, withheld so that a group of fewer than %(k)s cannot be "
            "worked out by subtraction (across teams, levels or releases).",
            k=k,
        ),
        hidden_label(k): _(
            "fewer than %(k)s responses, or withheld to protect a smaller group: the release "
            "does not say which where saying it would narrow a group down.",
            k=k,
        ),
    }


def footnote(k: int) -> str:
    """The footnote that goes with the labels of hidden cells: the legend in one line."""
    return " ".join(f"{label}: {meaning}" for label, meaning in legend(k).items())


@dataclass(frozen=True, slots=True)
class Disclosed:
    """The disclosure decision for one cell: render ``label``; use numbers only if ``shown``.

    A hidden cell has ``n = None``: the true count is not carried, so a template or an export
    cannot print it by mistake. ``reason`` says why it is hidden (under k, or withheld to
    protect a smaller group) where the release tells it; telling it is a bound on a hidden
    count, so app.reports.privacy.markers tells it only where no group can be narrowed down
    to between 1 and k - 1 by it. Without a reason the label is the generic "fewer than k*"
    (also every hidden cell of a release stored before reasons were kept).
    """

    shown: bool
    n: int | None
    k: int
    reason: Reason | None = None

    def __post_init__(self) -> None:
        check_k(self.k)
        if self.shown and (self.n is None or self.n < self.k):
            raise ValueError("a shown cell needs n >= k")
        if not self.shown and self.n is not None:
            raise ValueError("a hidden cell must not carry its n")
        if self.reason is not None and (self.shown or self.reason not in REASONS):
            raise ValueError(f"a reason is for hidden cells only: {self.reason!r}")

    @classmethod
    def visible(cls, n: int, k: int) -> Disclosed:
        return cls(shown=True, n=n, k=k)

    @classmethod
    def hidden(cls, k: int, reason: Reason | None = None) -> Disclosed:
        return cls(shown=False, n=None, k=k, reason=reason)

    @property
    def label(self) -> str:
        """What to print instead of (or as) the count."""
        return str(self.n) if self.shown else hidden_label(self.k, self.reason)


# --------------------------------------------------------------------------------------------
# Results of the general mechanism
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Leak(Generic[K, A]):
    """A set of respondents an attacker can isolate from the shown cells, with ``0 < n < k``.

    ``combination`` says how: for sums, the shown cells and the coefficients whose weighted
    sum is exactly ``atoms``; for records, +1 marks the cells to intersect and -1 the cells
    to remove.
    """

    atoms: frozenset[A]
    n: int
    combination: Mapping[K, Fraction]


@dataclass(frozen=True, slots=True)
class Disclosure(Generic[K]):
    """The decisions for every cell of one publication.

    ``complementary`` (cells hidden only to protect others) is for audits and tests; never
    render it, since it tells which hidden cells hold at least k responses: render each
    cell's Disclosed, whose reason is told only where that is safe. ``reasons`` are those
    told reasons.
    """

    k: int
    cells: Mapping[K, Disclosed]
    complementary: frozenset[K] = field(default_factory=frozenset)
    reasons: Mapping[K, Reason] = field(default_factory=dict)

    def __getitem__(self, key: K) -> Disclosed:
        return self.cells[key]

    @property
    def shown(self) -> frozenset[K]:
        return frozenset(key for key, d in self.cells.items() if d.shown)

    @property
    def hidden(self) -> frozenset[K]:
        return frozenset(key for key, d in self.cells.items() if not d.shown)


# --------------------------------------------------------------------------------------------
# What every check reads (keys in canonical order, validated counts) and hands back
# --------------------------------------------------------------------------------------------


def _canon(obj: object) -> str:
    """A canonical string for ordering keys: independent of hash seeds and insertion order."""
    if isinstance(obj, frozenset | set):
        return "{" + ",".join(sorted(_canon(o) for o in obj)) + "}"
    if isinstance(obj, tuple):
        return "(" + ",".join(_canon(o) for o in obj) + ")"
    return f"{type(obj).__name__}:{obj!r}"


def _validated_counts(atom_counts: Mapping[A, int]) -> dict[A, int]:
    out: dict[A, int] = {}
    for atom, count in atom_counts.items():
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError(f"count of {atom!r} must be an int")
        if count < 0:
            raise ValueError(f"count of {atom!r} is negative")
        out[atom] = count
    return out


@dataclass(frozen=True, slots=True)
class _RawLeak(Generic[A]):
    atoms: frozenset[A]
    n: int
    combination: dict[int, _Num]  # class index -> coefficient
    candidates: tuple[int, ...]  # classes whose hiding may break the leak
    uses: frozenset[int]  # classes the derivation relies on
