"""What the worker does at a survey's scheduled times. Each step commits (a worker is not
part of a unit of work) and takes one survey, or one scheduled release, per transaction:
one that fails is rolled back and logged, and the others still run.

Several workers
---------------
Nothing is done twice. A survey is taken with `SELECT ... FOR NO KEY UPDATE SKIP LOCKED`
on PostgreSQL (another worker busy with it is skipped, not waited for; NO KEY: a
submission's key-share lock on the survey does not block it) and, on SQLite, under the
write lock taken up front (BEGIN IMMEDIATE: one writer at a time). Each step checks the
survey's state again under that lock, and the services it calls refuse a second opening
or close (Conflict). Reminders are queued only for people with no email pending, so a
second worker after the first finds none to queue. A scheduled release is claimed with a
lease (a conditional UPDATE, as the outbox does) before it is published, because
publishing commits along the way on SQLite; a worker that dies holding it leaves it to
another when the lease ends.

Lines and audit events carry survey ids and counts of what the schedule did, never an
address or a link.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import CursorResult, exists, or_, select, update

from app.audit.services import record_event
from app.db import Session, begin_write_transaction
from app.errors import DomainError
from app.outbox.services import queue_invitations, queue_reminders
from app.reports.releases import close_with_final_release, publish_release
from app.surveys.models import Invitation, Survey, SurveyState
from app.surveys.services import get_survey, open_survey, purge_contacts
from app.surveys.storage import compact_storage
from app.worker.models import ScheduledRelease

log = logging.getLogger(__name__)

DRAFT = SurveyState.DRAFT.value
OPEN = SurveyState.OPEN.value
RELEASE_LEASE = dt.timedelta(minutes=30)  # a release of a large survey takes a while


def _take(survey_id: int, *conditions: Any) -> Survey | None:
    """Begin a write transaction and lock the survey if it still meets `conditions`;
    None (transaction ended) when another worker has it or it no longer qualifies."""
    Session.commit()
    begin_write_transaction()
    survey = Session.scalar(
        select(Survey)
        .where(Survey.id == survey_id, *conditions)
        .with_for_update(skip_locked=True, key_share=True)
        .execution_options(populate_existing=True)
    )
    if survey is None:
        Session.commit()
    return survey


def _each(
    what: str, survey_ids: list[int], conditions: tuple[Any, ...], act: Callable[[Survey], bool]
) -> list[int]:
    """Run `act` on each survey still meeting `conditions`, one transaction each; the ids
    of those it acted on (True)."""
    done = []
    for survey_id in survey_ids:
        try:
            survey = _take(survey_id, *conditions)
            if survey is None:
                continue
            acted = act(survey)
            Session.commit()
        except Exception:
            Session.rollback()
            log.exception("%s survey %d failed; the next round tries again", what, survey_id)
            continue
        if acted:
            done.append(survey_id)
    return done


def open_due_surveys(now: dt.datetime) -> list[int]:
    """Open the drafts set to open automatically whose opening time has come, and queue
    their invitations in the same transaction. Returns the ids opened. A draft whose
    close has passed too (the worker was down all along) stays a draft: opening it only
    to close it would email invitations to a survey nobody can answer."""
    due = (
        Survey.state == DRAFT,
        Survey.open_automatically.is_(True),
        Survey.opens_at <= now,
        or_(Survey.closes_at.is_(None), Survey.closes_at > now),
    )
    ids = list(Session.scalars(select(Survey.id).where(*due).order_by(Survey.opens_at)))

    def act(survey: Survey) -> bool:
        open_survey(survey.id)
        queued = queue_invitations(survey.id, now)
        record_event(None, "survey.open", "survey", survey.id, previous_state=DRAFT, by="schedule")
        record_event(
            None, "email.queue_invitations", "survey", survey.id, queued=queued, by="schedule"
        )
        return True

    return _each("opening", ids, due, act)


def close_due_surveys(now: dt.datetime) -> list[int]:
    """Close the open surveys whose closing time has passed, each with its final release
    (as an admin's close does), then purge their contacts in a transaction of their own."""
    due = (Survey.state == OPEN, Survey.closes_at <= now)
    ids = list(Session.scalars(select(Survey.id).where(*due).order_by(Survey.closes_at)))

    def act(survey: Survey) -> bool:
        release = close_with_final_release(survey.id, actor=None)
        record_event(
            None,
            "survey.close",
            "survey",
            survey.id,
            previous_state=OPEN,
            release=release.number,
            by="schedule",
        )
        return True

    closed = _each("closing", ids, due, act)
    if closed:
        purge_closed_contacts()
    return closed


def purge_closed_contacts() -> list[int]:
    """Purge the addresses of closed surveys that still hold some: the purge follows the
    close in a transaction of its own, and a close (by the schedule or an admin) whose
    process stopped in between left them. Returns the ids purged."""
    holding = exists().where(Invitation.survey_id == Survey.id, Invitation.email.is_not(None))
    closed = (Survey.state.in_((SurveyState.CLOSED.value, SurveyState.ARCHIVED.value)), holding)
    ids = list(Session.scalars(select(Survey.id).where(*closed)))

    def act(survey: Survey) -> bool:
        purge_contacts(survey.id)
        return True

    purged = _each("purging", ids, closed, act)
    if purged:
        compact_storage(Session.get_bind())
    return purged


def remind_on_cadence(now: dt.datetime) -> list[int]:
    """Queue the reminders the open surveys' cadences call for: to each person who has
    not answered and whose last email went out `remind_after_days` ago, up to the
    survey's limit. Returns the ids of the surveys that queued any."""
    due = (
        Survey.state == OPEN,
        Survey.remind_after_days.is_not(None),
        or_(Survey.opens_at.is_(None), Survey.opens_at <= now),
        or_(Survey.closes_at.is_(None), Survey.closes_at > now),
    )
    ids = list(Session.scalars(select(Survey.id).where(*due).order_by(Survey.id)))

    def act(survey: Survey) -> bool:
        assert survey.remind_after_days is not None
        queued = queue_reminders(
            survey.id,
            now,
            max_reminders=survey.max_reminders,
            last_emailed_before=now - dt.timedelta(days=survey.remind_after_days),
        )
        if queued:
            record_event(
                None, "email.queue_reminders", "survey", survey.id, queued=queued, by="schedule"
            )
        return queued > 0

    return _each("reminding", ids, due, act)


def _claimable(now: dt.datetime) -> tuple[Any, ...]:
    return (
        ScheduledRelease.done_at.is_(None),
        ScheduledRelease.publish_at <= now,
        or_(ScheduledRelease.claimed_until.is_(None), ScheduledRelease.claimed_until <= now),
    )


def publish_scheduled_releases(now: dt.datetime, worker: str) -> list[int]:
    """Publish the interim releases whose time has come. One that would disclose nothing
    new, or whose survey is no longer open, is recorded as done with the reason. Returns
    the ids of the survey of each release published."""
    published = []
    Session.commit()
    ids = list(
        Session.scalars(
            select(ScheduledRelease.id)
            .where(*_claimable(now))
            .order_by(ScheduledRelease.publish_at, ScheduledRelease.id)
        )
    )
    Session.commit()
    for scheduled_id in ids:
        begin_write_transaction()
        result: CursorResult[Any] = Session.execute(  # type: ignore[assignment]
            update(ScheduledRelease)
            .where(ScheduledRelease.id == scheduled_id, *_claimable(now))
            .values(claimed_by=worker, claimed_until=now + RELEASE_LEASE)
            .execution_options(synchronize_session=False)
        )
        Session.commit()
        if result.rowcount != 1:
            continue
        try:
            survey_id = _publish(scheduled_id, now)
        except Exception:
            Session.rollback()
            log.exception("scheduled release %d failed; the next round tries again", scheduled_id)
            _release_claim(scheduled_id, worker)
            continue
        if survey_id is not None:
            published.append(survey_id)
    return published


def _publish(scheduled_id: int, now: dt.datetime) -> int | None:
    """Publish one claimed release, marking it done in the release's own transaction, or
    record why not; the survey's id when published."""
    scheduled = Session.get_one(ScheduledRelease, scheduled_id, populate_existing=True)
    survey = get_survey(scheduled.survey_id)
    if survey.state != OPEN:
        _not_published(scheduled_id, now, f"the survey was {survey.state} at the time.")
        return None
    try:
        release = publish_release(survey, actor=None, final=False)
    except DomainError as exc:
        Session.rollback()  # nothing of the attempt stays (the ballots it mixed wait again)
        _not_published(scheduled_id, now, exc.message)
        return None
    scheduled.done_at = now
    scheduled.release_number = release.number
    scheduled.outcome = f"Published as release {release.number}."
    scheduled.claimed_until = None
    record_event(
        None, "release.publish", "survey", survey.id, release=release.number, by="schedule"
    )
    Session.commit()
    return survey.id


def _not_published(scheduled_id: int, now: dt.datetime, reason: str) -> None:
    begin_write_transaction()
    scheduled = Session.get_one(ScheduledRelease, scheduled_id, populate_existing=True)
    scheduled.done_at = now
    scheduled.claimed_until = None
    scheduled.outcome = f"Not published: {reason}"[:300]
    Session.commit()


def _release_claim(scheduled_id: int, worker: str) -> None:
    begin_write_transaction()
    Session.execute(
        update(ScheduledRelease)
        .where(ScheduledRelease.id == scheduled_id, ScheduledRelease.claimed_by == worker)
        .values(claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    Session.commit()
