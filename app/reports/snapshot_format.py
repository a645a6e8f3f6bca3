"""How a release's snapshot is stored: sections, each compressed JSON, read when needed.

Pure (no Flask, no session). A page reads a few parts of a release: the overview the score
sums and decisions, the heatmap one level filter's test family, the items page the answer
counts, the comments page the texts. So the stored snapshot is a small header and named
sections, each compressed on its own, and a read decompresses and parses only the sections
it touches:

``core``
    thresholds, the team tree, the keys, the atoms with their response counts and score sums,
    the decisions on responses, scores and comment groups, invitations, reliability, and
    each statistic's percent favourable per shown cell (``favourable``: favourable answers
    and answers; absent from releases stored before it, which compute it when read), and
    why hidden cells are hidden where the release tells it (``reasons``: under k or
    withheld to protect a smaller group; absent from releases stored before it, whose hidden
    cells read the generic label);
``items``
    each item's answer counts per atom (about 200k numbers at 200 teams x 3 levels x 52
    items, the bulk of a release), the items' decisions and their told reasons;
``comments/<prompt key>``
    one prompt's listed texts, once each, and each shown group as indices into them;
``comparisons/all``, ``comparisons/<level id>``
    the release's test family at each level filter (app.reports.publication.Comparison);
``reliability``
    each dimension's alpha and item-rest correlations per shown cell with enough complete
    answers, and its within-team agreement per level filter (app.reports.reliability).
    Releases stored before it hold the organisation's alpha only, in ``core``.
``item_report``
    the item report's stored part (app.reports.item_report): each dimension's alpha,
    item-rest correlations and alpha-if-item-deleted per shown cell with enough complete
    answers, and which cells may show how many were asked the items not asked of everybody.
    Releases stored before it have none (`Snapshot.items_report` is None).
``languages``
    the language cut (app.reports.languages): responses and family sums per (team, level,
    language) and, where the release cuts by language, its shown language cells and told
    reasons. Releases stored before it have none (`Snapshot.languages` is None).
``drivers``
    the key drivers (app.reports.drivers): per shown group (the organisation, each
    department) the relative weights of the dimensions for the outcomes index with their
    bootstrap intervals, R^2 and the number of complete responses, or why they were not
    computed. Releases stored before it have none (`Snapshot.drivers` is None).

Layout: ``MAGIC``, the header's length (4 bytes, big-endian), the header (JSON: the
sections' names and compressed lengths, in order), then the sections. Snapshots stored
before sections existed (one compressed JSON document, "format 1") still decode; their test
families are then computed when first read.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from app.reports.drivers import GroupDrivers, ReleaseDrivers
from app.reports.item_report import ReleaseItemReport, item_report_from_json, item_report_json
from app.reports.languages import LanguageCut
from app.reports.privacy import REASONS, Reason
from app.reports.publication import (
    Atom,
    CellKey,
    Comparison,
    Comparisons,
    FavourableShare,
    LevelFilter,
    Reasons,
    ScoreSums,
    Shown,
)
from app.reports.reliability import ReleaseReliability, TeamAgreement
from app.reports.snapshot import Aggregates, Decisions, Snapshot
from app.reports.stats import RELIABILITY_MIN_N, Reliability, ScaleReliability
from app.reports.stats.drivers import DriverWeight, KeyDrivers, NoDrivers

MAGIC = b"mutuality-release-2\n"
K = TypeVar("K")
V = TypeVar("V")
Section = Callable[[str], Any]


def encode(snapshot: Snapshot) -> bytes:
    """The snapshot as sections (see the module docstring); the test family of every level
    filter is computed here if the snapshot does not hold it yet."""
    sections = _sections(snapshot)
    names = list(sections)
    packed = [zlib.compress(_dumps(sections[name]), 6) for name in names]
    header = _dumps({"sections": [[name, len(p)] for name, p in zip(names, packed, strict=True)]})
    return b"".join([MAGIC, len(header).to_bytes(4, "big"), header, *packed])


def decode(blob: bytes) -> Snapshot:
    """The snapshot stored by `encode` (or by the single-document format before it)."""
    if not blob.startswith(MAGIC):
        return _from_document(json.loads(zlib.decompress(blob)))
    offsets = _section_offsets(blob)
    parsed: dict[str, Any] = {}

    def section(name: str) -> Any:
        if name not in parsed:
            begin, finish = offsets[name]  # KeyError: the release has no such section
            parsed[name] = json.loads(zlib.decompress(blob[begin:finish]))
        return parsed[name]

    return _from_sections(section)


def read_sections(blob: bytes) -> dict[str, Any]:
    """Every section of a stored snapshot, parsed (for audits and tests)."""
    return {
        name: json.loads(zlib.decompress(blob[begin:finish]))
        for name, (begin, finish) in _section_offsets(blob).items()
    }


def _section_offsets(blob: bytes) -> dict[str, tuple[int, int]]:
    start = len(MAGIC) + 4
    end = start + int.from_bytes(blob[len(MAGIC) : start], "big")
    offsets: dict[str, tuple[int, int]] = {}
    at = end
    for name, length in json.loads(blob[start:end])["sections"]:
        offsets[name] = (at, at + length)
        at += length
    return offsets


def _dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def level_section(level: LevelFilter) -> str:
    return "comparisons/all" if level is None else f"comparisons/{level}"


# --- writing ------------------------------------------------------------------------------


def _atom_scores(a: Aggregates, index: Mapping[Atom, int]) -> dict[str, list[list[float]]]:
    """Each score's sums per atom, as [atom index, n, total, total_sq, people favourable]."""
    scores: dict[str, list[list[float]]] = {}
    for sums in (a.family_sums, a.dimension_sums):
        for atom, by_key in sums.items():
            for key, v in by_key.items():
                scores.setdefault(key, []).append(
                    [index[atom], v.n, v.total, v.total_sq, v.people_favourable]
                )
    return scores


