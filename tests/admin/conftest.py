"""Fixtures shared by the admin page tests."""

from __future__ import annotations

import html as html_lib
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import Role, StaffUser
from tests.conftest import AuthActions, csrf_token_from

ADMIN = "admin@example.org"


@pytest.fixture
def admin(auth: AuthActions, make_user: Any) -> StaffUser:
    """An admin, signed in through the login form."""
    user: StaffUser = make_user(ADMIN, Role.ADMIN)
    assert auth.login(ADMIN).status_code == 302
    return user


def page_token(client: FlaskClient, url: str) -> str:
    """The CSRF token of the page at `url` (which must answer 200)."""
    page = client.get(url)
    assert page.status_code == 200
    return csrf_token_from(page.get_data(as_text=True))


def submit(client: FlaskClient, url: str, data: dict[str, Any], page: str | None = None) -> Any:
    """POST `data` to `url` with the CSRF token of the form's page (`page`, default `url`)."""
    return client.post(url, data=data | {"csrf_token": page_token(client, page or url)})


def page_text(response: Any) -> str:
    """The page as text, entities decoded (messages quote with &#39; and &#34;)."""
    return html_lib.unescape(response.get_data(as_text=True))


def audit_events(db: Any, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def assert_refused(response: Any, message: str, db: Any, action: str) -> None:
    """The form came back with 400 and `message`, and no `action` reached the audit log."""
    assert response.status_code == 400
    assert message in page_text(response)
    assert audit_events(db, action) == []


def blueprint_routes(app: Flask, blueprint: str, **values: Any) -> list[tuple[str, str]]:
    """(method, url) of every route of `blueprint`, whatever routes are added later; `values`
    fill the routes' arguments."""
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith(f"{blueprint}."):
                continue
            url = app.url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})
            routes += [(m, url) for m in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]
    return routes


def assert_admins_only(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Any,
    routes: list[tuple[str, str]],
    form: dict[str, str],
) -> None:
    """Every route sends the anonymous to the sign-in page and refuses HR and a manager (of
    Sales, which must exist) with 403, whatever `form` they post."""
    token = page_token(client, "/login")
    for method, url in routes:
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 302, (method, url)
        assert response.location.startswith("/login"), (method, url)

    make_user("hr@example.org", Role.HR)
    make_user("lead@example.org", Role.MANAGER, ["Sales"])
    for email in ("hr@example.org", "lead@example.org"):
        assert auth.login(email).status_code == 302
        # A manager's home page is their team's view (a redirect); any page has a token.
        home = client.get("/", follow_redirects=True).get_data(as_text=True)
        data = form | {"csrf_token": csrf_token_from(home)}
        for method, url in routes:
            response = client.open(url, method=method, data=data)
            assert response.status_code == 403, (email, method, url)
        auth.logout()


def assert_admin_opens_every_route(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Any,
    routes: list[tuple[str, str]],
    posted: tuple[int, ...],
) -> None:
    """An admin, signed in here, gets every page, and an empty form posted to any route
    answers one of `posted` (refused with a message, or done): never a crash."""
    make_user(ADMIN, Role.ADMIN)
    auth.login(ADMIN)
    token = page_token(client, "/")
    for method, url in routes:
        if method == "GET":
            assert client.get(url).status_code == 200, url
        else:
            assert client.post(url, data={"csrf_token": token}).status_code in posted, url
