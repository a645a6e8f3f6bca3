"""Writes for the survey schedule and the heartbeat (add/flush, DomainError; the caller
commits). What the worker does at the scheduled times is in app.worker.schedule."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select

from app.db import Session, utcnow
from app.errors import Conflict, DomainError, NotFound
from app.i18n import _
from app.surveys.labels import state_name
from app.surveys.models import Survey, SurveyState
from app.surveys.services import check_reminder_cadence, get_survey
from app.worker.models import ScheduledRelease, WorkerHeartbeat

MAX_REMIND_AFTER_DAYS = 365
MAX_REMINDERS = 10
MAX_PENDING_RELEASES = 20
# Heartbeats of workers not seen for this long are deleted (each process has its own row).
FORGET_WORKERS_AFTER = dt.timedelta(days=7)


def _fmt(moment: dt.datetime) -> str:
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


def set_schedule(
    survey_id: int,
    *,
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    open_automatically: bool,
    remind_after_days: int | None,
    max_reminders: int | None,
    now: dt.datetime | None = None,
) -> Survey:
    """Set when a survey opens and closes and its reminder cadence.

    A draft may open automatically at `opens_at` (the worker opens it and emails the
    invitations); an open survey keeps its opening and may change its close and cadence;
    a closed one has no schedule (Conflict). The worker closes an open survey at
    `closes_at`. Reminders go to those who have not answered `remind_after_days` days
    after their last email, at most `max_reminders` times (None: the configured number).
    DomainError, with nothing changed, for a close before the opening, a time already
    passed, a cadence whose first reminder would come after the close, a negative number,
    or a scheduled release the new close would leave behind.
    """
    now = now or utcnow()
    survey = get_survey(survey_id)
    if survey.state not in (SurveyState.DRAFT.value, SurveyState.OPEN.value):
        raise Conflict(
            _(
                "Survey %(id)s is %(state)s; its schedule is over.",
                id=survey.id,
                state=state_name(survey.state),
            )
        )
    draft = survey.state == SurveyState.DRAFT.value
    if not draft and (opens_at != survey.opens_at or open_automatically):
        raise Conflict(
            _("Survey %(id)s has opened; its opening can no longer change.", id=survey.id)
        )
    if remind_after_days is not None and not 1 <= remind_after_days <= MAX_REMIND_AFTER_DAYS:
        raise DomainError(
            _(
                "Reminders come 1 to %(most)s days after a person's last email, not %(days)s.",
                most=MAX_REMIND_AFTER_DAYS,
                days=remind_after_days,
            )
        )
    if max_reminders is not None and not 0 <= max_reminders <= MAX_REMINDERS:
        raise DomainError(
            _(
                "A person gets 0 to %(most)s reminders, not %(count)s.",
                most=MAX_REMINDERS,
                count=max_reminders,
            )
        )
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise DomainError(
            _(
                "The survey closes (%(closes)s) before it opens (%(opens)s): "
                "choose a closing time after the opening.",
                closes=_fmt(closes_at),
                opens=_fmt(opens_at),
            )
        )
    if closes_at is not None and closes_at != survey.closes_at and closes_at <= now:
        raise DomainError(
            _("The closing time %(time)s has passed: choose a later one.", time=_fmt(closes_at))
            if draft
            else _(
                "The closing time %(time)s has passed: choose a later one, or close the "
                "survey now with “Close the survey”.",
                time=_fmt(closes_at),
            )
        )
    if open_automatically:
        if opens_at is None:
            raise DomainError(_("Give an opening time for the survey to open automatically."))
        if opens_at <= now:
            raise DomainError(
                _(
                    "The opening time %(time)s has passed: choose a later one, or open "
                    "the survey now with “Open the survey”.",
                    time=_fmt(opens_at),
                )
            )
    check_reminder_cadence(opens_at, closes_at, remind_after_days, now)
    if closes_at is not None:
        late = Session.scalar(
            select(func.min(ScheduledRelease.publish_at)).where(
                ScheduledRelease.survey_id == survey.id,
                ScheduledRelease.done_at.is_(None),
                ScheduledRelease.publish_at >= closes_at,
            )
        )
        if late is not None:
            raise DomainError(
                _(
                    "A release is scheduled for %(time)s, after the new close: cancel it "
                    "first (the close publishes the final release).",
                    time=_fmt(late),
                )
            )
    survey.opens_at = opens_at
    survey.closes_at = closes_at
    survey.open_automatically = open_automatically
    survey.remind_after_days = remind_after_days
    survey.max_reminders = max_reminders
    Session.flush()
    return survey


def schedule_release(
    survey_id: int, publish_at: dt.datetime, now: dt.datetime | None = None
) -> ScheduledRelease:
    """Schedule an interim release of a draft or open survey at `publish_at`, which must
    lie in the future, after the opening and before the close (the close publishes the
    final release). DomainError otherwise, with nothing stored."""
    now = now or utcnow()
    survey = get_survey(survey_id)
    if survey.state not in (SurveyState.DRAFT.value, SurveyState.OPEN.value):
        raise Conflict(
            _(
                "Survey %(id)s is %(state)s: its final release is published.",
                id=survey.id,
                state=state_name(survey.state),
            )
        )
    if publish_at <= now:
        raise DomainError(
            _("The release time %(time)s has passed: choose a later one.", time=_fmt(publish_at))
        )
    if survey.opens_at is not None and publish_at <= survey.opens_at:
        raise DomainError(
            _(
                "The release time %(time)s comes before the survey opens "
                "(%(opens)s): choose a time while it is open.",
                time=_fmt(publish_at),
                opens=_fmt(survey.opens_at),
            )
        )
    if survey.closes_at is not None and publish_at >= survey.closes_at:
        raise DomainError(
            _(
                "The survey closes at %(closes)s and the close publishes the final "
                "release: schedule interim releases before it.",
                closes=_fmt(survey.closes_at),
            )
        )
    pending = Session.scalars(
        select(ScheduledRelease.publish_at).where(
            ScheduledRelease.survey_id == survey.id, ScheduledRelease.done_at.is_(None)
        )
    ).all()
    if publish_at in pending:
        raise DomainError(_("A release is already scheduled for %(time)s.", time=_fmt(publish_at)))
    if len(pending) >= MAX_PENDING_RELEASES:
        raise DomainError(
            _("At most %(most)s releases wait to be published.", most=MAX_PENDING_RELEASES)
        )
    scheduled = ScheduledRelease(survey_id=survey.id, publish_at=publish_at, created_at=now)
    Session.add(scheduled)
    Session.flush()
    return scheduled


def cancel_scheduled_release(
    survey_id: int, scheduled_id: int, now: dt.datetime | None = None
) -> ScheduledRelease:
    """Delete a scheduled release that has not been published (Conflict once the worker
    has done it or is doing it)."""
    now = now or utcnow()
    scheduled = Session.get(ScheduledRelease, scheduled_id)
    if scheduled is None or scheduled.survey_id != survey_id:
        raise NotFound(_("No such scheduled release."))
    busy = scheduled.claimed_until is not None and scheduled.claimed_until > now
    if scheduled.done_at is not None or busy:
        raise Conflict(_("This release has been published or is being published; it stays."))
    Session.delete(scheduled)
    Session.flush()
    return scheduled


def record_heartbeat(worker_id: str, did: str, now: dt.datetime | None = None) -> None:
    """Note that `worker_id` finished a round now and what it did; forget workers gone for
    a week."""
    now = now or utcnow()
    row = Session.get(WorkerHeartbeat, worker_id)
    if row is None:
        row = WorkerHeartbeat(worker_id=worker_id, started_at=now, rounds=0)
        Session.add(row)
    row.seen_at = now
    row.rounds += 1
    row.last_did = did[:300]
    Session.execute(
        delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < now - FORGET_WORKERS_AFTER)
    )
    Session.flush()
