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
decided in one `privacy.disclose_cells` call over the cells of every release, the earlier
releases' shown cells ``fixed`` (public, not withdrawable) and their hidden cells withheld:
whatever a difference between releases would isolate under k is withheld in the new
release. Earlier releases' counts come from their own snapshots, so nothing on a response
records when it arrived.

Storage: one JSON document, zlib-compressed (`encode`, `decode`). Atoms are listed once and
referred to by index; comment texts are listed once per prompt (only texts of shown groups)
and each shown group lists indices into them. At 200 teams x 3 levels x 52 items the item
counts dominate (about 200k numbers): a few MB of JSON, some hundreds of kB stored.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.reports.privacy import Disclosed, ResponseRate, disclose_cells, team_subtrees
from app.reports.publication import (
    Atom,
    CellKey,
    CommentGroup,
    ItemPublication,
    Publication,
    ScoreSums,
    Shown,
    answered_counts,
    publication_cells,
)
from app.reports.stats import Reliability

FORMAT = 1
C = TypeVar("C", bound=Hashable)
K = TypeVar("K")
V = TypeVar("V")
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
    # Cronbach's alpha per dimension over the organisation, when its count is shown.
    reliability: Mapping[str, Reliability | None] | None
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

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
            None: ResponseRate(sum(invited.values()), publication.view().responses)
        }
        for team, members in team_subtrees(self.aggregates.parents).items():
            total = sum(invited.get(t, 0) for t in members)
            rates[team] = ResponseRate(total, publication.view(team).responses)
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
    """The shown cells (with counts) of the last of a sequence of releases.

    `cells[r]` and `counts[r]` are release r's cells and cumulative atom counts; the last is
    the new release. `shown_before[r]` are the cells earlier release r showed: they are
    public and stay so; every other earlier cell stays hidden. `withheld` cells of the new
    release are hidden from the start. Atoms are split by interval of arrival (module
    docstring), so every difference between releases is in the span that privacy checks.
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
    fixed = {(r, cell) for r, shown in enumerate(shown_before) for cell in shown}
    hidden = {(r, cell) for r in range(last) for cell in cells[r] if (r, cell) not in fixed}
    hidden |= {(last, cell) for cell in withheld}
    decided = disclose_cells(
        joint_cells, joint_counts, k, records=records, withheld=hidden, fixed=fixed
    )
    return {
        cell: d.n for (r, cell), d in decided.items() if r == last and d.shown and d.n is not None
    }


def decide_release(
    current: Aggregates, earlier: Sequence[Snapshot], k: int, k_comments: int
) -> Decisions:
    """Every decision of a new release, taken with the earlier releases of the survey."""
    sequence = [*(s.aggregates for s in earlier), current]
    cells = [publication_cells(a.parents, a.responses) for a in sequence]
    memo: dict[tuple[Any, ...], dict[CellKey, int]] = {}

    def decide(
        counts: Sequence[Mapping[Atom, int]],
        before: Sequence[Collection[CellKey]],
        withheld: frozenset[CellKey] = frozenset(),
    ) -> dict[CellKey, int]:
        # Statistics everybody answered share the response counts: decide each once.
        fingerprint = (
            tuple(frozenset((a, n) for a, n in c.items() if n) for c in counts),
            tuple(frozenset(b) for b in before),
            withheld,
        )
        if fingerprint not in memo:
            memo[fingerprint] = decide_in_sequence(cells, counts, before, k, withheld=withheld)
        return memo[fingerprint]

    responses = decide([a.responses for a in sequence], [s.decisions.responses for s in earlier])
    withheld = frozenset(cells[-1]) - frozenset(responses)
    scores = {
        key: decide(
            [a.score_counts(key) for a in sequence],
            [s.decisions.scores.get(key, {}) for s in earlier],
            withheld,
        )
        for key in (*current.family_keys, *current.dimension_keys)
    }
    items = {
        key: decide(
            [answered_counts(a.items, key) for a in sequence],
            [s.decisions.items.get(key, {}) for s in earlier],
            withheld,
        )
        for key in current.item_keys
    }
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
    return Decisions(responses, scores, items, comments)


def _comment_cells(parents: Mapping[int, int | None]) -> dict[int | None, frozenset[int]]:
    """The comment groups: every team's subtree, and the organisation (None)."""
    cells: dict[int | None, frozenset[int]] = {None: frozenset(parents)}
    for team, subtree in team_subtrees(parents).items():
        cells[team] = subtree
    return cells


