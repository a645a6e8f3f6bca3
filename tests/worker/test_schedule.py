"""The worker runs each survey's schedule at its times, with an injected clock: it opens
a draft set to open automatically (and its invitations go out), reminds on the cadence
up to the limit, publishes scheduled releases and closes the survey with its final
release. Nothing sleeps."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.errors import Conflict, DomainError
from app.instruments.models import InstrumentVersion
from app.reports.models import Release
from app.surveys.models import Invitation, Survey, SurveyState
from app.surveys.services import create_survey, import_participants
from app.worker.models import ScheduledRelease
from app.worker.queries import latest_heartbeat
from app.worker.rounds import Round, run_round
from app.worker.services import cancel_scheduled_release, schedule_release, set_schedule
from tests.ballots.conftest import K, cast
from tests.outbox.conftest import PEOPLE_CSV, SmtpServer

T0 = dt.datetime(2031, 3, 2, 9, 0, tzinfo=dt.UTC)
HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)


def run_at(now: dt.datetime, worker: str = "test-worker") -> list[str]:
    """One worker round at `now` (the clock stands still during it)."""
    return run_round(Round(now=now, clock=lambda: now, worker_id=worker, echo=lambda _: None))


def _draft(**schedule: Any) -> Survey:
    survey = create_survey(instrument_key="relational-climate", title="Scheduled wave")
    import_participants(survey.id, PEOPLE_CSV)
    if schedule:
        unset = {"open_automatically": False, "remind_after_days": None, "max_reminders": None}
        set_schedule(survey.id, now=T0 - DAY, **(unset | schedule))
    return survey


def _fresh(db: Any, model: Any, ident: int) -> Any:
    """The row as stored now (the worker's rounds use sessions of their own)."""
    db.expire_all()
    return db.get(model, ident)


def _events(db: Any, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def scheduled(
    app: Flask, db_session: Any, bundled_version: InstrumentVersion, mail_server: SmtpServer
) -> Any:
    """A draft with three people that opens automatically at T0 and closes ten days later,
    reminding after three days, at most twice; committed, in an app context."""
    survey = _draft(
        opens_at=T0,
        closes_at=T0 + 10 * DAY,
        open_automatically=True,
        remind_after_days=3,
        max_reminders=2,
    )
    db_session.commit()
    with app.app_context():
        yield survey


def test_the_worker_opens_the_survey_at_its_time_and_the_invitations_go_out(
    db_session: Any, scheduled: Survey, mail_server: SmtpServer
) -> None:
    run_at(T0 - HOUR)
    assert _fresh(db_session, Survey, scheduled.id).state == SurveyState.DRAFT.value
    assert mail_server.received == []

    summary = run_at(T0)
    assert _fresh(db_session, Survey, scheduled.id).state == SurveyState.OPEN.value
    recipients = sorted(r.rcpt_tos[0] for r in mail_server.received)
    assert recipients == ["ana@example.org", "ben@example.org", "eva@example.org"]
    assert f"opened survey {scheduled.id}" in summary
    assert "email: 3 sent, 0 to retry, 0 failed" in summary
    (opened,) = _events(db_session, "survey.open")
    assert (opened.actor_id, opened.detail["by"]) == (None, "schedule")

    run_at(T0 + HOUR)  # nothing twice
    assert len(mail_server.received) == 3


def test_reminders_follow_the_cadence_up_to_the_limit_and_skip_those_who_answered(
    db_session: Any, scheduled: Survey, mail_server: SmtpServer
) -> None:
    run_at(T0)  # open, invitations sent at T0
    db_session.scalars(
        select(Invitation).where(Invitation.email == "ben@example.org")
    ).one().responded = True
    db_session.commit()

    def reminded() -> list[str]:
        return sorted(
            r.rcpt_tos[0] for r in mail_server.received if r.subject.startswith(("Rem", "Rec"))
        )

    run_at(T0 + 3 * DAY - HOUR)  # too early
    assert reminded() == []
    run_at(T0 + 3 * DAY)
    assert reminded() == ["ana@example.org", "eva@example.org"]
    run_at(T0 + 5 * DAY)  # three days after the reminder, not after the invitation
    assert len(reminded()) == 2
    run_at(T0 + 6 * DAY)
    assert reminded() == ["ana@example.org"] * 2 + ["eva@example.org"] * 2
    run_at(T0 + 9 * DAY)  # the limit (2) is reached
    assert len(reminded()) == 4
    assert len(mail_server.handler.to("ben@example.org")) == 1  # answered: no reminder
    events = _events(db_session, "email.queue_reminders")
    assert [e.detail["queued"] for e in events] == [2, 2]


def test_the_worker_closes_the_survey_at_its_time_with_the_final_release(
    db_session: Any, scheduled: Survey, mail_server: SmtpServer
) -> None:
    run_at(T0)
    cast(scheduled, K)
    db_session.commit()
    run_at(T0 + 10 * DAY - dt.timedelta(minutes=1))
    assert _fresh(db_session, Survey, scheduled.id).state == SurveyState.OPEN.value

    summary = run_at(T0 + 10 * DAY)
    assert _fresh(db_session, Survey, scheduled.id).state == SurveyState.CLOSED.value
    (release,) = db_session.scalars(select(Release).where(Release.survey_id == scheduled.id))
    assert release.final and release.published_by_id is None
    addresses = db_session.scalars(
        select(Invitation.email).where(Invitation.survey_id == scheduled.id)
    ).all()
    assert set(addresses) == {None}  # purged in the round that closed it
    assert f"closed survey {scheduled.id} with its final release" in summary[0]
    (closed,) = _events(db_session, "survey.close")
    assert closed.actor_id is None and closed.detail["release"] == 1

    run_at(T0 + 11 * DAY)  # nothing twice
    assert db_session.scalar(select(func.count()).select_from(Release)) == 1
    assert len(_events(db_session, "survey.close")) == 1


def test_scheduled_releases_are_published_at_their_time_or_say_why_not(
    db_session: Any, scheduled: Survey, mail_server: SmtpServer
) -> None:
    first = schedule_release(scheduled.id, T0 + DAY, now=T0 - HOUR)
    second = schedule_release(scheduled.id, T0 + 2 * DAY, now=T0 - HOUR)
    db_session.commit()
    run_at(T0)
    run_at(T0 + DAY)  # nobody has answered: nothing to disclose
    first = _fresh(db_session, ScheduledRelease, first.id)
    assert first.done_at == T0 + DAY and first.release_number is None
    assert first.outcome is not None and first.outcome.startswith("Not published: Release 1")

    survey = _fresh(db_session, Survey, scheduled.id)
    survey.k_scores = K  # a small survey: a few ballots show a group
    cast(survey, 3 * K)  # the mixer keeps K back while the survey is open
    db_session.commit()
    summary = run_at(T0 + 2 * DAY)
    second = _fresh(db_session, ScheduledRelease, second.id)
    assert (second.release_number, second.outcome) == (1, "Published as release 1.")
    assert f"published a release of survey {scheduled.id}" in summary
    (release,) = db_session.scalars(select(Release).where(Release.survey_id == scheduled.id))
    assert not release.final
    with pytest.raises(Conflict):
        cancel_scheduled_release(scheduled.id, second.id, now=T0 + 3 * DAY)


def test_a_heartbeat_says_what_the_round_did_and_nothing_personal(
    db_session: Any, scheduled: Survey, mail_server: SmtpServer
) -> None:
    assert latest_heartbeat() is None
    run_at(T0 - HOUR, worker="host:1:a")
    beat = latest_heartbeat()
    assert beat is not None
    assert (beat.worker_id, beat.seen_at, beat.rounds, beat.last_did) == (
        "host:1:a",
        T0 - HOUR,
        1,
        "nothing was due",
    )
    run_at(T0, worker="host:1:a")
    beat = latest_heartbeat()
    assert beat is not None and beat.rounds == 2 and beat.seen_at == T0
    assert "@" not in beat.last_did and "/s/" not in beat.last_did
    assert beat.is_recent(T0 + dt.timedelta(minutes=4))
    assert not beat.is_recent(T0 + dt.timedelta(minutes=6))
    run_at(T0 + 8 * DAY, worker="host:2:b")  # a week later the first worker is forgotten
    beat = latest_heartbeat()
    assert beat is not None and beat.worker_id == "host:2:b"
    from app.worker.queries import recent_heartbeats

    assert [b.worker_id for b in recent_heartbeats()] == ["host:2:b"]


# --- bad schedules: a clear message, nothing stored ------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        (
            {"opens_at": T0 + DAY, "closes_at": T0},
            "closes (2031-03-02 09:00 UTC) before it opens (2031-03-03 09:00 UTC)",
        ),
        (
            {"opens_at": T0, "closes_at": T0 + 7 * DAY, "remind_after_days": 10},
            "A first reminder 10 day(s) after the invitation would come after the close: "
            "the survey takes answers for 7.0 day(s)",
        ),
        ({"remind_after_days": -2}, "Reminders come 1 to 365 days after"),
        ({"remind_after_days": 0}, "not 0"),
        ({"max_reminders": -1}, "A person gets 0 to 10 reminders, not -1."),
        ({"closes_at": T0 - DAY}, "The closing time 2031-03-01 09:00 UTC has passed"),
        ({"open_automatically": True}, "Give an opening time for the survey to open"),
        (
            {"opens_at": T0 - HOUR, "open_automatically": True},
            "The opening time 2031-03-02 08:00 UTC has passed",
        ),
    ],
)
def test_a_bad_schedule_is_refused_with_its_reason_and_nothing_changes(
    db_session: Any, bundled_version: InstrumentVersion, schedule: dict[str, Any], message: str
) -> None:
    survey = _draft(opens_at=T0 + HOUR, closes_at=T0 + 20 * DAY, remind_after_days=2)
    db_session.commit()
    arguments = {
        "opens_at": None,
        "closes_at": None,
        "open_automatically": False,
        "remind_after_days": None,
        "max_reminders": None,
    } | schedule
    with pytest.raises(DomainError) as refused:
        set_schedule(survey.id, now=T0, **arguments)
    assert message in refused.value.message
    db_session.rollback()
    db_session.expire_all()
    kept = db_session.get(Survey, survey.id)
    assert (kept.opens_at, kept.closes_at, kept.remind_after_days, kept.open_automatically) == (
        T0 + HOUR,
        T0 + 20 * DAY,
        2,
        False,
    )


