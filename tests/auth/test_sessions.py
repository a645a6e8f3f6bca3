"""Staff sessions end on the server: a cookie copied before an event is replayed after it
from another client, and must open neither the reports nor the admin pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.auth.models import Role, StaffSession, StaffUser
from app.auth.services import session_digest, set_active
from app.auth.sessions import SESSION_KEY
from app.db import utcnow
from tests.admin.conftest import ADMIN, audit_events, page_text, submit
from tests.conftest import TEST_PASSWORD, AuthActions, csrf_token_from

NEW_PASSWORD = "a much longer secret 42"
COOKIE = "session"


def copied_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "the client holds no session cookie"
    return cookie.value


def replayed(app: Flask, cookie: str, url: str) -> Any:
    """GET `url` from a fresh client holding only the copied `cookie`."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie)
    return thief.get(url)


def assert_cookie_is_dead(app: Flask, cookie: str) -> None:
    for url in ("/reports/", "/admin/users/", "/"):
        response = replayed(app, cookie, url)
        assert response.status_code == 302, url
        assert response.location.startswith("/login"), url


@pytest.fixture
def hr_client(app: Flask, make_user: Any) -> tuple[FlaskClient, StaffUser]:
    """HR, signed in on a client of their own."""
    user = make_user("hr@example.org", Role.HR)
    client = app.test_client()
    assert AuthActions(client).login("hr@example.org").status_code == 302
    return client, user


@pytest.fixture
def admin_client(app: Flask, make_user: Any, db_session: Any) -> tuple[FlaskClient, StaffUser]:
    user = make_user(ADMIN, Role.ADMIN)
    client = app.test_client()
    assert AuthActions(client).login(ADMIN).status_code == 302
    return client, user


def test_a_copied_cookie_works_while_its_session_lives(
    app: Flask, admin_client: tuple[FlaskClient, StaffUser]
) -> None:
    cookie = copied_cookie(admin_client[0])
    assert replayed(app, cookie, "/reports/").status_code == 200
    assert replayed(app, cookie, "/admin/users/").status_code == 200


def test_sign_out_ends_the_session_on_the_server(
    app: Flask, admin_client: tuple[FlaskClient, StaffUser]
) -> None:
    client, _admin = admin_client
    cookie = copied_cookie(client)
    assert AuthActions(client).logout().status_code == 302
    assert_cookie_is_dead(app, cookie)


def test_signing_out_one_browser_leaves_the_accounts_others(
    app: Flask, admin_client: tuple[FlaskClient, StaffUser]
) -> None:
    laptop, _admin = admin_client
    phone = app.test_client()
    assert AuthActions(phone).login(ADMIN).status_code == 302
    AuthActions(laptop).logout()
    assert phone.get("/admin/users/").status_code == 200


def _admin_posts(client: FlaskClient, url: str, data: dict[str, str], page: str) -> None:
    response = submit(client, url, data, page)
    assert response.status_code == 302, page_text(response)


