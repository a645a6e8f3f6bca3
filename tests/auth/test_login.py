from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.auth.models import Role
from app.auth.routes import LOGIN_FAILED
from tests.conftest import AuthActions, csrf_token_from


def test_login_page_renders_a_form_with_csrf(client: FlaskClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert csrf_token_from(html)
    assert 'autocomplete="current-password"' in html


def test_admin_signs_in_and_out(client: FlaskClient, auth: AuthActions, make_user: Any) -> None:
    make_user("boss@example.org", Role.ADMIN)
    response = auth.login("boss@example.org")
    assert response.status_code == 302
    assert response.location == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "boss@example.org" in home.get_data(as_text=True)

    out = auth.logout()
    assert out.status_code == 302
    assert client.get("/").status_code == 302  # back to the login page


def test_email_is_matched_without_regard_to_case(auth: AuthActions, make_user: Any) -> None:
    make_user("Case@Example.org", Role.HR)
    assert auth.login("CASE@example.ORG").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(
    auth: AuthActions, make_user: Any
) -> None:
    make_user("known@example.org", Role.HR)
    wrong = auth.login("known@example.org", "not the password")
    unknown = auth.login("nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    for response in (wrong, unknown):
        assert LOGIN_FAILED in response.get_data(as_text=True)


def test_disabled_account_cannot_sign_in(
    auth: AuthActions, make_user: Any, db_session: Any
) -> None:
    user = make_user("gone@example.org", Role.HR)
    user.is_active = False
    db_session.commit()
    response = auth.login("gone@example.org")
    assert response.status_code == 401
    assert LOGIN_FAILED in response.get_data(as_text=True)


def test_disabling_an_account_ends_its_open_session(
    client: FlaskClient, auth: AuthActions, make_user: Any, db_session: Any
) -> None:
    user = make_user("soon-gone@example.org", Role.HR)
    assert auth.login("soon-gone@example.org").status_code == 302
    assert client.get("/").status_code == 200
    db_session.get(type(user), user.id).is_active = False
    db_session.commit()
    assert client.get("/").status_code == 302


def test_login_without_csrf_token_is_refused(client: FlaskClient, make_user: Any) -> None:
    make_user("csrf@example.org", Role.ADMIN)
    response = client.post(
        "/login", data={"email": "csrf@example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in


def test_logout_needs_a_post_with_csrf(
    client: FlaskClient, auth: AuthActions, make_user: Any
) -> None:
    make_user("stay@example.org", Role.ADMIN)
    auth.login("stay@example.org")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in


OFF_SITE_TARGETS = [
    "//evil.example/phish",
    "////evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https://evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/%5c%5cevil.example",
    "/%09/evil.example",
    "/%252F%252Fevil.example",
    "/%25252F%25252Fevil.example",
    "/%0d%0aSet-Cookie:%20x=1",
    "evil.example",
]


def _login_with_next(client: FlaskClient, target: str) -> Any:
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    data = {"email": "next@example.org", "password": "correct horse battery", "csrf_token": token}
    return client.post("/login", query_string={"next": target}, data=data)


@pytest.mark.parametrize("target", OFF_SITE_TARGETS)
def test_next_parameter_never_leaves_the_site(
    client: FlaskClient, make_user: Any, target: str
) -> None:
    make_user("next@example.org", Role.ADMIN)
    response = _login_with_next(client, target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/reports/", "/admin/users/?page=2", "/reports/x%20y"])
def test_next_parameter_leads_to_a_page_of_the_site(
    client: FlaskClient, make_user: Any, target: str
) -> None:
    make_user("next@example.org", Role.ADMIN)
    assert _login_with_next(client, target).headers["Location"] == target


def test_a_page_that_needs_sign_in_comes_back_after_it(client: FlaskClient, make_user: Any) -> None:
    make_user("next@example.org", Role.ADMIN)
    sent = client.get("/admin/users/?page=2")
    assert sent.location.startswith("/login?next=")
    token = csrf_token_from(client.get(sent.location).get_data(as_text=True))
    data = {"email": "next@example.org", "password": "correct horse battery", "csrf_token": token}
    assert client.post(sent.location, data=data).headers["Location"] == "/admin/users/?page=2"


def test_protected_page_sends_anonymous_visitors_to_login(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_last_login_is_recorded(auth: AuthActions, make_user: Any, db_session: Any) -> None:
    user = make_user("stamp@example.org", Role.ADMIN)
    assert user.last_login_at is None
    auth.login("stamp@example.org")
    db_session.expire_all()
    assert db_session.get(type(user), user.id).last_login_at is not None