# --- storage ------------------------------------------------------------------------------


def encode(snapshot: Snapshot) -> bytes:
    """The snapshot as zlib-compressed JSON (see the module docstring)."""
    return zlib.compress(json.dumps(_to_json(snapshot), separators=(",", ":")).encode(), 6)


def decode(blob: bytes) -> Snapshot:
    """The snapshot stored by `encode`."""
    document = json.loads(zlib.decompress(blob))
    if document.get("format") != FORMAT:
        raise ValueError(f"unknown snapshot format {document.get('format')!r}")
    return _from_json(document)


def _cells_json(shown: Shown) -> list[list[int | None]]:
    return [[team, level, n] for (team, level), n in sorted(shown.items(), key=repr)]


def _cells_from(rows: list[list[int | None]]) -> dict[CellKey, int]:
    return {(team, level): int(n) for team, level, n in rows if n is not None}


def _to_json(s: Snapshot) -> dict[str, Any]:
    a, d = s.aggregates, s.decisions
    atoms = sorted({*a.responses, *a.family_sums, *a.dimension_sums, *a.items})
    index = {atom: i for i, atom in enumerate(atoms)}
    scores: dict[str, list[list[float]]] = {}
    for sums in (a.family_sums, a.dimension_sums):
        for atom, by_key in sums.items():
            for key, v in by_key.items():
                scores.setdefault(key, []).append(
                    [index[atom], v.n, v.total, v.total_sq, v.favorable]
                )
    items: dict[str, list[int | None]] = {}  # flat (atom, value, count) triples: compact
    for atom, by_item in a.items.items():
        for key, values in by_item.items():
            flat = items.setdefault(key, [])
            for value, n in values.items():
                flat.extend((index[atom], value, n))
    return {
        "format": FORMAT,
        "k": s.k,
        "k_comments": s.k_comments,
        "teams": [[t, a.parents[t], a.paths.get(t, "")] for t in sorted(a.parents)],
        "keys": [a.family_keys, a.dimension_keys, a.item_keys, a.prompt_keys],
        "atoms": [[team, level, a.responses.get((team, level), 0)] for team, level in atoms],
        "scores": scores,
        "items": items,
        "comment_counts": [[t, p, n] for (t, p), n in sorted(a.comment_counts.items())],
        "invited": sorted(a.invited.items()),
        "shown": {
            "responses": _cells_json(d.responses),
            "scores": {key: _cells_json(v) for key, v in d.scores.items()},
            "items": {key: _cells_json(v) for key, v in d.items.items()},
            "comments": {
                p: [[g, n] for g, n in sorted(v.items(), key=repr)] for p, v in d.comments.items()
            },
        },
        "comments": {p: _texts_json(groups) for p, groups in s.comments.items()},
        "reliability": None
        if s.reliability is None
        else {
            key: None if r is None else [r.alpha, r.lower, r.upper, r.level, r.n, r.k, r.flagged]
            for key, r in s.reliability.items()
        },
    }


def _texts_json(groups: Mapping[int | None, Sequence[str]]) -> dict[str, Any]:
    """Each text once, in the order drawn; groups as indices into that list."""
    texts: list[str] = []
    where: dict[str, int] = {}
    listed: list[list[Any]] = []
    for group, group_texts in sorted(groups.items(), key=repr):
        indices = []
        for text in group_texts:
            if text not in where:
                where[text] = len(texts)
                texts.append(text)
            indices.append(where[text])
        listed.append([group, indices])
    return {"texts": texts, "groups": listed}


