"""Staff users pages (/admin/users), through the real views and the real login."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.auth.models import Role, StaffUser
from app.auth.passwords import verify_password
from app.auth.services import set_active, set_role_and_scopes
from app.auth.sessions import SESSION_KEY
from app.errors import DomainError
from tests.admin.conftest import (
    ADMIN,
    assert_admin_opens_every_route,
    assert_admins_only,
    assert_refused,
    audit_events,
    blueprint_routes,
    page_text,
    page_token,
    submit,
)
from tests.conftest import TEST_PASSWORD, AuthActions, csrf_token_from

NEW_PASSWORD = "a much longer secret 42"


@pytest.fixture
def teams(make_team: Any, db_session: Any) -> None:
    make_team("Engineering/Platform")
    make_team("Sales")
    db_session.commit()


def _user(db: Any, email: str) -> StaffUser | None:
    db.expire_all()
    return db.scalar(select(StaffUser).where(StaffUser.email == email))


def _create(client: FlaskClient, **changes: str) -> Any:
    data = {
        "email": "New.Lead@Example.org",
        "role": "manager",
        "teams": "Engineering/Platform\nSales",
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
    }
    return submit(client, "/admin/users/new", data | changes)


# --- access ---------------------------------------------------------------------------------


def test_every_route_is_for_admins_only(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Any,
    teams: None,
    db_session: Any,
) -> None:
    target = make_user("target@example.org", Role.HR)
    routes = blueprint_routes(app, "admin_users", user_id=target.id)
    assert len(routes) >= 8  # list, new (2), page (2), password (2), deactivate/reactivate

    form = {
        "role": "admin",
        "email": "sneaky@example.org",
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
    }
    assert_admins_only(client, auth, make_user, routes, form)
    target = _user(db_session, "target@example.org")
    assert target is not None
    assert (target.role, target.is_active) == ("hr", True)
    assert verify_password(target.password_hash, TEST_PASSWORD)
    assert _user(db_session, "sneaky@example.org") is None

    # de/reactivate are done by an empty form; the others refuse it
    assert_admin_opens_every_route(client, auth, make_user, routes, posted=(302, 400))


# --- list and create ------------------------------------------------------------------------


def test_list_shows_roles_scopes_and_status(
    client: FlaskClient, admin: StaffUser, make_user: Any, teams: None, db_session: Any
) -> None:
    make_user("lead@example.org", Role.MANAGER, ["Sales"])
    gone = make_user("gone@example.org", Role.HR)
    gone.is_active = False
    db_session.commit()
    html = client.get("/admin/users/").get_data(as_text=True)
    assert "lead@example.org" in html and "<td>Sales</td>" in html
    assert "gone@example.org" in html and "<td>deactivated</td>" in html
    assert f'href="/admin/users/{gone.id}"' in html


def test_create_a_manager(
    client: FlaskClient, admin: StaffUser, teams: None, db_session: Any
) -> None:
    response = _create(client)
    assert response.status_code == 302
    user = _user(db_session, "new.lead@example.org")
    assert user is not None
    assert user.role == "manager"
    assert sorted(t.path for t in user.team_scopes) == ["Engineering/Platform", "Sales"]
    assert verify_password(user.password_hash, NEW_PASSWORD)
    (event,) = audit_events(db_session, "user.create")
    assert (event.actor_id, event.object_type, event.object_id) == (
        admin.id,
        "staff_user",
        str(user.id),
    )
    assert event.detail == {
        "email": "new.lead@example.org",
        "role": "manager",
        "teams": ["Engineering/Platform", "Sales"],
    }
    listing = client.get(response.location).get_data(as_text=True)
    assert "Created the manager account new.lead@example.org." in listing
    assert NEW_PASSWORD not in listing


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password": "short one", "password_again": "short one"}, "at least 12 characters"),
        ({"password_again": NEW_PASSWORD + "x"}, "The two passwords differ."),
        ({"teams": ""}, "A manager needs at least one team"),
        ({"teams": "Nowhere/Team"}, "Unknown team(s): Nowhere/Team."),
        ({"role": "hr"}, "Only managers are scoped to teams"),
        ({"role": "superuser"}, "Not a valid choice"),
        ({"email": "not an email"}, "is not a valid email address"),
    ],
)
@pytest.mark.usefixtures("admin", "teams")
def test_bad_new_accounts_are_refused(
    client: FlaskClient, db_session: Any, changes: dict[str, str], message: str
) -> None:
    response = _create(client, **changes)
    assert_refused(response, message, db_session, "user.create")
    assert NEW_PASSWORD not in response.get_data(as_text=True)  # never echoed
    assert db_session.scalar(select(func.count()).select_from(StaffUser)) == 1


def test_duplicate_email_is_refused(
    client: FlaskClient, admin: StaffUser, make_user: Any, teams: None, db_session: Any
) -> None:
    make_user("taken@example.org", Role.HR)
    response = _create(client, email="TAKEN@example.org", role="hr", teams="")
    assert response.status_code == 400
    assert "A staff account for taken@example.org already exists." in page_text(response)
    assert db_session.scalar(select(func.count()).select_from(StaffUser)) == 2


# --- role and scopes ------------------------------------------------------------------------


def test_edit_role_and_scopes(
    client: FlaskClient, admin: StaffUser, make_user: Any, teams: None, db_session: Any
) -> None:
    lead = make_user("lead@example.org", Role.MANAGER, ["Sales"])
    url = f"/admin/users/{lead.id}"
    page = client.get(url).get_data(as_text=True)
    assert '<option selected value="manager">' in page
    assert re.search(r'id="teams"[^>]*>\s*Sales</textarea>', page)

    response = client.post(
        url,
        data={
            "csrf_token": csrf_token_from(page),
            "role": "manager",
            "teams": "Engineering/Platform\nSales",
        },
    )
    assert response.status_code == 302
    user = _user(db_session, "lead@example.org")
    assert user is not None
    assert sorted(t.path for t in user.team_scopes) == ["Engineering/Platform", "Sales"]
    (event,) = audit_events(db_session, "user.update")
    assert event.detail["before"] == {"role": "manager", "teams": ["Sales"]}
    assert event.detail["after"] == {"role": "manager", "teams": ["Engineering/Platform", "Sales"]}

    token = csrf_token_from(page)
    refused = client.post(url, data={"csrf_token": token, "role": "hr", "teams": "Sales"})
    assert refused.status_code == 400
    assert "Only managers are scoped to teams" in page_text(refused)
    promoted = client.post(url, data={"csrf_token": token, "role": "hr", "teams": ""})
    assert promoted.status_code == 302
    user = _user(db_session, "lead@example.org")
    assert user is not None
    assert (user.role, user.team_scopes) == ("hr", [])


def test_an_admin_cannot_take_away_their_own_admin_role(
    client: FlaskClient, admin: StaffUser, make_user: Any, db_session: Any
) -> None:
    make_user("other-admin@example.org", Role.ADMIN)
    url = f"/admin/users/{admin.id}"
    response = submit(client, url, {"role": "hr"})
    assert response.status_code == 400
    assert "You cannot take away your own admin role" in page_text(response)
    user = _user(db_session, ADMIN)
    assert user is not None and user.role == "admin"


# --- password -------------------------------------------------------------------------------


def test_reset_password_then_sign_in_with_the_new_one(
    client: FlaskClient, auth: AuthActions, admin: StaffUser, make_user: Any, db_session: Any
) -> None:
    hr = make_user("hr@example.org", Role.HR)
    url = f"/admin/users/{hr.id}/password"
    token = page_token(client, url)

    weak = client.post(
        url, data={"csrf_token": token, "password": "tiny", "password_again": "tiny"}
    )
    assert weak.status_code == 400
    assert "at least 12 characters" in page_text(weak)

    data = {"csrf_token": token, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    response = client.post(url, data=data)
    assert response.status_code == 302
    assert NEW_PASSWORD not in client.get(response.location).get_data(as_text=True)
    (event,) = audit_events(db_session, "user.password_reset")
    assert event.detail == {"email": "hr@example.org"}
    assert NEW_PASSWORD not in json.dumps(event.detail)

    auth.logout()
    assert auth.login("hr@example.org", TEST_PASSWORD).status_code == 401
    assert auth.login("hr@example.org", NEW_PASSWORD).status_code == 302


def test_a_password_reset_ends_the_accounts_open_sessions(
    app: Flask, client: FlaskClient, admin: StaffUser, make_user: Any
) -> None:
    account = make_user("hr@example.org", Role.HR)
    hr = app.test_client()  # someone signed in with the password about to be replaced
    assert AuthActions(hr).login("hr@example.org").status_code == 302
    assert hr.get("/reports/").status_code == 200
    data = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    url = f"/admin/users/{account.id}/password"
    assert submit(client, url, data).status_code == 302
    signed_out = hr.get("/reports/")
    assert signed_out.status_code == 302
    assert signed_out.location.startswith("/login")
    assert AuthActions(hr).login("hr@example.org", NEW_PASSWORD).status_code == 302
    assert hr.get("/reports/").status_code == 200


def test_an_admin_who_resets_their_own_password_stays_signed_in_here_only(
    app: Flask, client: FlaskClient, admin: StaffUser
) -> None:
    elsewhere = app.test_client()  # the same admin on another device
    assert AuthActions(elsewhere).login(ADMIN).status_code == 302
    url = f"/admin/users/{admin.id}/password"
    data = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    response = submit(client, url, data)
    assert response.status_code == 302
    assert "its open sessions are ended" in page_text(client.get(response.location))
    assert client.get("/admin/users/").status_code == 200
    assert elsewhere.get("/admin/users/").status_code == 302


def test_a_cookie_from_before_server_side_sessions_must_sign_in_again(
    client: FlaskClient, admin: StaffUser
) -> None:
    with client.session_transaction() as session:
        assert session["_user_id"] == str(admin.id)
        del session[SESSION_KEY]  # as a cookie held before migration 0006
    assert client.get("/admin/users/").status_code == 302


# --- deactivation ---------------------------------------------------------------------------


def test_deactivate_and_reactivate(
    client: FlaskClient, auth: AuthActions, admin: StaffUser, make_user: Any, db_session: Any
) -> None:
    hr = make_user("hr@example.org", Role.HR)
    page_url = f"/admin/users/{hr.id}"
    html = client.get(page_url).get_data(as_text=True)
    assert f'action="/admin/users/{hr.id}/deactivate"' in html
    response = client.post(
        f"/admin/users/{hr.id}/deactivate", data={"csrf_token": csrf_token_from(html)}
    )
    assert response.status_code == 302
    user = _user(db_session, "hr@example.org")
    assert user is not None and not user.is_active
    assert len(audit_events(db_session, "user.deactivate")) == 1

    auth.logout()
    assert auth.login("hr@example.org").status_code == 401  # cannot sign in
    auth.login(ADMIN)
    html = client.get(page_url).get_data(as_text=True)
    assert f'action="/admin/users/{hr.id}/reactivate"' in html
    client.post(f"/admin/users/{hr.id}/reactivate", data={"csrf_token": csrf_token_from(html)})
    assert len(audit_events(db_session, "user.reactivate")) == 1
    auth.logout()
    assert auth.login("hr@example.org").status_code == 302


def test_an_admin_cannot_deactivate_themselves(
    client: FlaskClient, admin: StaffUser, make_user: Any, db_session: Any
) -> None:
    make_user("other-admin@example.org", Role.ADMIN)
    token = page_token(client, f"/admin/users/{admin.id}")
    response = client.post(f"/admin/users/{admin.id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 400
    assert "You cannot deactivate your own account" in page_text(response)
    user = _user(db_session, ADMIN)
    assert user is not None and user.is_active
    assert audit_events(db_session, "user.deactivate") == []


def test_the_last_active_admin_stays(db_session: Any, make_user: Any) -> None:
    """Through the pages the last admin is always the one signed in; the services refuse it
    for any caller (the CLI, a script)."""
    last = make_user("last@example.org", Role.ADMIN)
    other = make_user("retired@example.org", Role.ADMIN)
    set_active(other.id, False)
    with pytest.raises(DomainError, match=r"last@example\.org is the last active admin"):
        set_active(last.id, False)
    with pytest.raises(DomainError, match=r"last@example\.org is the last active admin"):
        set_role_and_scopes(last.id, Role.HR, [])
    db_session.rollback()
    user = _user(db_session, "last@example.org")
    assert user is not None and (user.role, user.is_active) == ("admin", True)
    set_active(other.id, True)
    set_active(last.id, False)  # another admin is active now
    assert not last.is_active


def test_unknown_user_is_not_found(client: FlaskClient, admin: StaffUser) -> None:
    assert client.get("/admin/users/9999").status_code == 404
    assert client.get("/admin/users/9999/password").status_code == 404


def test_pages_have_no_inline_script_or_style_and_label_every_control(
    client: FlaskClient, admin: StaffUser, make_user: Any
) -> None:
    hr = make_user("hr@example.org", Role.HR)
    for url in (
        "/admin/users/",
        "/admin/users/new",
        f"/admin/users/{hr.id}",
        f"/admin/users/{hr.id}/password",
    ):
        html = client.get(url).get_data(as_text=True)
        assert "<script" not in html and "style=" not in html and "onclick" not in html
        assert "<th>" not in html
        for control in ("email", "role", "teams", "password", "password_again"):
            if f'id="{control}"' in html:
                assert f'for="{control}"' in html, (url, control)
