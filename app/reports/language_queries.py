"""The language aggregates a release reads once, at publication: responses and family-index
sums per (team, level, language) of direct members, in SQL. Nothing here is shown before it
passes app.reports.privacy (app.reports.languages decides the cut)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import func, select

from app.db import Session
from app.reports.languages import LanguageAggregates, LanguageCut, ReleaseCells, decide_languages
from app.reports.privacy.languages import NOT_RECORDED, LanguageAtom
from app.reports.publication import NO_LEVEL, ScoreSums, Shown
from app.reports.snapshot import Aggregates, Decisions, Snapshot
from app.taking.models import FamilyScore, Response


def language_aggregates(survey_id: int) -> LanguageAggregates:
    """Responses and family sums per language atom; a response whose language was not
    recorded (stored before the column) falls under NOT_RECORDED."""
    level = func.coalesce(Response.level_id, NO_LEVEL)
    language = func.coalesce(Response.language, NOT_RECORDED)
    responses: dict[LanguageAtom, int] = {
        (int(team), int(lvl), str(lang)): int(n)
        for team, lvl, lang, n in Session.execute(
            select(Response.team_id, level, language, func.count())
            .where(Response.survey_id == survey_id)
            .group_by(Response.team_id, level, language)
        )
    }
    score = FamilyScore.score
    sums: dict[LanguageAtom, dict[str, ScoreSums]] = {}
    for team, lvl, lang, key, n, total, total_sq in Session.execute(
        select(
            Response.team_id,
            level,
            language,
            FamilyScore.family_key,
            func.count(score),
            func.sum(score),
            func.sum(score * score),
        )
        .join(Response, Response.id == FamilyScore.response_id)
        .where(Response.survey_id == survey_id, score.is_not(None))
        .group_by(Response.team_id, level, language, FamilyScore.family_key)
    ):
        sums.setdefault((int(team), int(lvl), str(lang)), {})[key] = ScoreSums(
            int(n), float(total or 0.0), float(total_sq or 0.0)
        )
    return LanguageAggregates(responses, sums)


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
