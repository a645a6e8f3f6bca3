from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from app.auth.models import Role
from app.security import CONTENT_SECURITY_POLICY, same_origin_path
from tests.auth.test_login import OFF_SITE_TARGETS
from tests.conftest import AuthActions, OpenSurvey


def test_every_page_carries_the_security_headers(
    client: FlaskClient, open_survey: OpenSurvey
) -> None:
    for url in ("/login", f"/s/{open_survey.token('ana@example.org')}", "/no/such/page"):
        headers = client.get(url).headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "script-src 'self'" in CONTENT_SECURITY_POLICY
        assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Frame-Options"] == "DENY"
        assert "Strict-Transport-Security" not in headers  # only over HTTPS in production


def test_pages_have_no_inline_script(client: FlaskClient, open_survey: OpenSurvey) -> None:
    import re

    html = client.get(f"/s/{open_survey.token('ana@example.org')}").get_data(as_text=True)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_a_response_keeps_a_security_header_it_set_itself(client: FlaskClient) -> None:
    """The header is added once; a route's own value (the plotly.js asset sets nosniff) is
    not doubled or replaced."""
    response = client.get("/login")
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert len(response.headers.getlist(name)) == 1, name


# --- caching and 405 ------------------------------------------------------------------------


def test_signed_in_pages_and_exports_are_never_stored(
    client: FlaskClient, auth: AuthActions, make_user: Any, bundled_version: Any
) -> None:
    assert client.get("/login").headers["Cache-Control"] == "no-store"  # it holds a token
    make_user("boss@example.org", Role.ADMIN)
    auth.login("boss@example.org")
    for url in ("/", "/reports/", "/admin/users/", "/no/such/page"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    export = client.get("/admin/instruments/relational-climate/versions/1.json")
    assert export.headers["Content-Disposition"].startswith("attachment")
    assert export.headers["Cache-Control"] == "no-store"
    # Static files keep their own caching rule, signed in or not.
    static = client.get("/static/css/app.css")
    static.close()
    assert static.headers["Cache-Control"] != "no-store"


def test_the_staff_rule_leaves_survey_pages_alone(
    client: FlaskClient, open_survey: OpenSurvey
) -> None:
    """No cookie, no staff page: the survey page's caching is its own (taking/routes.py:
    never stored, as a personal link's page)."""
    response = client.get(f"/s/{open_survey.token('ana@example.org')}")
    assert response.status_code == 200
    assert response.headers.getlist("Cache-Control") == ["no-store"]
    assert response.headers.getlist("Set-Cookie") == []


def test_method_not_allowed_names_the_allowed_methods(client: FlaskClient) -> None:
    for accept in ("text/html", "application/json"):
        response = client.get("/logout", headers={"Accept": accept})
        assert response.status_code == 405
        assert set(response.headers["Allow"].split(", ")) >= {"POST"}
        assert "GET" not in response.headers["Allow"]
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    put = client.put("/login")
    assert put.status_code == 405
    assert {"GET", "POST"} <= set(put.headers["Allow"].split(", "))


# --- redirects ---------------------------------------------------------------------------


def _as_a_browser_reads_it(location: str) -> str:
    """The host a browser goes to for a Location header on https://app.example/: tabs and
    newlines dropped, backslashes read as slashes (WHATWG URL parsing of special schemes)."""
    cleaned = "".join(c for c in location if c not in "\t\n\r").replace("\\", "/")
    return urlsplit(urljoin("https://app.example/login", cleaned)).netloc


@given(st.text(max_size=40) | st.sampled_from(OFF_SITE_TARGETS))
def test_same_origin_path_keeps_every_browser_on_the_site(target: str) -> None:
    kept = same_origin_path(target)
    if kept is None:
        return
    assert kept == target
    candidate = kept
    for _ in range(4):  # however often something decodes it on the way
        assert _as_a_browser_reads_it(candidate) == "app.example", candidate
        candidate = unquote(candidate)


@given(st.lists(st.sampled_from(["/", "a", "%", "2F", "5C", "25", "09", "\\", ":"]), max_size=12))
def test_same_origin_path_with_encoded_slashes(pieces: list[str]) -> None:
    test_same_origin_path_keeps_every_browser_on_the_site.hypothesis.inner_test(  # type: ignore[attr-defined]
        "".join(pieces)
    )
