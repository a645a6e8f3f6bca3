"""Survey tokens never reach a log: a whole survey cycle through a real web server (the
development server, which writes every request line) with every logger capturing."""

from __future__ import annotations

import http.client
import logging
import re
from urllib.parse import urlencode, urlsplit

import pytest

from tests.conftest import LiveSurvey


def _request(
    base: str, method: str, path: str, body: str | None = None, cookie: str = ""
) -> tuple[int, str, str]:
    host = urlsplit(base)
    conn = http.client.HTTPConnection(host.hostname or "127.0.0.1", host.port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    text = response.read().decode()
    cookies = [c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []]
    conn.close()
    return response.status, text, "; ".join(cookies) or cookie


def test_a_survey_cycle_leaves_no_token_in_any_log(
    live_survey: LiveSurvey, caplog: pytest.LogCaptureFixture
) -> None:
    token = live_survey.tokens["ana@example.org"]
    path = f"/s/{token}"
    with caplog.at_level(logging.DEBUG):
        status, page, cookie = _request(live_survey.base_url, "GET", path + "?lang=es")
        assert status == 200
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert csrf
        answers = {f"item_{item.key}": "4" for item in live_survey.document.items}
        body = urlencode({"csrf_token": csrf.group(1), "lang": "es", **answers})
        status, _, cookie = _request(live_survey.base_url, "POST", path, body, cookie)
        assert status == 302
        assert _request(live_survey.base_url, "GET", "/s/thanks?lang=es", cookie=cookie)[0] == 200
        assert _request(live_survey.base_url, "GET", path, cookie=cookie)[0] == 410
        assert _request(live_survey.base_url, "POST", path, body, cookie)[0] == 410
    messages = [record.getMessage() for record in caplog.records]
    request_lines = [m for m in messages if "/s/[token]" in m]
    assert len(request_lines) >= 4  # the server did log every request, redacted
    for message in messages:
        assert token not in message
        assert token[:16] not in message
