from __future__ import annotations

from typing import Any, NoReturn

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError

from app import errors
from app.auth.models import Role
from app.security import SECURITY_HEADERS
from tests.conftest import AuthActions


def test_unknown_page_is_a_404_page(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page not found" in response.get_data(as_text=True)


def test_errors_are_json_when_the_client_asks_for_json(client: FlaskClient) -> None:
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_domain_errors_map_to_their_status(client: FlaskClient) -> None:
    for status in (400, 403, 404, 409, 410):
        response = client.get(f"/probe/raise/{status}")
        assert response.status_code == status
        assert f"raised {status}" in response.get_data(as_text=True)


def test_unexpected_errors_show_a_generic_500_page(client: FlaskClient) -> None:
    response = client.get("/probe/crash")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong on our side" in body
    assert "secret detail" not in body  # the exception text is logged, not shown


@pytest.mark.parametrize("kind", ["down", "lost"])
def test_an_unreachable_database_answers_503_with_a_clear_page(
    client: FlaskClient, kind: str
) -> None:
    response = client.get(f"/probe/database/{kind}")
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.headers["Retry-After"] == "60"
    body = response.get_data(as_text=True)
    assert "The service is temporarily unavailable" in body
    assert "Answers you have not submitted yet stay in this browser." in body
    assert "SELECT" not in body  # the cause is logged, not shown
    assert "server closed the connection" not in body and "connection lost" not in body


def test_a_failed_write_answers_the_500_page_with_the_security_headers(
    client: FlaskClient, auth: AuthActions, make_user: Any
) -> None:
    """The page reads the signed-in user, whom the failed flush expired: the session is
    rolled back first, so the shared page renders (it raised before, and Flask sent its
    bare page, without the headers of app.security)."""
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")
    response = client.get("/probe/failed-write")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert "admin@example.org" in response.get_data(as_text=True)  # the full layout
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value


def test_an_error_page_that_cannot_read_the_database_still_has_the_headers(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def database_down(*_args: Any, **_kwargs: Any) -> NoReturn:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(errors, "render_template", database_down)
    response = client.get("/probe/crash")
    assert response.status_code == 500
    assert "<h1>Something went wrong on our side</h1>" in response.get_data(as_text=True)
    assert (
        response.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]
    )


def test_an_unreachable_database_answers_503_in_json(client: FlaskClient) -> None:
    response = client.get("/probe/database/down", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.get_json()["message"] == str(errors.UNAVAILABLE_MESSAGE)


def test_other_database_errors_stay_500(client: FlaskClient) -> None:
    response = client.get("/probe/database/integrity")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong on our side" in body
    assert "secret detail" not in body


def test_the_503_page_does_not_need_the_database(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shared page asks who is signed in, which fails too while the database is down
    (a staff member's session); a minimal page with the same words is sent instead."""

    def database_down(*_args: Any, **_kwargs: Any) -> NoReturn:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(errors, "render_template", database_down)
    with app.test_request_context("/reports/"):
        body, status, headers = errors.render_unavailable()
    assert status == 503
    assert headers == {"Retry-After": "60"}
    assert isinstance(body, str)
    assert "<h1>The service is temporarily unavailable</h1>" in body
    assert str(errors.UNAVAILABLE_MESSAGE) in body