def _from_json(doc: dict[str, Any]) -> Snapshot:
    atoms: list[Atom] = [(team, level) for team, level, _ in doc["atoms"]]
    family_keys, dimension_keys, item_keys, prompt_keys = (tuple(k) for k in doc["keys"])
    family_sums: dict[Atom, dict[str, ScoreSums]] = {}
    dimension_sums: dict[Atom, dict[str, ScoreSums]] = {}
    for key, rows in doc["scores"].items():
        target = family_sums if key in family_keys else dimension_sums
        for i, n, total, total_sq, favorable in rows:
            target.setdefault(atoms[i], {})[key] = ScoreSums(
                int(n), float(total), float(total_sq), int(favorable)
            )
    aggregates = Aggregates(
        parents={t: parent for t, parent, _ in doc["teams"]},
        paths={t: path for t, _, path in doc["teams"]},
        responses={(t, lv): n for t, lv, n in doc["atoms"] if n},
        family_sums=family_sums,
        dimension_sums=dimension_sums,
        items=_Unpacked[Atom, Mapping[str, Mapping[int | None, int]]](
            lambda: dict(_item_counts(atoms, doc["items"]))
        ),
        comment_counts={(t, p): n for t, p, n in doc["comment_counts"]},
        invited=dict(doc["invited"]),
        family_keys=family_keys,
        dimension_keys=dimension_keys,
        item_keys=item_keys,
        prompt_keys=prompt_keys,
    )
    shown = doc["shown"]
    decisions = Decisions(
        responses=_cells_from(shown["responses"]),
        scores={key: _cells_from(v) for key, v in shown["scores"].items()},
        items=_Unpacked(lambda: {key: _cells_from(v) for key, v in shown["items"].items()}),
        comments={p: dict(v) for p, v in shown["comments"].items()},
    )
    comments = {
        p: {g: [block["texts"][i] for i in indices] for g, indices in block["groups"]}
        for p, block in doc["comments"].items()
    }
    reliability = doc["reliability"]
    return Snapshot(
        k=doc["k"],
        k_comments=doc["k_comments"],
        aggregates=aggregates,
        decisions=decisions,
        comments=comments,
        reliability=None
        if reliability is None
        else {key: None if r is None else _reliability_from(r) for key, r in reliability.items()},
    )


class _Unpacked(Mapping[K, V]):
    """A stored mapping unpacked on first use: only the items page and the next release's
    decisions read the item counts and decisions, so other pages' first read skips them."""

    def __init__(self, unpack: Callable[[], dict[K, V]]) -> None:
        self._unpack: Callable[[], dict[K, V]] | None = unpack
        self._mapping: dict[K, V] = {}

    def _unpacked(self) -> dict[K, V]:
        if self._unpack is not None:
            self._mapping = self._unpack()
            self._unpack = None
        return self._mapping

    def __getitem__(self, key: K) -> V:
        return self._unpacked()[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._unpacked())

    def __len__(self) -> int:
        return len(self._unpacked())


def _item_counts(
    atoms: Sequence[Atom], flat_by_key: Mapping[str, Sequence[Any]]
) -> dict[Atom, dict[str, dict[int | None, int]]]:
    counts: dict[Atom, dict[str, dict[int | None, int]]] = {}
    for key, flat in flat_by_key.items():
        for j in range(0, len(flat), 3):
            i, value, n = flat[j : j + 3]
            counts.setdefault(atoms[i], {}).setdefault(key, {})[value] = n
    return counts


def _reliability_from(row: list[Any]) -> Reliability:
    alpha, lower, upper, level, n, k, flagged = row
    return Reliability(
        float(alpha), float(lower), float(upper), float(level), int(n), int(k), bool(flagged)
    )
