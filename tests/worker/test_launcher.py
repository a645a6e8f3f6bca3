"""`make run`'s launcher (python -m app.worker.launcher), as a developer runs it on a port
of their choosing: the server and a worker start together, the worker's email carries a
link to that very server and port (which answers), the worker leaves its heartbeat, and
Ctrl-C (SIGINT to the launcher) stops both."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask
from sqlalchemy import Engine, select

from app.db import Session
from app.instruments.services import sync_instruments
from app.outbox.services import queue_invitations
from app.surveys.services import create_survey, import_participants, open_survey
from app.worker.launcher import child_environment, commands
from app.worker.models import WorkerHeartbeat
from config import TESTING_BALLOT_KEY
from tests.conftest import BUNDLED_INSTRUMENT
from tests.outbox.conftest import SmtpServer, free_port

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def _wait_for(check: Callable[[], T | None], what: str, timeout: float = 60.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _get(url: str) -> Any:
    """The response, or None while the server is not listening yet (the worker may send
    before the web server has started)."""
    try:
        return urllib.request.urlopen(url, timeout=5)  # noqa: S310
    except urllib.error.URLError:
        return None


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_the_children_run_flask_with_the_servers_host_and_port() -> None:
    web, worker = commands("0.0.0.0", 5050, 2.0).values()  # noqa: S104
    assert web[-6:] == ["app", "run", "--host", "0.0.0.0", "--port", "5050"]  # noqa: S104
    assert worker[-3:] == ["worker", "--interval", "2"]
    env = child_environment("127.0.0.1", 5050, {"PATH": "/bin"})
    assert env == {"PATH": "/bin", "FLASK_RUN_HOST": "127.0.0.1", "FLASK_RUN_PORT": "5050"}


def test_make_run_on_another_port_sends_links_that_reach_it_and_ctrl_c_stops_both(
    app: Flask, committed_db: Engine, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    with app.app_context():
        sync_instruments([BUNDLED_INSTRUMENT])
        survey = create_survey(instrument_key="relational-climate", title="Launcher wave")
        import_participants(survey.id, "email,team,level\nana@example.org,Ops,manager\n")
        open_survey(survey.id)
        queue_invitations(survey.id)
        Session.commit()
    Session.remove()

    port = free_port()
    env: dict[str, Any] = {
        k: v for k, v in os.environ.items() if k not in ("PUBLIC_BASE_URL", "FLASK_RUN_PORT")
    }
    env |= {
        "MUTUALITY_CONFIG": "development",
        "DATABASE_URL": committed_db.url.render_as_string(hide_password=False),
        "BALLOT_KEYS": TESTING_BALLOT_KEY,
        "MAIL_HOST": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "MAIL_FROM": "Mutuality <survey@example.org>",
        "PYTHONUNBUFFERED": "1",
    }
    output = tmp_path / "launcher.log"
    with output.open("wb") as log:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "app.worker.launcher", "--port", str(port), "--interval", "0.5"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: a failing test can stop all of it
        )
    try:
        (email,) = _wait_for(lambda: smtp_server.received, "the invitation email")
        body = email.body
        match = re.search(r"(http://[^\s/]+)/s/([A-Za-z0-9_\-]+)", body)
        assert match is not None, body
        assert match.group(1) == f"http://127.0.0.1:{port}"
        page = _wait_for(lambda: _get(match.group(0)), "the survey page")
        assert page.status == 200
        assert "Submit my answers" in page.read().decode()  # the survey form itself
        with committed_db.connect() as conn:
            beat = _wait_for(
                lambda: conn.execute(select(WorkerHeartbeat.worker_id)).first(), "a heartbeat"
            )
        assert beat is not None

        pids = _wait_for(
            lambda: re.search(r"web pid (\d+), worker pid (\d+)", output.read_text()), "pids"
        )
        web_pid, worker_pid = int(pids.group(1)), int(pids.group(2))
        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=40) == 0, output.read_text()
        assert _gone(web_pid) and _gone(worker_pid), output.read_text()
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait()
