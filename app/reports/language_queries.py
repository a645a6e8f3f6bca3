"""The language aggregates a release reads once, at publication: responses and family-index
sums per (team, level, language) of direct members. The only reader of the responses' sealed
languages: it unseals them in memory and writes them nowhere; nothing here is shown before
it passes app.reports.privacy (app.reports.languages decides the cut)."""

from __future__ import annotations

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
    unsealed: dict[bytes, str] = {}

    def language_of(sealed: bytes | None) -> str:
        nonlocal keys
        if sealed is None:
            return NOT_RECORDED
        sealed = bytes(sealed)
        if sealed not in unsealed:
            keys = keys or ballot_keys()
            unsealed[sealed] = unseal_language(keys, sealed, survey_id) or NOT_RECORDED
        return unsealed[sealed]

    # Grouped by the sealed value in SQL: the responses without one collapse into one row per
    # team and level as before; a sealed value is unique (its random nonce), so those are
    # grouped per response and added up here, after unsealing.
    level = func.coalesce(Response.level_id, NO_LEVEL)
    sealed_column = Response.language_sealed
    responses: Counter[LanguageAtom] = Counter()
    for team, lvl, sealed, n in Session.execute(
        select(Response.team_id, level, sealed_column, func.count())
        .where(Response.survey_id == survey_id)
        .group_by(Response.team_id, level, sealed_column)
    ):
        responses[(int(team), int(lvl), language_of(sealed))] += int(n)
    score = FamilyScore.score
    running: dict[LanguageAtom, dict[str, list[float]]] = {}
    for team, lvl, sealed, key, n, total, total_sq in Session.execute(
        select(
            Response.team_id,
            level,
            sealed_column,
            FamilyScore.family_key,
            func.count(score),
            func.sum(score),
            func.sum(score * score),
        )
        .join(Response, Response.id == FamilyScore.response_id)
        .where(Response.survey_id == survey_id, score.is_not(None))
        .group_by(Response.team_id, level, sealed_column, FamilyScore.family_key)
    ):
        by_key = running.setdefault((int(team), int(lvl), language_of(sealed)), {})
        found = by_key.setdefault(key, [0, 0.0, 0.0])
        found[0] += int(n)
        found[1] += float(total or 0.0)
        found[2] += float(total_sq or 0.0)
    sums = {
        atom: {
            key: ScoreSums(int(n), total, total_sq) for key, (n, total, total_sq) in by_key.items()
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
