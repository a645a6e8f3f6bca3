"""The language aggregates a release reads once, at publication: responses and family-index
sums per (team, level, language) of direct members. The only reader of the responses' sealed
languages: it unseals them in memory and writes them nowhere; nothing here is shown before
it passes app.reports.privacy (app.reports.languages decides the cut)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import func, select

from app.ballots.keys import BallotKeys, ballot_keys
from app.ballots.language import unseal_language
from app.db import Session
from app.reports.languages import LanguageAggregates, LanguageCut, ReleaseCells, decide_languages
from app.reports.privacy.languages import NOT_RECORDED, LanguageAtom
from app.reports.publication import NO_LEVEL, ScoreSums, Shown
from app.reports.snapshot import Aggregates, Decisions, Snapshot
from app.taking.models import FamilyScore, Response


def language_aggregates(survey_id: int) -> LanguageAggregates:
    """Responses and family sums per language atom.

    The responses' languages are sealed (app.ballots.language): they are unsealed here, in
    memory, and leave this function only as the atoms' counts and sums, which the cut then
    decides through the privacy module. A response whose language cannot be unsealed (none
    stored, its key no longer configured, damaged) or was not recorded falls under
    NOT_RECORDED: it counts in totals only.
    """
    keys: BallotKeys | None = None  # looked up at the first sealed language
    level = func.coalesce(Response.level_id, NO_LEVEL)
    atom_of: dict[uuid.UUID, LanguageAtom] = {}
    responses: Counter[LanguageAtom] = Counter()
    for response_id, team, lvl, sealed in Session.execute(
        select(Response.id, Response.team_id, level, Response.language_sealed).where(
            Response.survey_id == survey_id
        )
    ):
        language = None
        if sealed is not None:
            keys = keys or ballot_keys()
            language = unseal_language(keys, sealed, survey_id)
        atom = (int(team), int(lvl), NOT_RECORDED if language is None else language)
        atom_of[response_id] = atom
        responses[atom] += 1
    score = FamilyScore.score
    # (n, sum, sum of squares) per atom and family, added up in Python: grouping by a
    # sealed value in SQL would group by response.
    running: dict[LanguageAtom, dict[str, list[float]]] = {}
    for response_id, key, value in Session.execute(
        select(FamilyScore.response_id, FamilyScore.family_key, score)
        .join(Response, Response.id == FamilyScore.response_id)
        .where(Response.survey_id == survey_id, score.is_not(None))
    ):
        if value is None:  # excluded by the query; keeps the sums' types plain
            continue
        by_key = running.setdefault(atom_of[response_id], {})
        found = by_key.get(key)
        if found is None:
            by_key[key] = [1, value, value * value]
        else:
            found[0] += 1
            found[1] += value
            found[2] += value * value
    sums = {
        atom: {
            key: ScoreSums(int(n), float(total), float(total_sq))
            for key, (n, total, total_sq) in by_key.items()
        }
        for atom, by_key in running.items()
    }
    return LanguageAggregates(dict(responses), sums)


def release_language_cut(
    survey_id: int,
    k: int,
    current: Aggregates,
    decisions: Decisions,
    earlier: Sequence[Snapshot],
) -> tuple[LanguageCut, Decisions]:
    """The language cut of a release being published (app.reports.languages), decided
    with its own decisions and every earlier release's, and the release's decisions with
    the reasons of its hidden response counts as decided together with the cut's."""

    def cells(aggregates: Aggregates, decided: Decisions) -> ReleaseCells:
        shown: dict[str | None, Shown] = {None: decided.responses}
        shown.update(decided.scores)
        return ReleaseCells(aggregates.parents, shown, decided.reasons)

    cut = decide_languages(
        language_aggregates(survey_id),
        cells(current, decisions),
        [(cells(s.aggregates, s.decisions), s.languages()) for s in earlier],
        k=k,
        family_keys=current.family_keys,
        scales=current.scales,
    )
    if cut.total_reasons is None:
        return cut, decisions
    reasons = {**decisions.reasons, None: cut.total_reasons}
    return cut, replace(decisions, reasons=reasons)
