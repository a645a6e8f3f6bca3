"""Aggregates for reports, computed in SQL, and the releases that store them. Nothing here
is shown before it passes app.reports.privacy; pages read releases only (the live
aggregates are read once, when a release is published)."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
from sqlalchemy import and_, case, false, func, or_, select

from app.auth.models import StaffUser
from app.auth.queries import visible_teams_clause
from app.db import Session
from app.i18n import _
from app.instruments.document import InstrumentDocument
from app.instruments.models import InstrumentVersion
from app.instruments.queries import document_of
from app.org.models import PATH_SEPARATOR, Team
from app.reports import pages
from app.reports.models import Release
from app.reports.privacy import Disclosed, ResponseRate
from app.reports.publication import NO_LEVEL, Atom, Publication, ScoreSums
from app.reports.snapshot import Aggregates, Snapshot
from app.reports.snapshot_format import decode
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


class Unreleased(Disclosed):
    """The responded count of a survey with no release yet: nothing is shown, and the label
    says why (not "fewer than k", which would be untrue)."""

    __slots__ = ()

    @property
    def label(self) -> str:
        return _("no release yet")


def latest_releases() -> dict[int, Release]:
    """Each survey's latest release, by survey id, in one query (the report list and the
    staff homes label every survey with it)."""
    latest = (
        select(Release.survey_id, func.max(Release.number).label("number"))
        .group_by(Release.survey_id)
        .subquery()
    )
    found = Session.scalars(
        select(Release).join(
            latest, and_(Release.survey_id == latest.c.survey_id, Release.number == latest.c.number)
        )
    )
    return {release.survey_id: release for release in found}


def list_surveys() -> Sequence[tuple[Survey, ResponseRate]]:
    """Every survey, newest first, with its organisation-wide response rate as its latest
    release shows it (a responded count below k reads "fewer than k*"; a survey without a
    release reads "no release yet"). Read from the releases' columns: no snapshot opens."""
    latest = (
        select(Release.survey_id, func.max(Release.number).label("number"))
        .group_by(Release.survey_id)
        .subquery()
    )
    rows = Session.execute(
        select(Survey, Release.responded, Release.invited)
        .outerjoin(latest, latest.c.survey_id == Survey.id)
        .outerjoin(Release, and_(Release.survey_id == Survey.id, Release.number == latest.c.number))
        .order_by(Survey.id.desc())
    ).all()
    result: list[tuple[Survey, ResponseRate]] = []
    for survey, responded, released_invited in rows:
        invited = cast(int | None, released_invited)  # None: no release (outer join)
        if invited is None:
            rate = ResponseRate(
                sum(invited_counts(survey.id).values()), Unreleased(False, None, survey.k_scores)
            )
        elif responded is None:
            rate = ResponseRate(invited, Disclosed.hidden(survey.k_scores))
        else:
            rate = ResponseRate(invited, Disclosed.visible(responded, survey.k_scores))
        result.append((survey, rate))
    return result


def response_rates_of(
    survey: Survey, release: Release | None = None
) -> dict[int | None, ResponseRate]:
    """Response rates per team rollup and for the organisation (key None) as a release
    (by default the latest) shows them: the one source of every responded count a page or
    command shows. Without a release, only the organisation's invitations, and no count."""
    release = release or latest_release(survey.id)
    if release is None:
        invited = sum(invited_counts(survey.id).values())
        return {None: ResponseRate(invited, Unreleased(False, None, survey.k_scores))}
    return snapshot_of(release).response_rates()


def invited_counts(survey_id: int) -> dict[int, int]:
    """Invitations per team, direct members only (not masked: HR imported them)."""
    rows = Session.execute(
        select(Invitation.team_id, func.count(Invitation.id))
        .where(Invitation.survey_id == survey_id)
        .group_by(Invitation.team_id)
    ).all()
    return {team_id: int(n) for team_id, n in rows}


