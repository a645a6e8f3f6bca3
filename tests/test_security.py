from __future__ import annotations

import os
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient

from app.auth.models import Role
from app.security import CONTENT_SECURITY_POLICY, LOCKOUT_MESSAGE, SignInThrottle
from config import load_config
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


def test_failed_sign_ins_lock_the_account_for_a_while(
    client: FlaskClient, auth: AuthActions, make_user: Any
) -> None:
    make_user("target@example.org", Role.ADMIN)
    make_user("other@example.org", Role.HR)
    for _ in range(5):
        assert auth.login("target@example.org", "wrong password!").status_code == 401
    locked = auth.login("target@example.org")  # even the right password waits
    assert locked.status_code == 429
    assert LOCKOUT_MESSAGE in locked.get_data(as_text=True)
    assert auth.login("other@example.org").status_code == 302  # other accounts unaffected


def test_successful_sign_ins_do_not_count(
    client: FlaskClient, auth: AuthActions, make_user: Any
) -> None:
    make_user("often@example.org", Role.HR)
    for _ in range(12):
        assert auth.login("often@example.org").status_code == 302
        auth.logout()


def test_rate_limits_use_redis_when_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert load_config("testing").RATELIMIT_STORAGE_URI == "memory://"
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert load_config("testing").RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/0"


def test_a_response_keeps_a_security_header_it_set_itself(client: FlaskClient) -> None:
    """The header is added once; a route's own value (the plotly.js asset sets nosniff) is
    not doubled or replaced."""
    response = client.get("/login")
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert len(response.headers.getlist(name)) == 1, name


REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_url() -> str:
    """A Redis database for the test, or a skip (a failure when MUTUALITY_REQUIRE_REDIS=1,
    set by .ci/run)."""
    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        missing = "Redis is not running on 127.0.0.1:6379"
        if os.environ.get("MUTUALITY_REQUIRE_REDIS") == "1":
            pytest.fail(f"MUTUALITY_REQUIRE_REDIS=1 but {missing}", pytrace=False)
        pytest.skip(f"shared sign-in counts not tested: {missing}")
    return REDIS_TEST_URL


def test_workers_share_failed_sign_in_counts_through_redis(redis_url: str) -> None:
    # Two throttles, as two gunicorn workers would hold: failures counted by either lock
    # the account for both.
    first, second = SignInThrottle(redis_url), SignInThrottle(redis_url)
    first.reset()  # database 15 is the tests' own
    account = "target@example.org"
    for throttle in (first, second, first, second):
        assert throttle.allows("10.0.0.1", account)
        throttle.count_failure("10.0.0.1", account)
    assert second.allows("10.0.0.2", account.upper())
    first.count_failure("10.0.0.2", account.upper())  # the fifth, from another address
    assert not first.allows("10.0.0.3", account)
    assert not second.allows("10.0.0.3", f" {account.upper()} ")
    assert second.allows("10.0.0.3", f"other-{account}")
    # Ten failures from one address lock it for every account.
    address = "10.0.0.9"
    for n in range(10):
        assert first.allows(address, f"user{n}-{account}")
        second.count_failure(address, f"user{n}-{account}")
    assert not first.allows(address, f"fresh-{account}")
    first.reset()