def _atom_items(a: Aggregates, index: Mapping[Atom, int]) -> dict[str, list[int | None]]:
    """Each item's answer counts as flat (atom index, value, count) triples: compact."""
    items: dict[str, list[int | None]] = {}
    for atom, by_item in a.items.items():
        for key, values in by_item.items():
            flat = items.setdefault(key, [])
            for value, n in values.items():
                flat.extend((index[atom], value, n))
    return items


def _sections(s: Snapshot) -> dict[str, Any]:
    a, d = s.aggregates, s.decisions
    atoms = sorted({*a.responses, *a.family_sums, *a.dimension_sums, *a.items})
    index = {atom: i for i, atom in enumerate(atoms)}
    scores = _atom_scores(a, index)
    items = _atom_items(a, index)
    publication = s.publication()
    sections: dict[str, Any] = {
        "core": {
            "k": s.k,
            "k_comments": s.k_comments,
            "teams": [[t, a.parents[t], a.paths.get(t, "")] for t in sorted(a.parents)],
            "keys": [a.family_keys, a.dimension_keys, a.item_keys, a.prompt_keys],
            "atoms": [[team, level, a.responses.get((team, level), 0)] for team, level in atoms],
            "scores": scores,
            "comment_counts": [[t, p, n] for (t, p), n in sorted(a.comment_counts.items())],
            "invited": sorted(a.invited.items()),
            "scales": {key: list(ends) for key, ends in sorted(a.scales.items())},
            "shown": {
                "responses": _cells_json(d.responses),
                "scores": {key: _cells_json(v) for key, v in d.scores.items()},
                "comments": {
                    p: [[g, n] for g, n in sorted(v.items(), key=repr)]
                    for p, v in d.comments.items()
                },
            },
            "reliability": None,  # in its own section since sections exist
        },
        "items": {
            "counts": items,
            "shown": {key: _cells_json(v) for key, v in d.items.items()},
            "reasons": {key: _reasons_json(v) for key, v in d.item_reasons.items()},
        },
    }
    sections["core"]["reasons"] = {
        "responses": _reasons_json(d.reasons.get(None, {})),
        "scores": {key: _reasons_json(v) for key, v in d.reasons.items() if key is not None},
    }
    if s.favourable is not None:
        sections["core"]["favourable"] = {
            key: [
                [team, level, share.favourable, share.answers]
                for (team, level), share in sorted(cells.items(), key=repr)
            ]
            for key, cells in s.favourable.items()
        }
    reliability = s.scales()
    if reliability is not None:
        sections["reliability"] = _reliability_json(reliability)
    drivers = s.drivers()
    if drivers is not None:
        sections["drivers"] = _drivers_json(drivers)
    languages = s.languages()
    if languages is not None:
        sections["languages"] = languages.stored()
    item_report = s.items_report()
    if item_report is not None:
        sections["item_report"] = item_report_json(item_report)
    for prompt, groups in s.comments.items():
        sections[f"comments/{prompt}"] = _texts_json(groups)
    for level in (None, *publication.levels):
        family = publication.comparisons(level)
        sections[level_section(level)] = [c.stored() for c in family.values()]
    return sections