# --- releases -----------------------------------------------------------------------------


def releases_of(survey_id: int) -> list[Release]:
    """A survey's releases, first to last."""
    return list(
        Session.scalars(
            select(Release).where(Release.survey_id == survey_id).order_by(Release.number)
        )
    )


def latest_release(survey_id: int) -> Release | None:
    return Session.scalars(
        select(Release)
        .where(Release.survey_id == survey_id)
        .order_by(Release.number.desc())
        .limit(1)
    ).first()


def release_numbered(survey_id: int, number: int) -> Release | None:
    return Session.scalars(
        select(Release).where(Release.survey_id == survey_id, Release.number == number)
    ).first()


# Decoded snapshots by digest: a release never changes, so a process decodes each once.
_snapshots: dict[str, Snapshot] = {}
MAX_CACHED_SNAPSHOTS = 16


def snapshot_of(release: Release) -> Snapshot:
    """The release's snapshot, decoded (cached by its digest)."""
    found = _snapshots.get(release.digest)
    if found is not None:
        return found
    snapshot = decode(release.snapshot)
    if snapshot.favourable is None:  # stored before releases kept percent favourable
        survey = Session.get_one(Survey, release.survey_id)
        keying = pages.favourable_keying(document_of(survey.instrument_version))
        snapshot = snapshot.with_favourable(keying)
    if len(_snapshots) >= MAX_CACHED_SNAPSHOTS:
        _snapshots.pop(next(iter(_snapshots)))
    _snapshots[release.digest] = snapshot
    return snapshot


def publication_for(survey: Survey) -> Publication | None:
    """The disclosed team x level view of the survey's latest release (None: no release)."""
    release = latest_release(survey.id)
    return None if release is None else snapshot_of(release).publication()


# --- score aggregates ---------------------------------------------------------------------


@dataclass(frozen=True)
class FavorableBand:
    """Scores at or above `at_least` (desirable high) or at or below `at_most` (low): what
    `ScoreSums.people_favourable` counts (people, not answers; shown nowhere)."""

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


def survey_aggregates(survey: Survey) -> Aggregates:
    """Every additive aggregate of the survey's responses now, per atom: what a release
    stores (one pass of GROUP BY queries)."""
    document = document_of(survey.instrument_version)
    family_bands, dimension_bands = favorable_bands(document)
    tree = survey_team_tree(survey)
    return Aggregates(
        parents=tree.parents,
        paths=tree.paths,
        responses=response_counts(survey.id),
        family_sums=score_sums(survey.id, families=True, bands=family_bands),
        dimension_sums=score_sums(survey.id, families=False, bands=dimension_bands),
        items=item_value_counts(survey.id),
        comment_counts=comment_counts(survey.id),
        invited=invited_counts(survey.id),
        family_keys=tuple(f.key for f in document.families),
        dimension_keys=tuple(d.key for d in document.dimensions),
        item_keys=tuple(i.key for i in document.scored_items),
        prompt_keys=tuple(p.key for p in document.prompts),
        scales=score_scales(document),
    )


def score_scales(document: InstrumentDocument) -> dict[str, tuple[float, float]]:
    """Each dimension's and family's scale ends (a family's dimensions share one scale):
    a score is a mean of keyed answers, so it lies between them."""
    scales: dict[str, tuple[float, float]] = {}
    by_dimension = document.items_by_dimension()
    for dimension in document.dimensions:
        scale = next((i.scale for i in by_dimension[dimension.key] if i.scale), None)
        if scale is not None:
            scales[dimension.key] = (float(scale.min), float(scale.max))
            scales.setdefault(dimension.family, scales[dimension.key])
    return scales


# --- comments, items, reliability, waves --------------------------------------------------


