"""Retention: responses and comments go a set number of days after their survey's close,
all of a wave at once; audit events a set number of days after they happened. Releases
stay; every deletion is audited with counts only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from app.audit.models import AuditEvent
from app.db import Session, utcnow
from app.reports.models import Release
from app.reports.queries import snapshot_of
from app.retention.services import RetentionPolicy, apply_retention
from app.surveys.models import Invitation, InvitationToken, Survey
from app.surveys.services import close_survey
from app.taking.models import Answer, Comment, DimensionScore, FamilyScore, Response
from tests.retention.conftest import make_wave


def _count(model: Any, survey_id: int | None = None) -> int:
    query = select(func.count()).select_from(model)
    if survey_id is not None:
        query = query.where(model.survey_id == survey_id)
    return int(Session.scalar(query) or 0)


def _later(days: int) -> dt.datetime:
    """`days` days after today (the waves close today), at noon UTC."""
    return dt.datetime.combine(utcnow().date() + dt.timedelta(days=days), dt.time(12), dt.UTC)


def _events(action: str) -> list[AuditEvent]:
    return list(Session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_by_default_nothing_is_ever_deleted(app: Flask, wave: Survey) -> None:
    with app.app_context():  # the app's settings: every RETENTION_*_DAYS unset
        outcome = apply_retention(_later(10_000))
    assert not outcome and str(outcome) == "nothing to delete"
    assert _count(Response, wave.id) == 10 and _count(Comment, wave.id) == 10


def test_the_policy_is_read_from_the_settings(app: Flask) -> None:
    policy = RetentionPolicy.from_config(
        {"RETENTION_RESPONSES_DAYS": 400, "RETENTION_COMMENTS_DAYS": 90, "RETENTION_AUDIT_DAYS": 0}
    )
    assert policy == RetentionPolicy(responses_days=400, comments_days=90, audit_days=0)
    assert RetentionPolicy.from_config(app.config) == RetentionPolicy()


def test_responses_go_all_at_once_the_day_the_survey_is_old_enough(
    db_session: Any, wave: Survey
) -> None:
    newer = make_wave("Autumn wave")
    still_open = make_wave("Open wave", close=False)
    release = db_session.scalar(select(Release).where(Release.survey_id == wave.id))
    digest, snapshot = release.digest, bytes(release.snapshot)
    # The newer wave closed today too; make it three days younger.
    db_session.execute(
        update(Release)
        .where(Release.survey_id == newer.id)
        .values(created_on=utcnow().date() + dt.timedelta(days=3))
    )
    policy = RetentionPolicy(responses_days=30)
    per_response = {model: _count(model) for model in (Answer, DimensionScore, FamilyScore)}
    tokens = _count(InvitationToken)
    wave_tokens = int(
        db_session.scalar(
            select(func.count())
            .select_from(InvitationToken)
            .join(Invitation)
            .where(Invitation.survey_id == wave.id)
        )
    )

    assert not apply_retention(_later(29), policy)  # one day early: nothing
    assert _count(Response, wave.id) == 10

    outcome = apply_retention(_later(30), policy)
    db_session.commit()
    assert outcome.responses_of == [wave.id] and not outcome.comments_of
    assert str(outcome) == f"deleted the responses of survey {wave.id}"
    for model in (Response, Invitation):
        assert _count(model, wave.id) == 0
    # Answers and scores went with their responses: a third of them (three equal waves).
    for model, count in per_response.items():
        assert _count(model) == _rows_of_kept(model) == count * 2 // 3
    assert _count(InvitationToken) == tokens - wave_tokens
    assert _count(Comment, wave.id) == 10  # comments have their own setting
    # The release is the record: the same bytes, still readable.
    kept = db_session.scalar(select(Release).where(Release.survey_id == wave.id))
    assert (kept.digest, bytes(kept.snapshot)) == (digest, snapshot)
    assert snapshot_of(kept).aggregates.responses
    # The younger wave and the open one are untouched.
    assert _count(Response, newer.id) == 10 and _count(Response, still_open.id) == 10
    assert _count(Invitation, newer.id) == 10 and _count(Invitation, still_open.id) == 10

    (event,) = _events("retention.responses")
    assert (event.actor_id, event.object_type, event.object_id) == (None, "survey", str(wave.id))
    # No counts: a release may withhold how many answered (fewer than k).
    assert event.detail == {"closed_on": utcnow().date().isoformat(), "kept_days": 30}
    # Three days later the newer wave goes; running again finds nothing more.
    assert apply_retention(_later(33), policy).responses_of == [newer.id]
    assert not apply_retention(_later(33), policy)
    assert len(_events("retention.responses")) == 2


def _rows_of_kept(model: Any) -> int:
    """Rows of `model` belonging to responses that still exist."""
    return int(
        Session.scalar(
            select(func.count())
            .select_from(model)
            .where(model.response_id.in_(select(Response.id)))
        )
        or 0
    )


def test_comments_go_on_their_own_setting(db_session: Any, wave: Survey) -> None:
    outcome = apply_retention(_later(7), RetentionPolicy(comments_days=7))
    db_session.commit()
    assert outcome.comments_of == [wave.id] and not outcome.responses_of
    assert _count(Comment, wave.id) == 0
    assert _count(Response, wave.id) == 10
    (event,) = _events("retention.comments")
    assert event.detail == {"closed_on": utcnow().date().isoformat(), "kept_days": 7}


def test_one_survey_per_call(db_session: Any, wave: Survey) -> None:
    other = make_wave("Autumn wave")
    policy = RetentionPolicy(comments_days=1)
    first = apply_retention(_later(1), policy)
    second = apply_retention(_later(1), policy)
    assert [first.comments_of, second.comments_of] == [[wave.id], [other.id]]
    assert not apply_retention(_later(1), policy)


def test_a_survey_closed_without_a_release_or_date_is_never_aged(
    db_session: Any, bundled_version: Any
) -> None:
    survey = make_wave("Closed by hand", close=False)
    close_survey(survey.id)  # the state alone: no final release, no closing date
    db_session.commit()
    assert not apply_retention(_later(10_000), RetentionPolicy(responses_days=1, comments_days=1))
    # With a scheduled closing date, that date is its close.
    survey.closes_at = dt.datetime.combine(utcnow().date(), dt.time(9), dt.UTC)
    db_session.commit()
    outcome = apply_retention(_later(1), RetentionPolicy(comments_days=1))
    assert outcome.comments_of == [survey.id]


def test_audit_events_go_after_their_days(db_session: Any, wave: Survey) -> None:
    now = utcnow()
    db_session.execute(update(AuditEvent).values(occurred_at=now - dt.timedelta(days=1)))
    old = AuditEvent(action="report.view", object_type="survey", object_id=str(wave.id))
    old.occurred_at = now - dt.timedelta(days=91)
    db_session.add(old)
    db_session.flush()
    before = _count(AuditEvent)
    outcome = apply_retention(now, RetentionPolicy(audit_days=90))
    db_session.commit()
    assert outcome.audit_events == 1 and str(outcome) == "deleted 1 audit event(s)"
    assert _events("report.view") == []  # (SQLite may give its id to the next event)
    (event,) = _events("retention.audit")
    assert event.detail["deleted"] == 1
    assert _count(AuditEvent) == before  # one gone, one recording it
    assert not apply_retention(now, RetentionPolicy(audit_days=90))


@pytest.mark.parametrize("days", [1, 30])
def test_an_open_survey_is_never_aged(db_session: Any, bundled_version: Any, days: int) -> None:
    survey = make_wave("Open wave", close=False)
    survey.closes_at = dt.datetime.combine(utcnow().date(), dt.time(9), dt.UTC)
    db_session.commit()
    policy = RetentionPolicy(responses_days=days, comments_days=days)
    assert not apply_retention(_later(days + 1), policy)
    assert db_session.get(Survey, survey.id).state == "open"
