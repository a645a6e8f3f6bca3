"""Which counts of people asked an item a release may show (for its item report).

Pure (no Flask, no session). An item about the group's leader is not asked of the people
who lead it, so its "prefer not to answer" share (of those asked) tells how many were
asked, and the cell's response count minus that number is how many were not: a group the
release may hide (the leaders of a team at a level filter the release hides). So for such
an item the cells showing how many were asked are decided through app.reports.privacy,
together with the release's response counts, which stay as decided (``fixed``): each atom
(team, level) is split into the people asked and the people not asked, and a cell of people
asked is shown only where no difference with the shown response counts, in this release or
between releases, isolates fewer than k people.

Items asked of everybody need no decision: their count of people asked is the response
count, which the release decides anyway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from app.reports.publication import Atom, CellKey, publication_cells
from app.reports.snapshot import Aggregates, Decisions, Snapshot, decide_with_reasons

SubAtom = tuple[int, int, bool]  # (team, level, asked)
Cell = tuple[str, CellKey]  # ("responses" | "asked", cell)


def asked_counts(
    items: Mapping[Atom, Mapping[str, Mapping[int | None, int]]], key: str
) -> dict[Atom, int]:
    """How many people were asked an item, per atom: its answers and its "prefer not to
    answer" (someone not asked has no answer row at all)."""
    return {
        atom: sum(by_item.get(key, {}).values())
        for atom, by_item in items.items()
        if by_item.get(key)
    }


def decide_asked(
    current: Aggregates, decisions: Decisions, earlier: Sequence[Snapshot], k: int
) -> tuple[frozenset[str], dict[str, frozenset[CellKey]]]:
    """The items not asked of everybody in this release or an earlier one, and for each the
    cells of the new release where its count of people asked may be shown. Items that share
    who was asked (every item about the leader) are decided once."""
    sequence = [*(s.aggregates for s in earlier), current]
    partial: set[str] = set()
    asked: dict[str, list[dict[Atom, int]]] = {}
    for key in current.item_keys:
        per_release = [asked_counts(a.items, key) for a in sequence]
        if any(
            per_release[r].get(atom, 0) != n
            for r, a in enumerate(sequence)
            for atom, n in a.responses.items()
        ):
            partial.add(key)
            asked[key] = per_release
    shown: dict[str, frozenset[CellKey]] = {}
    by_pattern: dict[tuple[frozenset[tuple[Atom, int]], ...], frozenset[CellKey]] = {}
    for key, per_release in asked.items():
        pattern = tuple(frozenset(counts.items()) for counts in per_release)
        if pattern not in by_pattern:
            stored_before = [_shown_before(s, key) for s in earlier]
            by_pattern[pattern] = _decide(
                sequence, per_release, decisions, earlier, stored_before, k
            )
        shown[key] = by_pattern[pattern]
    return frozenset(partial), shown


def _shown_before(snapshot: Snapshot, key: str) -> frozenset[CellKey]:
    """The cells of people asked `key` an earlier release showed (none before item reports)."""
    report = snapshot.items_report()
    if report is None:
        return frozenset()
    if key not in report.partial:  # asked of everybody then: its response counts
        return frozenset(snapshot.decisions.responses)
    return report.asked_shown.get(key, frozenset())


def _decide(
    sequence: Sequence[Aggregates],
    asked: Sequence[Mapping[Atom, int]],
    decisions: Decisions,
    earlier: Sequence[Snapshot],
    shown_before: Sequence[frozenset[CellKey]],
    k: int,
) -> frozenset[CellKey]:
    cells: list[dict[Cell, frozenset[SubAtom]]] = []
    counts: list[dict[SubAtom, int]] = []
    for aggregates, asked_now in zip(sequence, asked, strict=True):
        release_counts: dict[SubAtom, int] = {}
        for (team, level), n in aggregates.responses.items():
            yes = min(asked_now.get((team, level), 0), n)
            if yes:
                release_counts[(team, level, True)] = yes
            if n - yes:
                release_counts[(team, level, False)] = n - yes
        counts.append(release_counts)
        release_cells: dict[Cell, frozenset[SubAtom]] = {}
        for where, atoms in publication_cells(aggregates.parents, aggregates.responses).items():
            release_cells[("responses", where)] = frozenset(
                (t, lv, flag) for t, lv in atoms for flag in (True, False)
            )
            release_cells[("asked", where)] = frozenset((t, lv, True) for t, lv in atoms)
        cells.append(release_cells)
    before: list[set[Cell]] = []
    for snapshot, asked_shown in zip(earlier, shown_before, strict=True):
        public: set[Cell] = {("responses", where) for where in snapshot.decisions.responses}
        public |= {("asked", where) for where in asked_shown}
        before.append(public)
    responses_now = {("responses", where) for where in decisions.responses}
    withheld = {cell for cell in cells[-1] if ("responses", cell[1]) not in responses_now}
    decided, _ = decide_with_reasons(
        cells,
        counts,
        before,
        k,
        withheld=withheld,
        fixed=responses_now & set(cells[-1]),
        explain=False,
    )
    return frozenset(where for kind, where in decided if kind == "asked")


def items_asked_only(
    decisions: Decisions, asked_shown: Mapping[str, frozenset[CellKey]]
) -> Decisions:
    """`decisions` with each item not asked of everybody shown only in the cells where its
    count of people asked may be shown (`decide_asked`): its answer count is that count
    less its "prefer not to answer", so the items page would otherwise tell the response
    count minus the people not asked. Hiding more cells of a safe publication keeps it
    safe (a subset of what was shown spans less)."""
    items = {
        key: (
            {cell: n for cell, n in shown.items() if cell in asked_shown[key]}
            if key in asked_shown
            else shown
        )
        for key, shown in decisions.items.items()
    }
    return replace(decisions, items=items)