def comment_counts(survey_id: int) -> dict[tuple[int, str], int]:
    """Comments per (team, prompt), direct members only."""
    rows = Session.execute(
        select(Comment.team_id, Comment.prompt_key, func.count())
        .where(Comment.survey_id == survey_id)
        .group_by(Comment.team_id, Comment.prompt_key)
    ).all()
    return {(team, prompt): int(n) for team, prompt, n in rows}


def comment_texts_by_team(survey_id: int, prompt_key: str) -> dict[int, list[str]]:
    """The texts of one prompt's comments per team (direct members): text only, no id, no
    date. Read once, at a release, which keeps those its disclosure lists, shuffled."""
    texts: dict[int, list[str]] = {}
    for team, text in Session.execute(
        select(Comment.team_id, Comment.text).where(
            Comment.survey_id == survey_id, Comment.prompt_key == prompt_key
        )
    ):
        texts.setdefault(team, []).append(text)
    return texts


def item_rows(
    survey_id: int, item_keys: Sequence[str]
) -> list[tuple[int, int, tuple[int | None, ...]]]:
    """One row per response: its atom (team, level) and its raw answers to `item_keys`
    (None = missing), pivoted in SQL (one conditional aggregate per item). Read once, at a
    release, for the reliability sums of each atom (app.reports.reliability)."""
    columns = [
        func.max(case((Answer.item_key == key, Answer.value), else_=None)) for key in item_keys
    ]
    rows = Session.execute(
        select(Response.team_id, func.coalesce(Response.level_id, NO_LEVEL), *columns)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.survey_id == survey_id, Answer.item_key.in_(list(item_keys)))
        .group_by(Answer.response_id, Response.team_id, Response.level_id)
    ).all()
    return [(int(row[0]), int(row[1]), tuple(row[2:])) for row in rows]


def driver_scores(
    survey_id: int, predictors: Sequence[str], outcome: str
) -> tuple[np.ndarray, np.ndarray]:
    """Every complete response's team and scores for the key drivers: the `predictors`'
    dimension scores, then the `outcome` family index (n x (p + 1)); a response missing any
    of them is left out (listwise). One query, pivoted in SQL (one conditional aggregate per
    dimension over the score table's (response, key) order). No response id leaves the
    database. Read once, at a release (app.reports.drivers)."""
    key = DimensionScore.dimension_key
    columns = [func.max(case((key == k, DimensionScore.score), else_=None)) for k in predictors]
    rows = Session.execute(
        select(Response.team_id, *columns, FamilyScore.score)
        .join(Response, Response.id == DimensionScore.response_id)
        .join(
            FamilyScore,
            and_(
                FamilyScore.response_id == DimensionScore.response_id,
                FamilyScore.family_key == outcome,
            ),
        )
        .where(
            Response.survey_id == survey_id,
            key.in_(list(predictors)),
            DimensionScore.score.is_not(None),
            FamilyScore.score.is_not(None),
        )
        .group_by(DimensionScore.response_id, Response.team_id, FamilyScore.score)
        .having(func.count(DimensionScore.score) == len(predictors))
    ).all()
    # fromiter over the flattened rows: numpy's array() of Row objects takes 40 times longer
    width = len(predictors) + 2
    flat = np.fromiter(itertools.chain.from_iterable(rows), np.float64, len(rows) * width)
    table = flat.reshape(len(rows), width)
    return table[:, 0].astype(np.int64), table[:, 1:]


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


def landing_team(user: StaffUser) -> tuple[int, int] | None:
    """Where a manager lands: (survey id, team id) of the newest survey with a release
    that covers one of the teams they lead (the first by path), or None."""
    scoped = sorted(user.team_scopes, key=lambda team: team.path)
    if not scoped:
        return None
    released = Session.scalars(
        select(Survey).where(Survey.id.in_(select(Release.survey_id))).order_by(Survey.id.desc())
    )
    for survey in released:
        covered = survey_team_tree(survey).paths  # invited teams and their ancestors
        for team in scoped:
            if team.id in covered:
                return survey.id, team.id
    return None