def _reasons_json(reasons: Reasons) -> list[list[int | str | None]]:
    return [[team, level, why] for (team, level), why in sorted(reasons.items(), key=repr)]


def _reasons_from(rows: list[list[Any]]) -> dict[CellKey, Reason]:
    return {(team, level): why for team, level, why in rows if why in REASONS}


def _cells_json(shown: Shown) -> list[list[int | None]]:
    return [[team, level, n] for (team, level), n in sorted(shown.items(), key=repr)]


def _reliability_json(r: ReleaseReliability) -> dict[str, Any]:
    def alpha(a: Reliability) -> list[Any]:
        return [a.alpha, a.lower, a.upper, a.level, a.n, a.k, a.flagged]

    return {
        "min_n": r.min_n,
        "items": r.items,
        "cells": [
            [team, level, key, alpha(v.alpha), list(v.item_rest or ())]
            for ((team, level), key), v in sorted(r.cells.items(), key=repr)
            if v.alpha is not None
        ],
        "agreement": [
            [level, key, a.teams, a.median_rwg, a.agreeing]
            for (level, key), a in sorted(r.agreement.items(), key=repr)
        ],
        "complete_shown": {
            key: [[team, level] for team, level in sorted(cells, key=repr)]
            for key, cells in sorted(r.complete_shown.items())
        },
    }


