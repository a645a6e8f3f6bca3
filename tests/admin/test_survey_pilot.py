"""Marking a survey as a pilot: the admin survey page, the command line, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner

from app.auth.models import Role
from app.instruments.models import InstrumentVersion
from app.surveys.models import Survey
from app.surveys.services import create_survey, open_survey
from tests.admin.conftest import audit_events, page_text, submit
from tests.conftest import AuthActions


@pytest.fixture
def survey(db_session: Any, bundled_version: InstrumentVersion) -> Survey:
    created = create_survey(instrument_key="relational-climate", title="Try-out")
    open_survey(created.id)  # the mark may change in any state
    db_session.commit()
    return created


def pilot_of(db_session: Any, survey_id: int) -> bool:
    db_session.expire_all()
    return bool(db_session.get(Survey, survey_id).pilot)


def test_admin_marks_a_survey_as_a_pilot_and_back(
    client: FlaskClient, admin: Any, survey: Survey, db_session: Any
) -> None:
    page = f"/admin/surveys/{survey.id}"
    assert "no: a wave of trends" in page_text(client.get(page))
    marked = submit(client, f"{page}/pilot", {"kind": "pilot"}, page)
    assert marked.status_code == 302
    assert pilot_of(db_session, survey.id) is True
    assert "yes: left out of trends and changes" in page_text(client.get(page))
    unmarked = submit(client, f"{page}/pilot", {"kind": "wave"}, page)
    assert unmarked.status_code == 302
    assert pilot_of(db_session, survey.id) is False
    events = audit_events(db_session, "survey.pilot")
    assert [e.detail["pilot"] for e in events] == [True, False]


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (None, "Choose a wave or a pilot."),
        ("", "Choose a wave or a pilot."),
        ("yes", "Not a valid choice"),
        ("pilot\x00", "contains a control character, U+0000 (NUL)"),
    ],
)
def test_a_bad_pilot_mark_is_refused_and_nothing_changes(
    client: FlaskClient, admin: Any, survey: Survey, db_session: Any, kind: Any, message: str
) -> None:
    page = f"/admin/surveys/{survey.id}"
    refused = submit(client, f"{page}/pilot", {} if kind is None else {"kind": kind}, page)
    assert refused.status_code == 400
    assert message in page_text(refused)
    assert pilot_of(db_session, survey.id) is False
    assert audit_events(db_session, "survey.pilot") == []


def test_only_admins_mark_pilots_and_unknown_surveys_are_404(
    client: FlaskClient, auth: AuthActions, make_user: Any, survey: Survey, db_session: Any
) -> None:
    make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    refused = client.post(f"/admin/surveys/{survey.id}/pilot", data={"kind": "pilot"})
    assert refused.status_code in (400, 403)  # no token for HR: the page is not theirs
    assert pilot_of(db_session, survey.id) is False


def test_unknown_survey_is_404_for_an_admin(client: FlaskClient, admin: Any) -> None:
    page = "/admin/surveys/"
    assert submit(client, "/admin/surveys/999999/pilot", {"kind": "pilot"}, page).status_code == 404


def test_pilot_through_the_command_line(
    runner: FlaskCliRunner, db_session: Any, bundled_version: InstrumentVersion
) -> None:
    created = runner.invoke(
        args=["surveys", "create", "--instrument", "relational-climate", "--title", "P", "--pilot"]
    )
    assert created.exit_code == 0, created.output
    survey_id = int(created.output.strip())
    assert pilot_of(db_session, survey_id) is True
    off = runner.invoke(args=["surveys", "pilot", str(survey_id), "--off"])
    assert off.exit_code == 0 and f"Survey {survey_id} is a wave." in off.output
    assert pilot_of(db_session, survey_id) is False
    missing = runner.invoke(args=["surveys", "pilot", "999999"])
    assert missing.exit_code == 1 and "Error:" in missing.output