EVENTS: dict[str, Callable[[FlaskClient, StaffUser], None]] = {
    "deactivation": lambda admin, hr: _admin_posts(
        admin, f"/admin/users/{hr.id}/deactivate", {}, f"/admin/users/{hr.id}"
    ),
    "role change": lambda admin, hr: _admin_posts(
        admin, f"/admin/users/{hr.id}", {"role": "admin", "teams": ""}, f"/admin/users/{hr.id}"
    ),
    "admin reset": lambda admin, hr: _admin_posts(
        admin,
        f"/admin/users/{hr.id}/password",
        {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        f"/admin/users/{hr.id}/password",
    ),
}


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_an_admin_action_ends_every_session_of_the_account(
    app: Flask,
    admin_client: tuple[FlaskClient, StaffUser],
    hr_client: tuple[FlaskClient, StaffUser],
    event: str,
) -> None:
    hr_browser, hr = hr_client
    second = app.test_client()
    assert AuthActions(second).login("hr@example.org").status_code == 302
    cookies = [copied_cookie(hr_browser), copied_cookie(second)]
    assert replayed(app, cookies[0], "/reports/").status_code == 200
    EVENTS[event](admin_client[0], hr)
    for cookie in cookies:
        assert_cookie_is_dead(app, cookie)
    assert admin_client[0].get("/admin/users/").status_code == 200  # the admin's own lives


def test_reactivation_revives_no_old_session(
    app: Flask,
    admin_client: tuple[FlaskClient, StaffUser],
    hr_client: tuple[FlaskClient, StaffUser],
    db_session: Any,
) -> None:
    hr_browser, hr = hr_client
    cookie = copied_cookie(hr_browser)
    admin = admin_client[0]
    _admin_posts(admin, f"/admin/users/{hr.id}/deactivate", {}, f"/admin/users/{hr.id}")
    _admin_posts(admin, f"/admin/users/{hr.id}/reactivate", {}, f"/admin/users/{hr.id}")
    db_session.expire_all()
    assert db_session.get(StaffUser, hr.id).is_active
    assert_cookie_is_dead(app, cookie)
    assert hr_browser.get("/reports/").status_code == 302  # the owner's browser too
    assert AuthActions(app.test_client()).login("hr@example.org").status_code == 302


def test_deactivation_through_the_service_ends_sessions_too(
    app: Flask, hr_client: tuple[FlaskClient, StaffUser], make_user: Any, db_session: Any
) -> None:
    hr_browser, hr = hr_client
    cookie = copied_cookie(hr_browser)
    set_active(hr.id, False)
    db_session.commit()
    set_active(hr.id, True)
    db_session.commit()
    assert_cookie_is_dead(app, cookie)


def test_saving_an_unchanged_role_keeps_the_sessions(
    app: Flask,
    admin_client: tuple[FlaskClient, StaffUser],
    hr_client: tuple[FlaskClient, StaffUser],
) -> None:
    hr_browser, hr = hr_client
    page = f"/admin/users/{hr.id}"
    _admin_posts(admin_client[0], page, {"role": "hr", "teams": ""}, page)
    assert hr_browser.get("/reports/").status_code == 200


def test_changing_ones_own_password_ends_the_other_sessions(
    app: Flask, hr_client: tuple[FlaskClient, StaffUser], db_session: Any
) -> None:
    here, _hr = hr_client
    elsewhere = app.test_client()
    assert AuthActions(elsewhere).login("hr@example.org").status_code == 302
    cookies = [copied_cookie(here), copied_cookie(elsewhere)]
    response = submit(
        here,
        "/account/password",
        {
            "current_password": TEST_PASSWORD,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    for cookie in cookies:
        assert_cookie_is_dead(app, cookie)
    assert here.get("/reports/").status_code == 200  # this browser carries on, anew
    assert elsewhere.get("/reports/").status_code == 302
    assert len(audit_events(db_session, "user.password_change")) == 1
    assert AuthActions(app.test_client()).login("hr@example.org", NEW_PASSWORD).status_code == 302


def test_changing_ones_password_needs_the_current_one(
    app: Flask, hr_client: tuple[FlaskClient, StaffUser]
) -> None:
    here, _hr = hr_client
    cookie = copied_cookie(here)
    data = {"current_password": "not it at all", "password": NEW_PASSWORD}
    response = submit(here, "/account/password", data | {"password_again": NEW_PASSWORD})
    assert response.status_code == 400
    assert "The current password is not right." in page_text(response)
    assert replayed(app, cookie, "/reports/").status_code == 200  # nothing ended
    assert AuthActions(app.test_client()).login("hr@example.org").status_code == 302


def test_the_password_form_states_the_rule(hr_client: tuple[FlaskClient, StaffUser]) -> None:
    html = page_text(hr_client[0].get("/account/password"))
    assert "not a common password" in html
    assert "not built on the account's email address" in html


def test_an_admin_resetting_their_own_password_carries_on_in_a_new_session(
    app: Flask, admin_client: tuple[FlaskClient, StaffUser]
) -> None:
    client, admin = admin_client
    cookie = copied_cookie(client)
    url = f"/admin/users/{admin.id}/password"
    _admin_posts(client, url, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}, url)
    assert_cookie_is_dead(app, cookie)
    assert client.get("/admin/users/").status_code == 200
    assert copied_cookie(client) != cookie


# --- sign-in renews the session and the CSRF secret ------------------------------------------


def test_a_csrf_token_from_a_planted_cookie_is_refused_after_sign_in(
    app: Flask, make_user: Any, db_session: Any
) -> None:
    """The attacker reads a sign-in page, plants its cookie in the victim's browser, and
    later forges a request with the token of that page."""
    make_user(ADMIN, Role.ADMIN)
    attacker = app.test_client()
    attacker_token = csrf_token_from(attacker.get("/login").get_data(as_text=True))
    victim = app.test_client()
    victim.set_cookie(COOKIE, copied_cookie(attacker))
    page = victim.get("/login").get_data(as_text=True)
    assert csrf_token_from(page)  # the victim's form is drawn from the planted secret
    assert AuthActions(victim).login(ADMIN).status_code == 302

    forged = {
        "email": "mallory@example.org",
        "role": "admin",
        "teams": "",
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
        "csrf_token": attacker_token,
    }
    response = victim.post("/admin/users/new", data=forged)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    db_session.expire_all()
    mallory = select(func.count()).where(StaffUser.email == "mallory@example.org")
    assert db_session.scalar(mallory) == 0
    assert victim.get("/admin/users/").status_code == 200  # the victim is still signed in


def test_sign_in_gives_a_new_cookie_and_forgets_what_the_old_one_held(
    app: Flask, make_user: Any
) -> None:
    make_user(ADMIN, Role.ADMIN)
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        before = dict(session)
    assert AuthActions(client).login(ADMIN).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != before.get("csrf_token")
        assert isinstance(session.get(SESSION_KEY), str)


# --- what the server keeps, and the time limits ----------------------------------------------


def _session_key(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        key: str = session[SESSION_KEY]
    return key


def _row(db: Any, key: str) -> StaffSession:
    db.expire_all()
    row = db.get(StaffSession, session_digest(key))
    assert row is not None
    return row


def test_the_server_keeps_only_a_digest_of_the_key(
    hr_client: tuple[FlaskClient, StaffUser], db_session: Any
) -> None:
    key = _session_key(hr_client[0])
    ids = list(db_session.scalars(select(StaffSession.id)))
    assert session_digest(key) in ids
    assert key not in ids
    assert len(key) >= 40  # 32 random bytes


def _age(db: Any, key: str, **since: dt.timedelta) -> None:
    """Move a session back in time."""
    row = _row(db, key)
    for column, delta in since.items():
        setattr(row, column, utcnow() - delta)
    db.commit()


def test_an_idle_session_ends_for_good(
    app: Flask, hr_client: tuple[FlaskClient, StaffUser], db_session: Any
) -> None:
    client, _hr = hr_client
    key = _session_key(client)
    cookie = copied_cookie(client)
    idle = dt.timedelta(minutes=app.config["STAFF_SESSION_IDLE_MINUTES"])
    _age(db_session, key, last_seen_at=idle - dt.timedelta(minutes=1))
    assert client.get("/reports/").status_code == 200  # not yet
    _age(db_session, key, last_seen_at=idle + dt.timedelta(minutes=1))
    assert client.get("/reports/").status_code == 302
    assert _row(db_session, key).ended_at is not None
    _age(db_session, key, last_seen_at=dt.timedelta(0))
    assert_cookie_is_dead(app, cookie)  # a copy from before, even with a fresh last seen


def test_a_session_ends_at_its_absolute_lifetime_however_busy(
    app: Flask, hr_client: tuple[FlaskClient, StaffUser], db_session: Any
) -> None:
    client, _hr = hr_client
    lifetime = dt.timedelta(hours=app.config["STAFF_SESSION_MAX_HOURS"])
    _age(db_session, _session_key(client), created_at=lifetime + dt.timedelta(minutes=1))
    assert client.get("/reports/").status_code == 302


def test_last_seen_is_written_at_most_once_a_minute(
    hr_client: tuple[FlaskClient, StaffUser], db_session: Any
) -> None:
    client, _hr = hr_client
    key = _session_key(client)
    _age(db_session, key, last_seen_at=dt.timedelta(seconds=10))
    seen = _row(db_session, key).last_seen_at
    client.get("/reports/")
    assert _row(db_session, key).last_seen_at == seen
    _age(db_session, key, last_seen_at=dt.timedelta(minutes=2))
    client.get("/reports/")
    assert utcnow() - _row(db_session, key).last_seen_at < dt.timedelta(seconds=30)


def test_a_cookie_naming_another_account_opens_nothing(
    app: Flask, hr_client: tuple[FlaskClient, StaffUser], admin_client: tuple[FlaskClient, Any]
) -> None:
    """The session key is checked against the account the cookie names (Flask-Login's id)."""
    client, _hr = hr_client
    _admin_browser, admin = admin_client
    with client.session_transaction() as session:
        session["_user_id"] = str(admin.id)
    assert client.get("/admin/users/").status_code == 302