@pytest.mark.parametrize(
    ("publish_at", "message"),
    [
        (T0 - HOUR, "has passed"),
        (T0 + 30 * HOUR - 30 * HOUR, "has passed"),
        (T0 + HOUR, "comes before the survey opens"),
        (T0 + 20 * DAY, "the close publishes the final release"),
    ],
)
def test_a_release_time_outside_the_survey_is_refused(
    db_session: Any, bundled_version: InstrumentVersion, publish_at: dt.datetime, message: str
) -> None:
    survey = _draft(opens_at=T0 + 2 * HOUR, closes_at=T0 + 20 * DAY)
    db_session.commit()
    with pytest.raises(DomainError, match=message):
        schedule_release(survey.id, publish_at, now=T0)
    assert db_session.scalar(select(func.count()).select_from(ScheduledRelease)) == 0


def test_a_close_moved_before_a_scheduled_release_is_refused(
    db_session: Any, bundled_version: InstrumentVersion
) -> None:
    survey = _draft(opens_at=T0 + HOUR, closes_at=T0 + 20 * DAY)
    schedule_release(survey.id, T0 + 10 * DAY, now=T0)
    db_session.commit()
    with pytest.raises(DomainError, match="A release is scheduled for 2031-03-12 09:00 UTC"):
        set_schedule(
            survey.id,
            opens_at=T0 + HOUR,
            closes_at=T0 + 5 * DAY,
            open_automatically=False,
            remind_after_days=None,
            max_reminders=None,
            now=T0,
        )


