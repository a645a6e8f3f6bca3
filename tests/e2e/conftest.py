"""Fixtures for the real-browser tests: Debian's Chromium driven by Playwright (sync API,
through pytest-playwright's fixtures) against the app served live on 127.0.0.1.

The live app has a database of its own (`scratch_engine`: a temporary SQLite file or a fresh
PostgreSQL database) where the server threads really commit, seeded with the real services.

Without /usr/bin/chromium the tests are skipped with the reason shown in the summary, unless
MUTUALITY_REQUIRE_BROWSER=1 (set by .ci/run), in which case they fail.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine
from werkzeug.serving import make_server

from app import create_app
from app.db import Base, Session
from app.instruments.document import InstrumentDocument
from app.instruments.queries import document_of
from app.instruments.services import sync_instruments
from app.surveys.services import create_survey, import_participants, issue_links, open_survey
from tests.conftest import BUNDLED_INSTRUMENT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

PARTICIPANTS = ("ana", "ben", "cai", "dev")
PARTICIPANTS_CSV = "email,team,level\n" + "".join(
    f"{name}@example.org,Engineering/Platform,individual_contributor\n" for name in PARTICIPANTS
)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Debian's Chromium, or a skip (a failure when MUTUALITY_REQUIRE_BROWSER=1)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        missing = f"{CHROMIUM} not found (apt-get install chromium)"
        if os.environ.get("MUTUALITY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"MUTUALITY_REQUIRE_BROWSER=1 but {missing}", pytrace=False)
        pytest.skip(f"browser tests not run: {missing}")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], chromium_executable: str
) -> dict[str, Any]:
    """pytest-playwright's launch options, pointed at Debian's Chromium (never a download)."""
    return {
        **browser_type_launch_args,
        "executable_path": chromium_executable,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url() -> None:
    """Replaces pytest-playwright's fallback `base_url` fixture, which is declared as an
    instance method of a plugin class and so raises pytest's PytestRemovedIn10Warning (an
    error here). The tests open absolute URLs of the live server."""
    return None


@dataclass
class LiveSurvey:
    """The live server's address, the open survey and one raw token per participant."""

    base_url: str
    engine: Engine
    survey_id: int
    document: InstrumentDocument
    tokens: dict[str, str]

    def url(self, name: str = "ana", query: str = "") -> str:
        return f"{self.base_url}/s/{self.tokens[f'{name}@example.org']}{query}"


@pytest.fixture
def live_survey(
    app: Flask, scratch_engine: Engine, chromium_executable: str
) -> Iterator[LiveSurvey]:
    """The app served by werkzeug in a background thread on a free port of 127.0.0.1, with an
    open survey of the bundled instrument and four participants, really committed."""
    Base.metadata.create_all(scratch_engine)
    Session.remove()
    live_app = create_app(
        "testing", DATABASE_URL=scratch_engine.url.render_as_string(hide_password=False)
    )  # binds the global Session to the live app's engine (same database as scratch_engine)
    live_engine: Engine = live_app.extensions["sqlalchemy_engine"]
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    try:
        (outcome,) = sync_instruments([BUNDLED_INSTRUMENT])
        survey = create_survey(instrument_key="relational-climate", title="Browser wave")
        import_participants(survey.id, PARTICIPANTS_CSV)
        open_survey(survey.id)
        tokens = dict(issue_links(survey.id))
        Session.commit()
        live = LiveSurvey(
            base_url=f"http://127.0.0.1:{server.server_port}",
            engine=scratch_engine,
            survey_id=survey.id,
            document=document_of(outcome.version),
            tokens=tokens,
        )
        Session.remove()
        thread.start()
        yield live
    finally:
        if thread.is_alive():
            server.shutdown()
            thread.join(timeout=10)
        server.server_close()
        Session.remove()
        Session.configure(bind=app.extensions["sqlalchemy_engine"])
        live_engine.dispose()  # before scratch_engine drops its PostgreSQL database
