"""Aggregates for reports, computed in SQL. Nothing here is shown before it passes
app.reports.privacy."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, case, false, func, or_, select

from app.auth.models import StaffUser
from app.auth.queries import visible_teams_clause
from app.db import Session
from app.instruments.document import InstrumentDocument
from app.instruments.models import InstrumentVersion
from app.instruments.queries import document_of
from app.org.models import PATH_SEPARATOR, Team
from app.reports.privacy import ResponseRate, disclose_response_rates
from app.reports.publication import NO_LEVEL, Atom, Publication, ScoreSums
from app.surveys.models import Invitation, Survey
from app.taking.models import Answer, Comment, DimensionScore, FamilyScore, Response


@dataclass(frozen=True)
class TeamTree:
    """The teams of a survey and their ancestors: parent links and display paths."""

    parents: dict[int, int | None]
    paths: dict[int, str]

    def depth(self, team_id: int) -> int:
        return self.paths[team_id].count(PATH_SEPARATOR)


def survey_team_tree(survey: Survey) -> TeamTree:
    """The teams in the survey's scope plus every ancestor, so that rollups are complete."""
    in_scope = [t.path for t in survey.teams]
    wanted = {
        PATH_SEPARATOR.join(parts[:i])
        for path in in_scope
        for parts in [path.split(PATH_SEPARATOR)]
        for i in range(1, len(parts) + 1)
    }
    rows = Session.execute(
        select(Team.id, Team.parent_id, Team.path).where(Team.path.in_(wanted))
    ).all()
    return TeamTree(
        parents={team_id: parent_id for team_id, parent_id, _ in rows},
        paths={team_id: path for team_id, _, path in rows},
    )


def visible_team_ids(user: StaffUser, team_ids: Collection[int]) -> frozenset[int]:
    """Those of `team_ids` that `user` may see."""
    return frozenset(
        Session.scalars(
            select(Team.id).where(Team.id.in_(list(team_ids)), visible_teams_clause(user))
        )
    )


def list_surveys() -> Sequence[tuple[Survey, ResponseRate]]:
    """Every survey, newest first, with its organisation-wide response rate as disclosure
    control shows it (a responded count below k reads "fewer than k*")."""
    surveys = Session.scalars(select(Survey).order_by(Survey.id.desc())).all()
    return [(survey, response_rates_of(survey)[None]) for survey in surveys]


def response_rates_of(survey: Survey) -> dict[int | None, ResponseRate]:
    """Response rates per team rollup and for the organisation (key None), through the
    disclosure rule: the one source of every responded count a page or command shows."""
    tree = survey_team_tree(survey)
    invited, responded = invitation_counts(survey.id)
    return disclose_response_rates(tree.parents, invited, responded, survey.k_scores)


def invitation_counts(survey_id: int) -> tuple[dict[int, int], dict[int, int]]:
    """(invited, responded) per team, direct members only."""
    responded = func.count(Invitation.id).filter(Invitation.responded.is_(True))
    rows = Session.execute(
        select(Invitation.team_id, func.count(Invitation.id), responded)
        .where(Invitation.survey_id == survey_id)
        .group_by(Invitation.team_id)
    ).all()
    return (
        {team_id: int(n) for team_id, n, _ in rows},
        {team_id: int(r) for team_id, _, r in rows},
    )


# --- score aggregates ---------------------------------------------------------------------


@dataclass(frozen=True)
class FavorableBand:
    """Scores at or above `at_least` (desirable high) or at or below `at_most` (low)."""

    at_least: float | None = None
    at_most: float | None = None


def response_counts(survey_id: int) -> dict[Atom, int]:
    """Responses per atom."""
    level = func.coalesce(Response.level_id, NO_LEVEL)
    rows = Session.execute(
        select(Response.team_id, level, func.count())
        .where(Response.survey_id == survey_id)
        .group_by(Response.team_id, level)
    ).all()
    return {(team, lvl): int(n) for team, lvl, n in rows}


def score_sums(
    survey_id: int, *, families: bool, bands: Mapping[str, FavorableBand]
) -> dict[Atom, dict[str, ScoreSums]]:
    """Per atom and per dimension (or family) key: ScoreSums of the stored scores.

    One GROUP BY over the score table joined to responses; missing scores (below the
    minimum answered items) are not counted. `bands` gives each key's favorable band.
    """
    table = FamilyScore if families else DimensionScore
    key_col = FamilyScore.family_key if families else DimensionScore.dimension_key
    score = table.score
    favorable = or_(
        false(),
        *(
            and_(key_col == key, score >= band.at_least)
            if band.at_least is not None
            else and_(key_col == key, score <= band.at_most)
            for key, band in bands.items()
        ),
    )
    level = func.coalesce(Response.level_id, NO_LEVEL)
    rows = Session.execute(
        select(
            Response.team_id,
            level,
            key_col,
            func.count(score),
            func.sum(score),
            func.sum(score * score),
            func.count(score).filter(favorable),
        )
        .join(Response, Response.id == table.response_id)
        .where(Response.survey_id == survey_id, score.is_not(None))
        .group_by(Response.team_id, level, key_col)
    ).all()
    result: dict[Atom, dict[str, ScoreSums]] = {}
    for team, lvl, key, n, total, total_sq, n_fav in rows:
        result.setdefault((team, lvl), {})[key] = ScoreSums(
            int(n), float(total or 0.0), float(total_sq or 0.0), int(n_fav)
        )
    return result


