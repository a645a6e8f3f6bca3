"""Survey tokens never reach a log: a whole survey cycle through a real web server (the
development server, which writes every request line) with every logger capturing."""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from app.db import Base, make_engine
from app.log_privacy import REDACTED_PATH, redact_survey_tokens
from config import new_ballot_key
from tests.conftest import ROOT, LiveSurvey


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


TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde"  # the shape of token_urlsafe(32)


def _spellings(token: str) -> list[str]:
    """The ways a client can write a survey path that a server logs as sent."""
    one_encoded = f"{token[:5]}%{ord(token[5]):02X}{token[6:]}"
    return [
        f"/s/{token}",
        f"/s/{one_encoded}",
        f"/s/{token.lower()}",
        f"/S/{token}",
        f"/s/{token}/",
        f"/s/{token}?lang=es",
        f"//s//{token}",
        f"/%73/{token}",
        f"/s%2F{token}",
        f"/s%252F{token}",
        f"/s/{token[:20]}/{token[20:]}",
        f"/s/thanks/{token}",
        f"/reports/?next=/s/{token}",
    ]


@pytest.mark.parametrize("path", _spellings(TOKEN))
def test_every_spelling_of_a_survey_path_is_redacted(path: str) -> None:
    line = f'127.0.0.1 - - [06/Dec/2026:10:00:00 +0000] "GET {path} HTTP/1.1" 404 -'
    redacted = redact_survey_tokens(line)
    assert REDACTED_PATH in redacted
    for piece in (TOKEN, TOKEN.lower(), TOKEN[:12], TOKEN[20:32]):
        assert piece not in redacted


@pytest.mark.parametrize(
    "line",
    [
        '"GET /s/thanks?lang=es HTTP/1.1" 200',
        '"GET /s/thanks HTTP/1.1" 200',
        '"GET /static/css/app.css HTTP/1.1" 200',
        '"GET /reports/surveys/3/heatmap?team=4 HTTP/1.1" 200',
        '"POST /admin/surveys/3/open HTTP/1.1" 302',
    ],
)
def test_other_paths_are_logged_as_they_are(line: str) -> None:
    assert redact_survey_tokens(line) == line


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest("GET", path, skip_accept_encoding=True)
    conn.endheaders()
    status = conn.getresponse().status
    conn.close()
    return status


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {proc.returncode}: {log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    pytest.fail("gunicorn did not listen within 60 s")


def test_gunicorns_access_log_holds_no_token(tmp_path: Path) -> None:
    """The production server, with its access log on in the default format, sees every
    spelling of a survey path and writes none of their tokens."""
    database = tmp_path / "mutuality.sqlite3"
    Base.metadata.create_all(make_engine(f"sqlite:///{database}"))
    access_log, server_log = tmp_path / "access.log", tmp_path / "server.log"
    port = _free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    env = {
        **os.environ,
        "MUTUALITY_CONFIG": "production",
        "SECRET_KEY": "log-test-secret",
        "BALLOT_KEYS": new_ballot_key(),
        "PUBLIC_BASE_URL": "https://survey.example.org",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    with server_log.open("wb") as out:
        proc = subprocess.Popen(
            [str(gunicorn), "-w", "1", "-b", f"127.0.0.1:{port}", "--access-logfile",
             str(access_log), "--error-logfile", "-", "app:create_app()"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_listening(proc, port, server_log)
        statuses = [_get(port, path) for path in _spellings(TOKEN)]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert 404 in statuses  # the unknown link was answered, and so logged
    logged = access_log.read_text()
    assert logged.count(REDACTED_PATH) == len(_spellings(TOKEN))
    for piece in (TOKEN, TOKEN.lower(), TOKEN[:12], TOKEN[20:32]):
        assert piece not in logged
        assert piece not in server_log.read_text()
