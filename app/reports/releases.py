"""Publishing releases: a survey's aggregates and disclosure decisions, stored once.

`publish_release` reads the live responses once, decides disclosure together with every
earlier release of the survey (app.reports.snapshot), and stores the result as an immutable
`Release`. Every report page, export and count afterwards reads releases only. Services
style: add and flush, raise DomainError, never commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping, Sequence

import numpy as np

from app.auth.models import StaffUser
from app.ballots.services import mix_ballots
from app.db import Session, begin_write_transaction, refuse_changes_to, utcnow
from app.errors import DomainError
from app.i18n import _
from app.instruments.queries import document_of
from app.reports import pages
from app.reports.drivers import ReleaseDrivers, driver_keys, release_drivers
from app.reports.item_release import decide_asked, items_asked_only
from app.reports.item_report import ReleaseItemReport, build_item_report, complete_cells
from app.reports.language_queries import release_language_cut
from app.reports.models import Release
from app.reports.notices import queue_release_notices
from app.reports.privacy import shuffle_comments, team_subtrees
from app.reports.publication import CellKey
from app.reports.queries import (
    comment_texts_by_team,
    driver_scores,
    item_rows,
    releases_of,
    snapshot_of,
    survey_aggregates,
)
from app.reports.reliability import (
    ReleaseReliability,
    atom_item_sums,
    dimension_columns,
    release_reliability,
)
from app.reports.snapshot import Aggregates, Decisions, Snapshot, decide_release
from app.reports.snapshot_format import encode
from app.reports.stats import ItemSums
from app.surveys.labels import state_name
from app.surveys.models import Survey, SurveyState
from app.surveys.services import close_survey

ItemSumsByAtom = dict[tuple[int, int], dict[str, ItemSums]]


def publish_release(
    survey: Survey,
    *,
    actor: StaffUser | None,
    final: bool,
    published_on: dt.date | None = None,
    notify: bool = True,
) -> Release:
    """Publish the survey's next release (final: the one the close makes).

    The sealed ballots are opened first (app.ballots: in batches of at least k; a final
    release opens them all), so the release counts every submission it may. Raises
    DomainError for a draft, after the final release, for an interim release of a survey
    that is not open, and for an interim release that would disclose nothing new (no
    response since the last release, or every new one withheld). `published_on` dates
    the release (default: today; the demo dates a wave's release on its closing day).
    With `notify` (the default) HR and the managers of the survey's teams get an email
    through the outbox, with where to read it (app.reports.notices).
    """
    begin_write_transaction()  # SQLite: the mix and the release write under one lock
    if survey.state == SurveyState.DRAFT.value:
        raise DomainError(
            _("Survey %(id)s has not opened: there is nothing to publish.", id=survey.id)
        )
    earlier = releases_of(survey.id)
    if earlier and earlier[-1].final:
        raise DomainError(
            _(
                "Survey %(id)s already has its final release (release %(number)s).",
                id=survey.id,
                number=earlier[-1].number,
            )
        )
    if not final and survey.state != SurveyState.OPEN.value:
        raise DomainError(
            _(
                "Survey %(id)s is %(state)s: interim releases are for open surveys.",
                id=survey.id,
                state=state_name(survey.state),
            )
        )
    mix_ballots(survey, final=final)
    snapshots = [snapshot_of(release) for release in earlier]
    current = survey_aggregates(survey)
    decisions = decide_release(current, snapshots, survey.k_scores, survey.k_comments)
    # Items not asked of everybody show where the number asked may be (app.reports.item_release)
    partial, asked_shown = decide_asked(current, decisions, snapshots, survey.k_scores)
    decisions = items_asked_only(decisions, asked_shown)
    number = len(earlier) + 1
    if not final and not decisions.discloses_beyond(snapshots[-1].decisions if snapshots else None):
        raise DomainError(_nothing_new(number, earlier))
    # The language cut is decided with the release's own cells; why its hidden response
    # counts are hidden is decided again with the cut's (one witness for both).
    language_cut, decisions = release_language_cut(
        survey.id, survey.k_scores, current, decisions, snapshots
    )
    sums = _item_sums(survey, decisions)
    snapshot = Snapshot(
        k=survey.k_scores,
        k_comments=survey.k_comments,
        aggregates=current,
        decisions=decisions,
        comments=_listed_comments(survey.id, current, decisions),
        reliability=_reliability(survey, current, decisions, sums, (partial, asked_shown)),
        key_drivers=_key_drivers(survey, current, decisions, number),
        language_cut=language_cut,
        item_report=_item_report(survey, current, decisions, sums, (partial, asked_shown)),
    ).with_favourable(pages.favourable_keying(document_of(survey.instrument_version)))
    blob = encode(snapshot)
    release = Release(
        survey_id=survey.id,
        number=number,
        created_on=published_on or utcnow().date(),
        final=final,
        published_by_id=actor.id if actor is not None else None,
        responded=decisions.responses.get((None, None)),
        invited=sum(current.invited.values()),
        digest=hashlib.sha256(blob).hexdigest(),
        snapshot=blob,
    )
    Session.add(release)
    Session.flush()
    if notify:
        queue_release_notices(survey, release)
    return release


def close_with_final_release(survey_id: int, *, actor: StaffUser | None) -> Release:
    """Close an open survey and publish its final release, in the caller's transaction:
    every sealed ballot is opened and the results are decided together with the earlier
    releases. The caller commits, then purges the contacts in a transaction of its own
    (app.surveys.services.purge_contacts), so the last ballots are opened in a transaction
    that touches no invitation."""
    begin_write_transaction()
    survey = close_survey(survey_id)
    return publish_release(survey, actor=actor, final=True)


def _nothing_new(number: int, earlier: Sequence[Release]) -> str:
    if not earlier:
        return _(
            "Release %(number)s would disclose nothing: no group has reached the threshold "
            "yet. Publish when more people have answered.",
            number=number,
        )
    return _(
        "Release %(number)s would disclose nothing new: no responses have arrived since "
        "release %(last)s, or too few to be shown without isolating fewer than the threshold. "
        "Publish when more people have answered.",
        number=number,
        last=earlier[-1].number,
    )


def _listed_comments(
    survey_id: int, current: Aggregates, decisions: Decisions
) -> dict[str, dict[int | None, list[str]]]:
    """The texts of every shown comment group, per prompt, in one random order drawn now
    (a key that is never stored): reloading shows the same order, and no release's order
    follows storage or submission order."""
    subtrees = team_subtrees(current.parents)
    listed: dict[str, dict[int | None, list[str]]] = {}
    for prompt, groups in decisions.comments.items():
        if not groups:
            continue
        by_team = comment_texts_by_team(survey_id, prompt)
        order_key = secrets.token_bytes(32)
        listed[prompt] = {}
        for group in groups:
            teams = subtrees[group] if group is not None else frozenset(current.parents)
            texts = [text for team in teams for text in by_team.get(team, ())]
            listed[prompt][group] = shuffle_comments(texts, seed=order_key)
    return listed


def _item_sums(survey: Survey, decisions: Decisions) -> ItemSumsByAtom | None:
    """Each atom's complete-case item sums per dimension (app.reports.reliability), read
    once for the reliability and the item report; none when the organisation's count is
    hidden (then neither shows a cell)."""
    if (None, None) not in decisions.responses:
        return None
    document = document_of(survey.instrument_version)
    keys = [item.key for item in document.scored_items if item.scale is not None]
    return atom_item_sums(item_rows(survey.id, keys), keys, document)


def _reliability(
    survey: Survey,
    current: Aggregates,
    decisions: Decisions,
    sums: ItemSumsByAtom | None,
    asked: tuple[frozenset[str], Mapping[str, frozenset[CellKey]]],
) -> ReleaseReliability | None:
    """Each dimension's reliability in every cell whose score the release shows (with at
    least 30 complete answers), and its within-team agreement, from each atom's item sums
    (app.reports.reliability); none when the organisation's count is hidden. A dimension
    with items not asked of everybody only where the number asked may be shown."""
    if sums is None:
        return None
    document = document_of(survey.instrument_version)
    partial, asked_shown = asked
    columns = {
        key: [item for item, _, _ in items] for key, items in dimension_columns(document).items()
    }
    publication = Snapshot(survey.k_scores, survey.k_comments, current, decisions, {}, None)
    return release_reliability(
        publication.publication(),
        sums,
        document,
        complete_shown=complete_cells(columns, partial, asked_shown),
    )


def _item_report(
    survey: Survey,
    current: Aggregates,
    decisions: Decisions,
    sums: ItemSumsByAtom | None,
    asked: tuple[frozenset[str], Mapping[str, frozenset[CellKey]]],
) -> ReleaseItemReport:
    """The item report's stored part (app.reports.item_report): each dimension's item
    analysis per shown cell, and where the items not asked of everybody may show how many
    were asked (app.reports.item_release)."""
    document = document_of(survey.instrument_version)
    columns = {
        key: [item for item, _, _ in items] for key, items in dimension_columns(document).items()
    }
    partial, asked_shown = asked
    publication = Snapshot(survey.k_scores, survey.k_comments, current, decisions, {}, None)
    return build_item_report(
        publication.publication(),
        sums or {},
        columns,
        partial=partial,
        asked_shown=asked_shown,
    )


def _key_drivers(
    survey: Survey, current: Aggregates, decisions: Decisions, number: int
) -> ReleaseDrivers:
    """The key drivers of the outcomes index for the organisation and every department the
    release shows (app.reports.drivers), from each complete response's scores, read once
    and kept only as weights and intervals. Seeded by the survey and the release number,
    so the release's intervals can be computed again."""
    keys = driver_keys(document_of(survey.instrument_version))
    if keys.outcome is None or not keys.predictors:
        teams, matrix = np.zeros(0, dtype=np.int64), np.zeros((0, len(keys.predictors) + 1))
    else:
        teams, matrix = driver_scores(survey.id, keys.predictors, keys.outcome)
    return release_drivers(
        current.parents,
        decisions.responses,
        decisions.scores,
        keys,
        teams,
        matrix,
        seed=(survey.id, number),
    )


# A release is public once stored: what it showed cannot be changed or withdrawn.
refuse_changes_to(Release, lambda r: f"Release {r.number}", "publish a new release instead")