def item_value_counts(survey_id: int) -> dict[Atom, dict[str, dict[int | None, int]]]:
    """Per atom, item and answer value (None = prefer not to answer): how many answers."""
    level = func.coalesce(Response.level_id, NO_LEVEL)
    rows = Session.execute(
        select(Response.team_id, level, Answer.item_key, Answer.value, func.count())
        .join(Response, Response.id == Answer.response_id)
        .where(Response.survey_id == survey_id)
        .group_by(Response.team_id, level, Answer.item_key, Answer.value)
    ).all()
    result: dict[Atom, dict[str, dict[int | None, int]]] = {}
    for team, lvl, item, value, n in rows:
        result.setdefault((team, lvl), {}).setdefault(item, {})[value] = int(n)
    return result


# --- the publication of a survey ----------------------------------------------------------


def favorable_bands(
    document: InstrumentDocument,
) -> tuple[dict[str, FavorableBand], dict[str, FavorableBand]]:
    """Favorable bands for family indices and dimension scores: a score at or above the
    scale's high band (desirable "high") or at or below its low band (desirable "low")."""
    families: dict[str, FavorableBand] = {}
    for family in document.families:
        scale = next(
            (
                item.scale
                for item in document.scored_items
                if item.scale is not None
                and item.dimension is not None
                and document.dimension(item.dimension).family == family.key
            ),
            None,
        )
        if scale is None:
            continue
        families[family.key] = (
            FavorableBand(at_least=scale.high.first)
            if family.desirable == "high"
            else FavorableBand(at_most=scale.low.last)
        )
    dimensions = {d.key: families[d.family] for d in document.dimensions if d.family in families}
    return families, dimensions


# Publications by (survey, responses so far, k). Responses are insert-only, so the count
# changes whenever the data does; a closed survey's publication is built once per process.
_publications: dict[tuple[int, int, int], Publication] = {}
_MAX_CACHED = 16


def publication_for(survey: Survey) -> Publication:
    """The disclosed team x level view of a survey (cached while its data is unchanged)."""
    total = Session.scalar(
        select(func.count()).select_from(Response).where(Response.survey_id == survey.id)
    )
    key = (survey.id, int(total or 0), survey.k_scores)
    found = _publications.get(key)
    if found is not None:
        return found
    document = document_of(survey.instrument_version)
    family_bands, dimension_bands = favorable_bands(document)
    tree = survey_team_tree(survey)
    publication = Publication(
        tree.parents,
        response_counts(survey.id),
        score_sums(survey.id, families=True, bands=family_bands),
        score_sums(survey.id, families=False, bands=dimension_bands),
        k=survey.k_scores,
        family_keys=[f.key for f in document.families],
        dimension_keys=[d.key for d in document.dimensions],
    )
    if len(_publications) >= _MAX_CACHED:
        _publications.pop(next(iter(_publications)))
    _publications[key] = publication
    return publication


# --- comments, items, reliability, waves --------------------------------------------------


def comment_counts(survey_id: int) -> dict[tuple[int, str], int]:
    """Comments per (team, prompt), direct members only."""
    rows = Session.execute(
        select(Comment.team_id, Comment.prompt_key, func.count())
        .where(Comment.survey_id == survey_id)
        .group_by(Comment.team_id, Comment.prompt_key)
    ).all()
    return {(team, prompt): int(n) for team, prompt, n in rows}


def comment_texts(survey_id: int, team_ids: Collection[int], prompt_key: str) -> list[str]:
    """The texts of one prompt's comments from a set of teams: text only, no id, no date.
    The caller shuffles them (privacy.shuffle_comments) after disclosure allowed them."""
    return list(
        Session.scalars(
            select(Comment.text).where(
                Comment.survey_id == survey_id,
                Comment.prompt_key == prompt_key,
                Comment.team_id.in_(list(team_ids)),
            )
        )
    )


def item_matrix(survey_id: int, item_keys: Sequence[str]) -> list[tuple[int | None, ...]]:
    """One row per response with its raw answers to `item_keys` (None = missing), pivoted in
    SQL (one conditional aggregate per item), for reliability analysis."""
    columns = [
        func.max(case((Answer.item_key == key, Answer.value), else_=None)) for key in item_keys
    ]
    rows = Session.execute(
        select(*columns)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.survey_id == survey_id, Answer.item_key.in_(list(item_keys)))
        .group_by(Answer.response_id)
    ).all()
    return [tuple(row) for row in rows]


def waves_of(survey: Survey) -> list[Survey]:
    """The surveys of the same instrument (any version), oldest first: the waves a trend
    can follow. Drafts have no data and are left out."""
    return list(
        Session.scalars(
            select(Survey)
            .join(InstrumentVersion, InstrumentVersion.id == Survey.instrument_version_id)
            .where(
                InstrumentVersion.instrument_id == survey.instrument_version.instrument_id,
                Survey.state != "draft",
            )
            .order_by(Survey.opens_at.is_(None), Survey.opens_at, Survey.id)
        )
    )
