"""A release's snapshot: the aggregates and the disclosure decisions of one publication.

Pure (no Flask, no session). A release is decided once, together with every earlier release
of the survey, and stored; every page, filter and export of that release is then read from
the snapshot alone, without the responses and without running the suppression again.

Releases over time
==================

Once shown, a cell stays public: a reader can keep release 1's pages and subtract them from
release 2's. So the atoms gain an axis, the **interval** of arrival: the responses first
included in release ``r`` form interval ``r`` (each atom's count in release ``r`` minus its
count in release ``r - 1``; responses are never taken back, so these are never negative).
Release ``r``'s cell is the union of intervals ``<= r`` of its atoms. The new release is
decided in one `privacy.suppress` call over the cells of every release, the earlier
releases' shown cells ``fixed`` (public, not withdrawable) and their hidden cells withheld:
whatever a difference between releases would isolate under k is withheld in the new
release. Earlier releases' counts come from their own snapshots, so nothing on a response
records when it arrived.

How a snapshot is stored is app.reports.snapshot_format's business.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from app.reports.drivers import ReleaseDrivers
from app.reports.item_report import ReleaseItemReport
from app.reports.privacy import (
    Disclosed,
    Reason,
    ResponseRate,
    suppress,
    team_subtrees,
)
from app.reports.publication import (
    Atom,
    CellKey,
    CommentGroup,
    Comparisons,
    FavourableShare,
    ItemKeying,
    ItemPublication,
    LevelFilter,
    Publication,
    Reasons,
    ScoreSums,
    Shown,
    answered_counts,
    favourable_shares,
    publication_cells,
)
from app.reports.reliability import ReleaseReliability
from app.reports.stats import Bounds

if TYPE_CHECKING:  # app.reports.languages decides with this module's decide_with_reasons
    from app.reports.languages import LanguageCut

C = TypeVar("C", bound=Hashable)
A = TypeVar("A", bound=Hashable)
ItemCounts = Mapping[Atom, Mapping[str, Mapping[int | None, int]]]


@dataclass(frozen=True)
class Aggregates:
    """The additive aggregates of a survey's responses at one moment, per atom (team, level)
    of direct members; comments and invitations per team."""

    parents: Mapping[int, int | None]
    paths: Mapping[int, str]
    responses: Mapping[Atom, int]
    family_sums: Mapping[Atom, Mapping[str, ScoreSums]]
    dimension_sums: Mapping[Atom, Mapping[str, ScoreSums]]
    items: ItemCounts
    comment_counts: Mapping[tuple[int, str], int]  # (team, prompt) -> comments
    invited: Mapping[int, int]
    family_keys: tuple[str, ...]
    dimension_keys: tuple[str, ...]
    item_keys: tuple[str, ...]
    prompt_keys: tuple[str, ...]
    # Each family's and dimension's scale ends (lowest, highest score): the intervals of
    # means stay within them. Empty for releases stored before they were kept.
    scales: Mapping[str, Bounds] = field(default_factory=dict)

    def score_counts(self, key: str) -> dict[Atom, int]:
        """How many responses have this family or dimension score, per atom."""
        sums = self.family_sums if key in self.family_keys else self.dimension_sums
        return {atom: by_key[key].n for atom, by_key in sums.items() if key in by_key}

    def prompt_counts(self, prompt: str) -> dict[int, int]:
        return {team: n for (team, key), n in self.comment_counts.items() if key == prompt}


@dataclass(frozen=True)
class Decisions:
    """Which cells a release shows, with their counts: response counts, each statistic
    (family and dimension keys), each item, and each prompt's comment groups (None: the
    organisation)."""

    responses: Shown
    scores: Mapping[str, Shown]
    items: Mapping[str, Shown]
    comments: Mapping[str, Mapping[int | None, int]]
    # Why hidden cells are hidden, where the release tells it (app.reports.privacy.markers):
    # the response counts' under the key None, each statistic's under its key; each item's
    # in `item_reasons`. Empty for releases stored before reasons were kept (generic label).
    reasons: Mapping[str | None, Reasons] = field(default_factory=dict)
    item_reasons: Mapping[str, Reasons] = field(default_factory=dict)

    def discloses_beyond(self, earlier: Decisions | None) -> bool:
        """Whether some shown number is not already shown, the same, by `earlier`."""
        if earlier is None:
            return bool(self.responses)
        pairs = [
            (self.responses, earlier.responses),
            *((self.scores[key], earlier.scores.get(key, {})) for key in self.scores),
            *((self.items[key], earlier.items.get(key, {})) for key in self.items),
        ]
        for now, before in pairs:
            if any(before.get(cell) != n for cell, n in now.items()):
                return True
        return any(
            earlier.comments.get(prompt, {}).get(group) != n
            for prompt, groups in self.comments.items()
            for group, n in groups.items()
        )


@dataclass(frozen=True)
class Snapshot:
    """Everything one release shows, and the aggregates behind it."""

    k: int
    k_comments: int
    aggregates: Aggregates
    decisions: Decisions
    # Shown groups' comment texts per prompt, in the order drawn once at publication.
    comments: Mapping[str, Mapping[int | None, Sequence[str]]]
    # Each dimension's reliability per shown cell and agreement per level filter, decided at
    # publication (None: read from `stored_reliability` when a page asks, see `scales`).
    reliability: ReleaseReliability | None
    # The test family per level filter as a stored release holds it (None: computed from
    # the aggregates, as at publication and for releases stored before it was kept).
    stored_comparisons: Callable[[LevelFilter], Comparisons | None] | None = field(
        default=None, compare=False, repr=False
    )
    # Percent favourable per statistic and shown cell, decided at publication from the
    # items' answer counts (`with_favourable`); None for releases stored before it was kept.
    favourable: Mapping[str, Mapping[CellKey, FavourableShare]] | None = None
    # A stored release's reliability, read when the reliability page asks (None: none).
    stored_reliability: Callable[[], ReleaseReliability | None] | None = field(
        default=None, compare=False, repr=False
    )
    # The key drivers decided at publication (app.reports.drivers); None: read from
    # `stored_drivers` when a page asks (see `drivers`).
    key_drivers: ReleaseDrivers | None = None
    stored_drivers: Callable[[], ReleaseDrivers | None] | None = field(
        default=None, compare=False, repr=False
    )
    # The item report decided at publication (app.reports.item_report); None: read from
    # `stored_item_report` when a page asks (see `items_report`).
    item_report: ReleaseItemReport | None = None
    stored_item_report: Callable[[], ReleaseItemReport | None] | None = field(
        default=None, compare=False, repr=False
    )
    # The language cut decided at publication (app.reports.languages); None: read from
    # `stored_languages` when a page asks (see `languages`).
    language_cut: LanguageCut | None = None
    stored_languages: Callable[[], LanguageCut | None] | None = field(
        default=None, compare=False, repr=False
    )
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def drivers(self) -> ReleaseDrivers | None:
        """The release's key drivers (`key_drivers`, or its stored section read once): per
        group (None: the organisation; a department's team id) the relative weights of the
        dimensions for the outcomes index (`ReleaseDrivers.groups`, `.weights(group)`).
        None for a release stored before key drivers were computed."""
        if self.key_drivers is not None:
            return self.key_drivers
        if "drivers" not in self._memo:
            read = self.stored_drivers
            self._memo["drivers"] = read() if read is not None else None
        found: ReleaseDrivers | None = self._memo["drivers"]
        return found

    def items_report(self) -> ReleaseItemReport | None:
        """The release's item report (`item_report`, or its stored section read once); None
        for a release stored before item reports were computed."""
        if self.item_report is not None:
            return self.item_report
        if "item_report" not in self._memo:
            read = self.stored_item_report
            self._memo["item_report"] = read() if read is not None else None
        found: ReleaseItemReport | None = self._memo["item_report"]
        return found

    def languages(self) -> LanguageCut | None:
        """The release's language cut (`language_cut`, or its stored section read once):
        counts and family indices by the language the survey was answered in, where the
        release shows them. None for a release stored before languages were recorded."""
        if self.language_cut is not None:
            return self.language_cut
        if "languages" not in self._memo:
            read = self.stored_languages
            self._memo["languages"] = read() if read is not None else None
        found: LanguageCut | None = self._memo["languages"]
        return found

    def prepare(self) -> None:
        """Decode every section and compute every statistic a page reads (a worker does
        this for its latest releases before the first reader: app.reports.warm)."""
        self.publication().compute_statistics()
        self.item_publication().compute_statistics()
        self.scales()
        self.drivers()
        self.items_report()
        self.languages()
        for texts in self.comments.values():
            len(texts)  # each prompt's listed comments, decoded (at 1M, ~0.2 s a prompt)

    def scales(self) -> ReleaseReliability | None:
        """The release's reliability (`reliability`, or its stored section read once);
        None when the release holds none (the organisation's count was hidden)."""
        if self.reliability is not None:
            return self.reliability
        if "reliability" not in self._memo:
            read = self.stored_reliability
            self._memo["reliability"] = read() if read is not None else None
        found: ReleaseReliability | None = self._memo["reliability"]
        return found

    def with_favourable(self, keying: Mapping[str, ItemKeying]) -> Snapshot:
        """This snapshot with its percent favourable (app.reports.publication's
        `favourable_shares`), computed from its item answer counts: at publication, and
        when a release stored without them is read."""
        shares = favourable_shares(self.publication(), self.item_publication(), keying)
        return replace(self, favourable=shares, _memo={})

    def publication(self) -> Publication:
        """The release's publication, from its stored decisions (no suppression runs)."""
        if "publication" not in self._memo:
            a = self.aggregates
            shown: dict[str | None, Shown] = {None: self.decisions.responses}
            shown.update(self.decisions.scores)
            self._memo["publication"] = Publication(
                a.parents,
                a.responses,
                a.family_sums,
                a.dimension_sums,
                k=self.k,
                family_keys=a.family_keys,
                dimension_keys=a.dimension_keys,
                shown=shown,
                stored_comparisons=self.stored_comparisons,
                favourable=self.favourable,
                bounds=a.scales,
                reasons=self.decisions.reasons,
            )
        publication: Publication = self._memo["publication"]
        return publication

    def item_publication(self) -> ItemPublication:
        if "items" not in self._memo:
            self._memo["items"] = ItemPublication(
                self.publication(),
                self.aggregates.items,
                self.aggregates.item_keys,
                shown=self.decisions.items,
                reasons=self.decisions.item_reasons,
            )
        items: ItemPublication = self._memo["items"]
        return items

    def comment_group(self, prompt: str, group: int | None) -> tuple[CommentGroup, list[str]]:
        """One prompt's comments in one group (a team's subtree; None: the organisation):
        the decision, and the texts when they may be listed."""
        subtrees = team_subtrees(self.aggregates.parents)
        teams = subtrees.get(group, frozenset()) if group is not None else frozenset(subtrees)
        n = self.decisions.comments.get(prompt, {}).get(group)
        if n is None:
            return CommentGroup(Disclosed.hidden(self.k_comments), teams, False), []
        texts = list(self.comments.get(prompt, {}).get(group, ()))
        return CommentGroup(Disclosed.visible(n, self.k_comments), teams, True), texts

    def response_rates(self) -> dict[int | None, ResponseRate]:
        """Response rates per team rollup and for the organisation (key None): the
        responded counts ARE the publication's response counts of the same cells (all
        levels), decided in the same call; invitations are not masked (HR imported them)."""
        publication = self.publication()
        invited = self.aggregates.invited
        rates: dict[int | None, ResponseRate] = {
            None: ResponseRate(sum(invited.values()), publication.responded())
        }
        for team, members in team_subtrees(self.aggregates.parents).items():
            total = sum(invited.get(t, 0) for t in members)
            rates[team] = ResponseRate(total, publication.responded(team))
        return rates


# --- deciding a release together with the earlier ones ------------------------------------


def decide_in_sequence(
    cells: Sequence[Mapping[C, Collection[A]]],
    counts: Sequence[Mapping[A, int]],
    shown_before: Sequence[Collection[C]],
    k: int,
    *,
    records: bool = False,
    withheld: Collection[C] = (),
) -> dict[C, int]:
    """The shown cells (with counts) of the last of a sequence of releases (see
    `decide_with_reasons`, which also says why the hidden ones are hidden)."""
    shown, _ = decide_with_reasons(
        cells, counts, shown_before, k, records=records, withheld=withheld, explain=False
    )
    return shown


def decide_with_reasons(
    cells: Sequence[Mapping[C, Collection[A]]],
    counts: Sequence[Mapping[A, int]],
    shown_before: Sequence[Collection[C]],
    k: int,
    *,
    records: bool = False,
    withheld: Collection[C] = (),
    explain: bool = True,
    told_before: Sequence[Mapping[C, Reason]] = (),
    fixed: Collection[C] = (),
    explain_withheld: Collection[C] = (),
) -> tuple[dict[C, int], dict[C, Reason]]:
    """The shown cells (with counts) of the last of a sequence of releases, and the reasons
    told for its hidden cells other than `withheld` ones (those read their response count's
    reason); `told_before[r]` are the reasons earlier release r told (public bounds).

    `cells[r]` and `counts[r]` are release r's cells and cumulative atom counts; the last is
    the new release. `shown_before[r]` are the cells earlier release r showed: they are
    public and stay so; every other earlier cell stays hidden. `withheld` cells of the new
    release are hidden from the start, and its `fixed` cells are already decided and shown
    (by another decision of the same release, e.g. its response counts). The reasons of
    `explain_withheld` cells (withheld ones decided before, whose reasons are decided again
    together with the new cells: app.reports.languages) are told where safe too. Atoms are
    split by interval of arrival (module docstring), so every difference between releases
    is in the span that privacy checks.
    """
    if len(shown_before) != len(cells) - 1 or len(counts) != len(cells):
        raise ValueError("one count mapping per release, one shown set per earlier release")
    last = len(cells) - 1
    intervals: list[dict[A, int]] = []
    for r, current in enumerate(counts):
        previous = counts[r - 1] if r else {}
        arrived: dict[A, int] = {}
        for atom in {*current, *previous}:
            n = current.get(atom, 0) - previous.get(atom, 0)
            if n < 0:
                raise ValueError(f"atom {atom!r} has fewer responses in release {r + 1}")
            if n:
                arrived[atom] = n
        intervals.append(arrived)
    joint_cells: dict[tuple[int, C], frozenset[tuple[A, int]]] = {}
    for r, release_cells in enumerate(cells):
        for cell, atoms in release_cells.items():
            joint_cells[(r, cell)] = frozenset(
                (atom, i) for atom in atoms for i in range(r + 1) if atom in intervals[i]
            )
    joint_counts = {
        (atom, i): n for i, arrived in enumerate(intervals) for atom, n in arrived.items()
    }
    fixed_cells = {(r, cell) for r, shown in enumerate(shown_before) for cell in shown}
    fixed_cells |= {(last, cell) for cell in fixed}
    hidden = {(r, cell) for r in range(last) for cell in cells[r] if (r, cell) not in fixed_cells}
    hidden |= {(last, cell) for cell in withheld}
    withheld_now = frozenset(withheld) - frozenset(explain_withheld)
    told = {
        (r, cell): why for r, reasons in enumerate(told_before) for cell, why in reasons.items()
    }
    decided = suppress(
        joint_cells,
        joint_counts,
        k,
        records=records,
        withheld=hidden,
        fixed=fixed_cells,
        explain=[(last, c) for c in cells[last] if c not in withheld_now] if explain else (),
        told=told,
    )
    shown = {
        cell: d.n
        for (r, cell), d in decided.cells.items()
        if r == last and d.shown and d.n is not None
    }
    return shown, {cell: why for (r, cell), why in decided.reasons.items() if r == last}


def decide_release(
    current: Aggregates, earlier: Sequence[Snapshot], k: int, k_comments: int
) -> Decisions:
    """Every decision of a new release, taken with the earlier releases of the survey."""
    sequence = [*(s.aggregates for s in earlier), current]
    cells = [publication_cells(a.parents, a.responses) for a in sequence]
    memo: dict[tuple[Any, ...], tuple[dict[CellKey, int], dict[CellKey, Reason]]] = {}

    def decide(
        counts: Sequence[Mapping[Atom, int]],
        before: Sequence[Collection[CellKey]],
        told: Sequence[Reasons],
        withheld: frozenset[CellKey] = frozenset(),
    ) -> tuple[dict[CellKey, int], dict[CellKey, Reason]]:
        # Statistics everybody answered share the response counts: decide each once.
        fingerprint = (
            tuple(frozenset((a, n) for a, n in c.items() if n) for c in counts),
            tuple(frozenset(b) for b in before),
            tuple(frozenset(t.items()) for t in told),
            withheld,
        )
        if fingerprint not in memo:
            memo[fingerprint] = decide_with_reasons(
                cells, counts, before, k, withheld=withheld, told_before=told
            )
        return memo[fingerprint]

    responses, response_reasons = decide(
        [a.responses for a in sequence],
        [s.decisions.responses for s in earlier],
        [s.decisions.reasons.get(None, {}) for s in earlier],
    )
    withheld = frozenset(cells[-1]) - frozenset(responses)
    scores: dict[str, Shown] = {}
    reasons: dict[str | None, Reasons] = {None: response_reasons}
    for key in (*current.family_keys, *current.dimension_keys):
        scores[key], reasons[key] = decide(
            [a.score_counts(key) for a in sequence],
            [s.decisions.scores.get(key, {}) for s in earlier],
            [s.decisions.reasons.get(key, {}) for s in earlier],
            withheld,
        )
    items: dict[str, Shown] = {}
    item_reasons: dict[str, Reasons] = {}
    for key in current.item_keys:
        items[key], item_reasons[key] = decide(
            [answered_counts(a.items, key) for a in sequence],
            [s.decisions.items.get(key, {}) for s in earlier],
            [s.decisions.item_reasons.get(key, {}) for s in earlier],
            withheld,
        )
    group_cells = [_comment_cells(a.parents) for a in sequence]
    comments = {
        prompt: decide_in_sequence(
            group_cells,
            [a.prompt_counts(prompt) for a in sequence],
            [s.decisions.comments.get(prompt, {}) for s in earlier],
            k_comments,
            records=True,
        )
        for prompt in current.prompt_keys
    }
    return Decisions(responses, scores, items, comments, reasons, item_reasons)


def _comment_cells(parents: Mapping[int, int | None]) -> dict[int | None, frozenset[int]]:
    """The comment groups: every team's subtree, and the organisation (None)."""
    cells: dict[int | None, frozenset[int]] = {None: frozenset(parents)}
    for team, subtree in team_subtrees(parents).items():
        cells[team] = subtree
    return cells