def _drivers_json(d: ReleaseDrivers) -> dict[str, Any]:
    def group(result: GroupDrivers) -> list[Any]:
        if isinstance(result, NoDrivers):
            return [None, result.reason, result.key, result.n]
        weights = [
            [key, w.weight, w.weight_lower, w.weight_upper, w.share, w.lower, w.upper]
            for key, w in result.weights.items()
        ]
        r2 = [result.r_squared, result.r_squared_lower, result.r_squared_upper]
        return [result.n, r2, weights, result.draws, result.level]

    return {
        "outcome": d.outcome,
        "predictors": list(d.predictors),
        "min_per_predictor": d.min_per_predictor,
        "draws": d.draws,
        "seed": list(d.seed),
        "unavailable": d.unavailable,
        "groups": [[g, *group(result)] for g, result in sorted(d.groups.items(), key=repr)],
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


# --- reading ------------------------------------------------------------------------------


def _from_document(doc: dict[str, Any]) -> Snapshot:
    """A snapshot of the single-document format: its parts read as sections."""
    if doc.get("format") != 1:
        raise ValueError(f"unknown snapshot format {doc.get('format')!r}")
    shown = doc["shown"]
    parts = {
        "core": doc,
        "items": {"counts": doc["items"], "shown": shown["items"]},
        **{f"comments/{p}": block for p, block in doc["comments"].items()},
    }
    return _from_sections(parts.__getitem__)


def _from_sections(section: Section) -> Snapshot:
    core = section("core")
    atoms: list[Atom] = [(team, level) for team, level, _ in core["atoms"]]
    family_keys, dimension_keys, item_keys, prompt_keys = (tuple(k) for k in core["keys"])
    family_sums: dict[Atom, dict[str, ScoreSums]] = {}
    dimension_sums: dict[Atom, dict[str, ScoreSums]] = {}
    for key, rows in core["scores"].items():
        target = family_sums if key in family_keys else dimension_sums
        for i, n, total, total_sq, people_favourable in rows:
            target.setdefault(atoms[i], {})[key] = ScoreSums(
                int(n), float(total), float(total_sq), int(people_favourable)
            )
    aggregates = Aggregates(
        parents={t: parent for t, parent, _ in core["teams"]},
        paths={t: path for t, _, path in core["teams"]},
        responses={(t, lv): n for t, lv, n in core["atoms"] if n},
        family_sums=family_sums,
        dimension_sums=dimension_sums,
        items=_Unpacked[Atom, Mapping[str, Mapping[int | None, int]]](
            lambda: _item_counts(atoms, section("items")["counts"])
        ),
        comment_counts={(t, p): n for t, p, n in core["comment_counts"]},
        invited=dict(core["invited"]),
        # absent before scales were kept: those releases keep their t intervals
        scales={key: (lo, hi) for key, (lo, hi) in core.get("scales", {}).items()},
        family_keys=family_keys,
        dimension_keys=dimension_keys,
        item_keys=item_keys,
        prompt_keys=prompt_keys,
    )
    shown = core["shown"]
    decisions = Decisions(
        responses=_cells_from(shown["responses"]),
        scores={key: _cells_from(v) for key, v in shown["scores"].items()},
        items=_Unpacked(
            lambda: {key: _cells_from(v) for key, v in section("items")["shown"].items()}
        ),
        comments={p: dict(v) for p, v in shown["comments"].items()},
        # absent before reasons were kept: every hidden cell reads the generic label
        reasons=_stored_reasons(core.get("reasons")),
        item_reasons=_Unpacked(
            lambda: {
                key: _reasons_from(rows)
                for key, rows in section("items").get("reasons", {}).items()
            }
        ),
    )
    return Snapshot(
        k=core["k"],
        k_comments=core["k_comments"],
        aggregates=aggregates,
        decisions=decisions,
        comments={p: _Unpacked(_comment_texts(section, p)) for p in prompt_keys},
        reliability=None,
        stored_reliability=lambda: _release_reliability_from(section, core.get("reliability")),
        stored_comparisons=lambda level: _comparisons_from(section, level),
        favourable=_favourable_from(core.get("favourable")),
        stored_drivers=lambda: _drivers_from(section),
        stored_languages=lambda: _languages_from(section, aggregates),
        stored_item_report=lambda: _item_report_from(section),
    )


def _item_report_from(section: Section) -> ReleaseItemReport | None:
    """The stored item report; None for a release stored before item reports."""
    try:
        block = section("item_report")
    except KeyError:
        return None
    return item_report_from_json(block)


def _languages_from(section: Section, aggregates: Aggregates) -> LanguageCut | None:
    """The stored language cut; None for a release stored before languages were recorded."""
    try:
        block = section("languages")
    except KeyError:
        return None
    return LanguageCut.from_stored(
        block, k=section("core")["k"], parents=aggregates.parents, scales=aggregates.scales
    )


def _drivers_from(section: Section) -> ReleaseDrivers | None:
    """The stored key drivers; None for a release stored before they were computed."""
    try:
        block = section("drivers")
    except KeyError:
        return None
    groups: dict[int | None, GroupDrivers] = {}
    for group, n, *rest in block["groups"]:
        if n is None:
            reason, key, count = rest
            groups[group] = NoDrivers(reason, key, count)
            continue
        (r2, r2_lower, r2_upper), weights, draws, level = rest
        groups[group] = KeyDrivers(
            int(n),
            float(r2),
            float(r2_lower),
            float(r2_upper),
            {key: DriverWeight(*(float(v) for v in values)) for key, *values in weights},
            int(draws),
            float(level),
        )
    return ReleaseDrivers(
        block["outcome"],
        tuple(block["predictors"]),
        groups,
        int(block["min_per_predictor"]),
        int(block["draws"]),
        tuple(block["seed"]),
        block["unavailable"],
    )


def _stored_reasons(stored: Mapping[str, Any] | None) -> dict[str | None, Reasons]:
    if stored is None:
        return {}
    reasons: dict[str | None, Reasons] = {None: _reasons_from(stored["responses"])}
    reasons.update({key: _reasons_from(rows) for key, rows in stored["scores"].items()})
    return reasons


def _favourable_from(
    stored: Mapping[str, list[list[Any]]] | None,
) -> dict[str, dict[CellKey, FavourableShare]] | None:
    if stored is None:  # stored before releases kept it: computed when read
        return None
    return {
        key: {(team, level): FavourableShare(int(f), int(a)) for team, level, f, a in rows}
        for key, rows in stored.items()
    }


def _cells_from(rows: list[list[int | None]]) -> dict[CellKey, int]:
    return {(team, level): int(n) for team, level, n in rows if n is not None}


def _comment_texts(section: Section, prompt: str) -> Callable[[], dict[int | None, Sequence[str]]]:
    """One prompt's listed texts per group, unpacked when the comments page reads them."""

    def unpack() -> dict[int | None, Sequence[str]]:
        try:
            block = section(f"comments/{prompt}")
        except KeyError:  # no group of this prompt is listed
            return {}
        texts = block["texts"]
        return {group: [texts[i] for i in indices] for group, indices in block["groups"]}

    return unpack


def _comparisons_from(section: Section, level: LevelFilter) -> Comparisons | None:
    """A level filter's stored test family, or None where the release holds none."""
    try:
        rows = section(level_section(level))
    except KeyError:
        return None
    found = (Comparison.from_stored(row) for row in rows)
    return {(c.team, c.key): c for c in found}


class _Unpacked(Mapping[K, V]):
    """A stored mapping unpacked on first use: only the items page and the next release's
    decisions read the item counts, only the comments page the texts."""

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
) -> dict[Atom, Mapping[str, Mapping[int | None, int]]]:
    counts: dict[Atom, dict[str, dict[int | None, int]]] = {}
    for key, flat in flat_by_key.items():
        for j in range(0, len(flat), 3):
            i, value, n = flat[j : j + 3]
            counts.setdefault(atoms[i], {}).setdefault(key, {})[value] = n
    return dict(counts)


