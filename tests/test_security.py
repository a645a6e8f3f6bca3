from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.auth.models import Role
from app.security import CONTENT_SECURITY_POLICY, LOCKOUT_MESSAGE
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
