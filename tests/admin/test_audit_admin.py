"""The audit log page (/admin/audit), through the real view and the real login."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.audit.services import record_event
from app.auth.models import Role, StaffUser
from tests.admin.conftest import ADMIN
from tests.conftest import AuthActions, csrf_token_from

URL = "/admin/audit/"


def _event(
    db: Any, actor: StaffUser | None, action: str, when: dt.datetime, **detail: Any
) -> AuditEvent:
    event = record_event(actor, action, "survey", 7, **detail)
    event.occurred_at = when
    db.commit()
    return event


@pytest.fixture
def log(db_session: Any, make_user: Any, admin: StaffUser) -> dict[str, StaffUser]:
    """Four events by two people on three days (the sign-in wrote none)."""
    alice = make_user("Alice@Example.org", Role.ADMIN)
    hal = make_user("hal@example.org", Role.HR)
    day = dt.datetime(2027, 5, 10, 9, 30, tzinfo=dt.UTC)
    _event(db_session, alice, "survey.create", day, title="Spring")
    _event(db_session, alice, "survey.open", day + dt.timedelta(days=1))
    _event(db_session, hal, "report.view", day + dt.timedelta(days=1, hours=2), page="overview")
    _event(db_session, None, "survey.close", day + dt.timedelta(days=2))
    return {"alice": alice, "hal": hal}


def _rows(html: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    if body is None:
        return []
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def test_only_admins_see_the_audit_log(
    client: FlaskClient, auth: AuthActions, make_user: Any, make_team: Any
) -> None:
    anonymous = client.get(URL)
    assert anonymous.status_code == 302 and anonymous.location.startswith("/login")
    make_team("Sales")
    make_user("hr@example.org", Role.HR)
    make_user("lead@example.org", Role.MANAGER, ["Sales"])
    for email in ("hr@example.org", "lead@example.org"):
        auth.login(email)
        assert client.get(URL).status_code == 403
        assert client.get(URL + "?action=user.create").status_code == 403
        auth.logout()
    make_user(ADMIN, Role.ADMIN)
    auth.login(ADMIN)
    assert client.get(URL).status_code == 200


def test_events_newest_first_with_actor_action_object_detail_and_utc_time(
    client: FlaskClient, log: dict[str, StaffUser]
) -> None:
    html = client.get(URL).get_data(as_text=True)
    assert _rows(html) == [
        ["2027-05-12 09:30:00", "(no account)", "Survey closed survey.close", "survey 7", ""],
        [
            "2027-05-11 11:30:00",
            "hal@example.org",
            "Report viewed report.view",
            "survey 7",
            'page="overview"',
        ],
        ["2027-05-11 09:30:00", "alice@example.org", "Survey opened survey.open", "survey 7", ""],
        [
            "2027-05-10 09:30:00",
            "alice@example.org",
            "Survey created survey.create",
            "survey 7",
            'title="Spring"',
        ],
    ]
    assert '<th scope="col">Time (UTC)</th>' in html
    assert '<time datetime="2027-05-12T09:30:00+00:00">' in html
    assert "4 events" in html


def test_filter_by_action_actor_object_type_and_dates(
    client: FlaskClient, log: dict[str, StaffUser]
) -> None:
    def actions(query: str) -> list[str]:
        response = client.get(URL + query)
        assert response.status_code == 200
        # The action's words, then its stored key (what the filter matches).
        return [row[2].split()[-1] for row in _rows(response.get_data(as_text=True))]

    page = client.get(URL).get_data(as_text=True)
    for action, words in (
        ("report.view", "Report viewed"),
        ("survey.close", "Survey closed"),
        ("survey.create", "Survey created"),
        ("survey.open", "Survey opened"),
    ):
        assert f'<option value="{action}">{words} ({action})</option>' in page  # the select

    assert actions("?action=survey.open") == ["survey.open"]
    assert actions("?actor=ALICE") == ["survey.open", "survey.create"]  # any case, a part
    assert actions("?actor=example.org&action=report.view") == ["report.view"]
    assert actions("?object_type=survey") == [
        "survey.close",
        "report.view",
        "survey.open",
        "survey.create",
    ]
    assert actions("?since=2027-05-11&until=2027-05-11") == ["report.view", "survey.open"]
    assert actions("?since=2027-05-12") == ["survey.close"]
    assert actions("?until=2027-05-10") == ["survey.create"]
    filtered = client.get(URL + "?action=survey.open").get_data(as_text=True)
    assert '<option selected value="survey.open">' in filtered
    assert "1 event matches the filters" in filtered


@pytest.mark.parametrize(
    "query",
    [
        "?action=no.such.action",
        "?object_type=spaceship",
        "?actor=nobody-at-all",
        "?actor=%25",  # a LIKE wildcard is matched literally
        "?since=2027-13-45",
        "?until=yesterday",
        "?since=2030-01-01",
        "?page=99",
    ],
)
def test_unknown_filter_values_give_an_empty_page(
    client: FlaskClient, log: dict[str, StaffUser], query: str
) -> None:
    response = client.get(URL + query)
    assert response.status_code == 200
    assert _rows(response.get_data(as_text=True)) == []
    assert "No events" in response.get_data(as_text=True)


def test_pagination_fifty_per_page_keeps_the_filters(
    client: FlaskClient, admin: StaffUser, db_session: Any
) -> None:
    start = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    for n in range(120):
        event = record_event(admin, "report.view", "survey", n)
        event.occurred_at = start + dt.timedelta(minutes=n)
    record_event(admin, "survey.open", "survey", 1).occurred_at = start
    db_session.commit()

    first = client.get(URL + "?action=report.view").get_data(as_text=True)
    rows = _rows(first)
    assert len(rows) == 50
    assert rows[0][3] == "survey 119" and rows[-1][3] == "survey 70"
    assert "120 events match the filters; page 1 of 3." in first
    older = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert older
    next_url = html_lib.unescape(older.group(1))
    assert "page=2" in next_url and "action=report.view" in next_url
    assert 'rel="prev"' not in first

    second = _rows(client.get(next_url).get_data(as_text=True))
    assert [r[3] for r in (second[0], second[-1])] == ["survey 69", "survey 20"]
    last = client.get(URL + "?action=report.view&page=3").get_data(as_text=True)
    assert [r[3] for r in _rows(last)] == [f"survey {n}" for n in range(19, -1, -1)]
    assert 'rel="next"' not in last and 'rel="prev"' in last
    assert _rows(client.get(URL + "?action=report.view&page=4").get_data(as_text=True)) == []
    assert len(_rows(client.get(URL + "?page=abc").get_data(as_text=True))) == 50


def test_detail_is_rendered_as_text(client: FlaskClient, admin: StaffUser, db_session: Any) -> None:
    record_event(admin, "survey.create", "survey", 1, title="<script>alert(1)</script>")
    db_session.commit()
    html = client.get(URL).get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_actions_done_in_the_admin_pages_appear_in_the_log(
    client: FlaskClient, admin: StaffUser, db_session: Any
) -> None:
    token = csrf_token_from(client.get("/admin/users/new").get_data(as_text=True))
    password = "a long enough password"
    client.post(
        "/admin/users/new",
        data={
            "csrf_token": token,
            "email": "new@example.org",
            "role": "hr",
            "password": password,
            "password_again": password,
        },
    )
    html = client.get(URL + "?action=user.create&actor=admin@").get_data(as_text=True)
    (row,) = _rows(html)
    new_user = db_session.scalar(select(StaffUser).where(StaffUser.email == "new@example.org"))
    assert row[1:4] == [
        "admin@example.org",
        "Staff account created user.create",
        f"staff account {new_user.id}",
    ]
    assert 'email="new@example.org"' in row[4] and 'role="hr"' in row[4]
    assert password not in html


def test_page_has_no_inline_script_or_style_and_labels_every_filter(
    client: FlaskClient, log: dict[str, StaffUser]
) -> None:
    html = client.get(URL).get_data(as_text=True)
    assert "<script" not in html and "style=" not in html
    assert "<th>" not in html
    for control in ("actor", "action", "object_type", "since", "until"):
        assert f'<label for="{control}">' in html
