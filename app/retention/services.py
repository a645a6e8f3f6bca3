"""Deleting what is kept no longer: retention (run by the worker) and the deletion of a
whole survey (by an admin). Services style: add/flush, raise DomainError, never commit.

What "older" means here, for anonymity (docs/deployment.md, "Retention", says it to
operators): a survey's responses and comments are aged by the date the survey closed,
never by anything of their own. A response carries only the date it was submitted, kept
for nothing else, and deleting responses by that date would delete a wave's early
respondents first and leave the late ones standing apart; so a wave's responses go all
at once, the day the whole survey is old enough. The audit log, staff actions only, is
aged by each event's own time.

Releases are the record: retention never touches them (their aggregates, and the comment
texts a release published, stay until the survey itself is deleted). Deleting whole
groups of raw rows cannot reopen what a release disclosed, and a closed survey publishes
nothing more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete

from app.audit.models import AuditEvent
from app.audit.services import record_event
from app.ballots.models import Ballot
from app.db import Session, begin_write_transaction
from app.errors import Conflict, DomainError
from app.i18n import _
from app.retention.queries import (
    ClosedSurvey,
    audit_events_before,
    closed_surveys_holding,
    refers_to_survey,
)
from app.surveys.models import Invitation, Survey, SurveyState
from app.surveys.services import get_survey
from app.taking.models import Comment, Response

# Surveys whose responses (or comments) one call deletes, at most: the worker commits after
# each call, so a large wave does not hold the database's write lock for long; the next
# round takes the next survey.
SURVEYS_PER_CALL = 1


@dataclass(frozen=True)
class RetentionPolicy:
    """How many days after a survey's close its responses and its comments are kept, and
    how many days an audit event is kept; 0 keeps them for good."""

    responses_days: int = 0
    comments_days: int = 0
    audit_days: int = 0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RetentionPolicy:
        """The policy of the settings RETENTION_RESPONSES_DAYS, RETENTION_COMMENTS_DAYS
        and RETENTION_AUDIT_DAYS (config.py has checked them)."""
        return cls(
            responses_days=int(config.get("RETENTION_RESPONSES_DAYS", 0)),
            comments_days=int(config.get("RETENTION_COMMENTS_DAYS", 0)),
            audit_days=int(config.get("RETENTION_AUDIT_DAYS", 0)),
        )


@dataclass
class RetentionOutcome:
    """What one call deleted: survey ids, and the number of audit events. Never how many
    responses or comments went: a release may withhold those numbers (fewer than k), and
    the audit log and the worker's heartbeat are read by staff."""

    responses_of: list[int] = field(default_factory=list)  # surveys whose responses went
    comments_of: list[int] = field(default_factory=list)  # surveys whose comments went
    audit_events: int = 0

    def __bool__(self) -> bool:
        return bool(self.responses_of or self.comments_of or self.audit_events)

    def __str__(self) -> str:
        parts = [f"deleted the responses of survey {s}" for s in self.responses_of]
        parts += [f"deleted the comments of survey {s}" for s in self.comments_of]
        if self.audit_events:
            parts.append(f"deleted {self.audit_events} audit event(s)")
        return "; ".join(parts) or "nothing to delete"


@dataclass(frozen=True)
class PlannedDeletion:
    """When the settings delete a closed survey's responses and its comments (None: kept
    for good, or nothing left to delete)."""

    survey_id: int
    closed_on: dt.date
    responses_on: dt.date | None
    comments_on: dt.date | None


def retention_plan(policy: RetentionPolicy) -> list[PlannedDeletion]:
    """For every closed survey still holding responses or comments, the day each goes
    under `policy` (reads only)."""
    responses = {
        c.survey_id: c
        for c in closed_surveys_holding(
            refers_to_survey(Response) | refers_to_survey(Invitation) | refers_to_survey(Ballot)
        )
    }
    comments = {c.survey_id: c for c in closed_surveys_holding(refers_to_survey(Comment))}

    def day(found: ClosedSurvey | None, days: int) -> dt.date | None:
        return found.closed_on + dt.timedelta(days=days) if found and days else None

    return [
        PlannedDeletion(
            survey_id=sid,
            closed_on=(responses.get(sid) or comments[sid]).closed_on,
            responses_on=day(responses.get(sid), policy.responses_days),
            comments_on=day(comments.get(sid), policy.comments_days),
        )
        for sid in sorted(responses.keys() | comments.keys())
    ]


def _due(candidates: list[ClosedSurvey], days: int, today: dt.date) -> list[ClosedSurvey]:
    """The surveys whose close is at least `days` days before `today`."""
    return [c for c in candidates if c.closed_on + dt.timedelta(days=days) <= today][
        :SURVEYS_PER_CALL
    ]