def _reliability_from(row: list[Any]) -> Reliability:
    alpha, lower, upper, level, n, k, flagged = row
    return Reliability(
        float(alpha), float(lower), float(upper), float(level), int(n), int(k), bool(flagged)
    )


def _release_reliability_from(
    section: Section, organisation: Mapping[str, Any] | None
) -> ReleaseReliability | None:
    """The stored reliability section; for a release stored before it, the organisation's
    alpha per dimension from the core (every other cell then reads "not stored")."""
    cells: dict[tuple[CellKey, str], ScaleReliability] = {}
    try:
        block = section("reliability")
    except KeyError:
        if organisation is None:
            return None
        cells = {
            ((None, None), key): ScaleReliability(a.n, a.k, a, None)
            for key, row in organisation.items()
            if row is not None
            for a in [_reliability_from(row)]
        }
        return ReleaseReliability(
            RELIABILITY_MIN_N, dict.fromkeys(organisation, 2), cells, {}, complete=False
        )
    for team, level, key, alpha, item_rest in block["cells"]:
        a = _reliability_from(alpha)
        rest = tuple(None if r is None else float(r) for r in item_rest)
        cells[((team, level), key)] = ScaleReliability(a.n, a.k, a, rest)
    agreement = {
        (level, key): TeamAgreement(int(teams), float(median), float(agreeing))
        for level, key, teams, median, agreeing in block["agreement"]
    }
    # Stored since a dimension's complete answers follow who was asked its items (none before)
    complete_shown = {
        key: frozenset((team, level) for team, level in rows)
        for key, rows in block.get("complete_shown", {}).items()
    }
    return ReleaseReliability(
        int(block["min_n"]),
        dict(block["items"]),
        cells,
        agreement,
        complete_shown=complete_shown,
    )
