"""The schedule page of a survey, the worker and outbox page, and the survey page's link
base: set times and a cadence, schedule releases, see the worker's heartbeat; every bad
input answered with its reason and nothing stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.auth.models import StaffUser
from app.instruments.models import InstrumentVersion
from app.outbox.models import OutboxMessage
from app.outbox.services import queue_invitations
from app.surveys.models import Invitation, Survey
from app.surveys.services import create_survey, import_participants, open_survey
from app.worker.models import ScheduledRelease
from app.worker.services import record_heartbeat
from tests.admin.conftest import (
    assert_admin_opens_every_route,
    assert_admins_only,
    assert_refused,
    audit_events,
    blueprint_routes,
    page_text,
    submit,
)
from tests.conftest import AuthActions


@pytest.fixture
def draft(db_session: Any, bundled_version: InstrumentVersion) -> Survey:
    survey = create_survey(instrument_key="relational-climate", title="Scheduled wave")
    import_participants(survey.id, "email,team,level\nana@example.org,Ops,manager\n")
    db_session.commit()
    return survey


GOOD = {
    "opens_at": "2099-03-01T09:00",
    "open_automatically": "y",
    "closes_at": "2099-03-15T17:30",
    "remind_after_days": "4",
    "max_reminders": "2",
}
URL = "/admin/surveys/{}/schedule"


def _stored(db: Any, survey: Survey) -> tuple[Any, ...]:
    db.expire_all()
    s = db.get(Survey, survey.id)
    return (s.opens_at, s.closes_at, s.open_automatically, s.remind_after_days, s.max_reminders)


def test_every_schedule_and_worker_route_is_for_admins_only(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Any,
    make_team: Any,
    draft: Survey,
    db_session: Any,
) -> None:
    routes = blueprint_routes(app, "admin_schedule", survey_id=draft.id, scheduled_id=1)
    routes += blueprint_routes(app, "admin_worker")
    assert len(routes) == 5
    make_team("Sales")
    db_session.commit()
    assert_admins_only(client, auth, make_user, routes, GOOD)
    assert _stored(db_session, draft) == (None, None, False, None, None)
    # An empty schedule form clears the schedule (302); the others refuse it.
    assert_admin_opens_every_route(client, auth, make_user, routes, posted=(302, 400, 404))


def test_an_admin_sets_the_schedule_and_the_survey_page_shows_it(
    client: FlaskClient, admin: StaffUser, draft: Survey, db_session: Any
) -> None:
    response = submit(client, URL.format(draft.id), GOOD)
    assert response.status_code == 302
    utc = dt.UTC
    assert _stored(db_session, draft) == (
        dt.datetime(2099, 3, 1, 9, 0, tzinfo=utc),
        dt.datetime(2099, 3, 15, 17, 30, tzinfo=utc),
        True,
        4,
        2,
    )
    (event,) = audit_events(db_session, "survey.schedule")
    assert event.detail["remind_after_days"] == 4 and event.actor_id == admin.id
    page = page_text(client.get(f"/admin/surveys/{draft.id}"))
    assert "2099-03-01 09:00 UTC</time>, automatically, with the invitations" in page
    assert "4 days after a person's last email, at most 2 per person" in page
    # Emptied again: no cadence.
    data = GOOD | {"remind_after_days": "", "max_reminders": "", "open_automatically": ""}
    assert submit(client, URL.format(draft.id), data).status_code == 302
    assert _stored(db_session, draft)[2:] == (False, None, None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"closes_at": "2099-02-20T09:00"},
            "The survey closes (2099-02-20 09:00 UTC) before it opens (2099-03-01 09:00 UTC)",
        ),
        (
            {"remind_after_days": "20"},
            "A first reminder 20 day(s) after the invitation would come after the close",
        ),
        ({"remind_after_days": "-3"}, "Give a whole number of days from 1 to 365."),
        ({"remind_after_days": "0"}, "Give a whole number of days from 1 to 365."),
        ({"remind_after_days": "abc"}, "Not a valid integer value."),
        ({"max_reminders": "-1"}, "Give a whole number from 0 to 10."),
        ({"opens_at": "2001-01-01T09:00"}, "The opening time 2001-01-01 09:00 UTC has passed"),
        ({"opens_at": ""}, "Give an opening time for the survey to open automatically."),
        ({"closes_at": "next week"}, "Not a valid datetime value."),
    ],
)
def test_a_bad_schedule_is_refused_with_its_reason_and_nothing_is_stored(
    client: FlaskClient,
    admin: StaffUser,
    draft: Survey,
    db_session: Any,
    changes: dict[str, str],
    message: str,
) -> None:
    response = submit(client, URL.format(draft.id), GOOD | changes)
    assert_refused(response, message, db_session, "survey.schedule")
    assert _stored(db_session, draft) == (None, None, False, None, None)


def test_an_open_survey_keeps_its_opening_and_may_move_its_close(
    client: FlaskClient, admin: StaffUser, draft: Survey, db_session: Any
) -> None:
    open_survey(draft.id)
    db_session.commit()
    page = page_text(client.get(URL.format(draft.id)))
    assert "The opening no longer changes." in page and 'name="opens_at"' not in page
    data = {"closes_at": "2099-05-01T12:00", "remind_after_days": "7", "max_reminders": ""}
    assert submit(client, URL.format(draft.id), data).status_code == 302
    assert _stored(db_session, draft)[1:4] == (
        dt.datetime(2099, 5, 1, 12, 0, tzinfo=dt.UTC),
        False,
        7,
    )


def test_releases_are_scheduled_listed_and_cancelled(
    client: FlaskClient, admin: StaffUser, draft: Survey, db_session: Any
) -> None:
    assert submit(client, URL.format(draft.id), GOOD).status_code == 302
    add = f"/admin/surveys/{draft.id}/schedule/releases"
    page = URL.format(draft.id)
    for when, message in [
        ("2001-01-01T00:00", "The release time 2001-01-01 00:00 UTC has passed"),
        ("2099-02-01T00:00", "comes before the survey opens"),
        ("2099-03-20T00:00", "the close publishes the final release"),
        ("", "Give a date and time."),
    ]:
        response = submit(client, add, {"publish_at": when}, page=page)
        assert_refused(response, message, db_session, "release.schedule")
    assert db_session.scalar(select(func.count()).select_from(ScheduledRelease)) == 0

    assert submit(client, add, {"publish_at": "2099-03-08T12:00"}, page=page).status_code == 302
    text = page_text(client.get(page))
    assert "2099-03-08 12:00 UTC" in text and "waiting" in text
    # A second at the same time is refused; a close moved before it too.
    response = submit(client, add, {"publish_at": "2099-03-08T12:00"}, page=page)
    assert_refused(response, "already scheduled", db_session, "release.unschedule")
    response = submit(client, page, GOOD | {"closes_at": "2099-03-07T00:00"})
    assert response.status_code == 400
    assert "A release is scheduled for 2099-03-08 12:00 UTC" in page_text(response)

    (scheduled,) = db_session.scalars(select(ScheduledRelease))
    cancel = f"/admin/surveys/{draft.id}/schedule/releases/{scheduled.id}/cancel"
    assert submit(client, cancel, {}, page=page).status_code == 302
    assert db_session.scalar(select(func.count()).select_from(ScheduledRelease)) == 0
    assert len(audit_events(db_session, "release.unschedule")) == 1


def test_the_worker_page_shows_heartbeats_and_the_outbox_but_no_address_or_token(
    app: Flask, client: FlaskClient, admin: StaffUser, draft: Survey, db_session: Any
) -> None:
    text = page_text(client.get("/admin/worker/"))
    assert "No worker has been seen." in text
    assert "No email has been queued." in text

    open_survey(draft.id)
    with app.app_context():
        queue_invitations(draft.id)
        db_session.commit()
    (message,) = db_session.scalars(select(OutboxMessage))
    token = message.raw_token
    record_heartbeat("host:42:abc", "email: 1 sent, 0 to retry, 0 failed")
    db_session.commit()
    text = page_text(client.get("/admin/worker/"))
    assert "Worker last seen" in text and "host:42:abc" in text
    assert "email: 1 sent, 0 to retry, 0 failed" in text
    assert "Scheduled wave" in text and "invitation" in text
    assert token is not None and token not in text and "ana@example.org" not in text

    message = db_session.get(OutboxMessage, message.id)  # the page's request ended the session
    message.status, message.raw_token = "failed", None
    message.last_error = "SMTPRecipientsRefused 550"
    db_session.commit()
    text = page_text(client.get("/admin/worker/"))
    assert "SMTPRecipientsRefused 550" in text

    record_heartbeat(
        "host:42:abc", "nothing was due", now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    )
    db_session.commit()
    text = page_text(client.get("/admin/worker/"))
    assert "No worker has been seen since" in text


def test_the_survey_page_shows_the_link_base_and_warns_when_it_is_elsewhere(
    app: Flask,
    client: FlaskClient,
    admin: StaffUser,
    draft: Survey,
    db_session: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The tests' links lead to http://survey.test; the client asks http://localhost/.
    text = page_text(client.get(f"/admin/surveys/{draft.id}"))
    assert "Links in emails start with <code>http://survey.test</code>." in text
    assert "You are on http://localhost/, but links in emails lead to http://survey.test." in text
    assert "No worker has been seen." in text
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "http://LOCALHOST:80")
    text = page_text(client.get(f"/admin/surveys/{draft.id}"))
    assert "Links in emails start with <code>http://LOCALHOST:80</code>." in text
    assert "but links in emails lead to" not in text
    assert db_session.scalar(select(func.count()).select_from(Invitation)) == 1