def apply_retention(now: dt.datetime, policy: RetentionPolicy | None = None) -> RetentionOutcome:
    """Delete what the retention settings keep no longer, as of `now` (aware, UTC), and
    audit each deletion (which survey, never how many rows). `policy` None reads the app's
    settings.

    - responses: `responses_days` after a survey's close, its responses with their answers
      and scores, any sealed ballot left, and its invitations (the record of who was
      invited and whether they answered; their addresses went at the close), with their
      links and emails;
    - comments: `comments_days` after a survey's close, its comments;
    - audit: events older than `audit_days` (the event recording this deletion is new).

    At most SURVEYS_PER_CALL surveys of each kind per call; calling again continues. The
    caller (the worker's round) commits. Releases are never touched. Two workers that
    pick the same survey delete it once: the second waits for the first's row locks, finds
    nothing left and records nothing.
    """
    if policy is None:
        from flask import current_app  # only when called without a policy, in an app

        policy = RetentionPolicy.from_config(current_app.config)
    today = now.astimezone(dt.UTC).date()
    responses_due: list[ClosedSurvey] = []
    comments_due: list[ClosedSurvey] = []
    if policy.responses_days:
        holds = refers_to_survey(Response) | refers_to_survey(Invitation) | refers_to_survey(Ballot)
        responses_due = _due(closed_surveys_holding(holds), policy.responses_days, today)
    if policy.comments_days:
        candidates = closed_surveys_holding(refers_to_survey(Comment))
        comments_due = _due(candidates, policy.comments_days, today)
    audit_before = now - dt.timedelta(days=policy.audit_days) if policy.audit_days else None
    outcome = RetentionOutcome()
    if not (responses_due or comments_due or (audit_before and audit_events_before(audit_before))):
        return outcome  # the usual round: reads only, no write lock taken
    begin_write_transaction()
    for due in responses_due:
        if _delete_responses(due, policy.responses_days):
            outcome.responses_of.append(due.survey_id)
    for due in comments_due:
        if _delete_comments(due, policy.comments_days):
            outcome.comments_of.append(due.survey_id)
    if audit_before is not None:
        outcome.audit_events = _delete_audit_events(audit_before)
    Session.flush()
    return outcome


def _delete_responses(due: ClosedSurvey, days: int) -> bool:
    """Whether anything was deleted (False: another worker was first)."""
    sid = due.survey_id
    # Answers, dimension and family scores go with their response (ON DELETE CASCADE);
    # links and queued emails with their invitation.
    deleted = (
        _delete_where(Response, Response.survey_id == sid)
        + _delete_where(Ballot, Ballot.survey_id == sid)
        + _delete_where(Invitation, Invitation.survey_id == sid)
    )
    if not deleted:
        return False
    # No counts (see RetentionOutcome): the survey, its close and the setting applied.
    record_event(
        None,
        "retention.responses",
        "survey",
        sid,
        closed_on=due.closed_on.isoformat(),
        kept_days=days,
    )
    return True


def _delete_comments(due: ClosedSurvey, days: int) -> bool:
    if not _delete_where(Comment, Comment.survey_id == due.survey_id):
        return False
    record_event(
        None,
        "retention.comments",
        "survey",
        due.survey_id,
        closed_on=due.closed_on.isoformat(),
        kept_days=days,
    )
    return True


def _delete_audit_events(before: dt.datetime) -> int:
    deleted = _delete_where(AuditEvent, AuditEvent.occurred_at < before)
    if deleted:  # an event every round saying "nothing" would be noise
        record_event(
            None, "retention.audit", "audit_event", None, deleted=deleted, before=before.isoformat()
        )
    return deleted


def _delete_where(model: type[Any], condition: Any) -> int:
    """DELETE the rows of `model` matching `condition` in one statement; their count."""
    # The default synchronisation: rows the session holds are marked deleted, so a new row
    # that reuses an id (SQLite) is not mistaken for one of them.
    result = Session.execute(delete(model).where(condition))
    return int(result.rowcount)  # type: ignore[attr-defined]


def delete_survey(survey_id: int, typed_title: str) -> Survey:
    """Delete a survey and everything derived from it, once the admin has typed its exact
    title (surrounding spaces aside): invitations with their links and emails, sealed
    ballots, responses with their answers and scores, comments, releases, participants
    imports, and every row another feature keeps for it (action plans, schedules, employee
    summaries: their tables refer to the survey with ON DELETE CASCADE). Returns the
    deleted survey (detached), for the caller's audit event: its title and id only.

    DomainError, with nothing deleted, for a title that is not the survey's; Conflict for
    an open survey (people may be answering: close it first)."""
    begin_write_transaction()
    survey = Session.get(Survey, survey_id, with_for_update=True, populate_existing=True)
    if survey is None:
        survey = get_survey(survey_id)  # NotFound
    if typed_title.strip() != survey.title:
        raise DomainError(
            _(
                "The title you typed is not this survey's title; type “%(title)s” exactly "
                "to delete it. Nothing was deleted.",
                title=survey.title,
            )
        )
    if survey.state == SurveyState.OPEN.value:
        raise Conflict(
            _(
                "Survey %(id)s is open: people may be answering it. Close it first, then "
                "delete it. Nothing was deleted.",
                id=survey.id,
            )
        )
    # Responses and invitations first: they refer to the survey's levels with RESTRICT,
    # which the survey's own cascade deletes. Everything else cascades from the survey row.
    _delete_where(Response, Response.survey_id == survey.id)
    _delete_where(Invitation, Invitation.survey_id == survey.id)
    _delete_where(Survey, Survey.id == survey.id)
    Session.expunge(survey)
    Session.expire_all()
    return survey