def test_an_open_survey_keeps_its_opening_and_a_closed_one_has_no_schedule(
    db_session: Any, bundled_version: InstrumentVersion
) -> None:
    from app.surveys.services import open_survey

    survey = _draft(opens_at=T0, closes_at=T0 + 20 * DAY)
    open_survey(survey.id)
    db_session.commit()
    keep: dict[str, Any] = {"open_automatically": False, "remind_after_days": 2, "max_reminders": 1}
    with pytest.raises(Conflict, match="its opening can no longer change"):
        set_schedule(survey.id, opens_at=T0 + DAY, closes_at=T0 + 20 * DAY, now=T0, **keep)
    set_schedule(survey.id, opens_at=T0, closes_at=T0 + 25 * DAY, now=T0 + DAY, **keep)
    assert (survey.closes_at, survey.remind_after_days) == (T0 + 25 * DAY, 2)
    survey.state = SurveyState.CLOSED.value
    db_session.commit()
    with pytest.raises(Conflict, match="its schedule is over"):
        set_schedule(survey.id, opens_at=T0, closes_at=T0 + 25 * DAY, now=T0 + DAY, **keep)


def test_a_draft_whose_close_has_passed_too_is_not_opened(
    db_session: Any, scheduled: Survey, mail_server: SmtpServer
) -> None:
    run_at(T0 + 11 * DAY)  # the worker was down through the whole survey
    assert _fresh(db_session, Survey, scheduled.id).state == SurveyState.DRAFT.value
    assert mail_server.received == []
