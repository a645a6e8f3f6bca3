"""Shared fixtures.

The schema is created once per run on the test database (TEST_DATABASE_URL, default
in-memory SQLite). Each test runs inside a transaction that is rolled back at the end
(SQLAlchemy's "joining a Session into an external transaction" recipe): views and commands
still call `Session.commit()`, which only releases a SAVEPOINT inside that transaction.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import settings
from sqlalchemy import Engine, make_url, select, text
from sqlalchemy.orm import scoped_session

import app.models
from app import create_app
from app.auth.models import Role, StaffUser
from app.auth.services import create_staff_user
from app.ballots.services import MixOutcome, mix_ballots
from app.db import Base, Session, make_engine
from app.instruments.document import InstrumentDocument
from app.instruments.models import InstrumentVersion
from app.instruments.queries import document_of
from app.instruments.services import sync_instruments
from app.org.models import Team
from app.security import sign_in_throttle
from app.surveys.models import Invitation, InvitationToken, Survey
from app.surveys.services import create_survey, import_participants, issue_links
from app.surveys.services import open_survey as open_survey_service
from app.surveys.tokens import token_sha256
from tests.live_server import serving
from tests.probe_views import probe

TEST_PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[1]

_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

# Property tests check what holds, not how fast: a shared, busy CI machine made a 200 ms
# deadline fail at random. Speed is measured by the benchmarks in bench/.
settings.register_profile("mutuality", deadline=None)
# CI draws the same examples every run (a property or fuzz test that explores freshly each
# time may block a landing on a case nobody changed); `make test` keeps exploring anew.
settings.register_profile("ci", deadline=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("MUTUALITY_CI") else "mutuality")


def database_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", "sqlite://")


def on_postgres() -> bool:
    return database_url().startswith("postgresql")


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    application = create_app("testing")
    application.register_blueprint(probe)
    engine: Engine = application.extensions["sqlalchemy_engine"]
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield application
    Session.remove()
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def scratch_engine(tmp_path: Path) -> Iterator[Engine]:
    """An empty database of its own, for tests that must really commit or migrate: a
    temporary SQLite file, or a fresh PostgreSQL database next to the test database."""
    if not on_postgres():
        engine = make_engine(f"sqlite:///{tmp_path / 'scratch.sqlite3'}")
        yield engine
        engine.dispose()
        return
    url = make_url(database_url())
    name = f"mutuality_scratch_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE "{name}"'))
    admin.dispose()


@pytest.fixture
def committed_db(app: Flask, scratch_engine: Engine) -> Iterator[Engine]:
    """The scratch database with the schema, and the app's Session bound to it, for tests
    whose work must really be committed (other connections, threads or processes see it)."""
    Base.metadata.create_all(scratch_engine)
    Session.remove()
    Session.configure(bind=scratch_engine)
    yield scratch_engine
    Session.remove()
    Session.configure(bind=app.extensions["sqlalchemy_engine"])


@pytest.fixture
def db_session(app: Flask) -> Iterator[scoped_session[Any]]:
    engine: Engine = app.extensions["sqlalchemy_engine"]
    connection = engine.connect()
    transaction = connection.begin()
    Session.remove()
    Session.configure(bind=connection, join_transaction_mode="create_savepoint")
    yield Session
    Session.remove()
    transaction.rollback()
    connection.close()
    Session.configure(bind=engine)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app: Flask) -> None:
    """Each test starts with no failed sign-ins counted (memory storage)."""
    with app.app_context():
        sign_in_throttle().reset()


@pytest.fixture
def client(app: Flask, db_session: scoped_session[Any]) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask, db_session: scoped_session[Any]) -> FlaskCliRunner:
    return app.test_cli_runner()


def invitation_for_token(raw_token: str) -> Invitation | None:
    """The invitation of a raw survey token (the app itself only reads what the survey page
    needs: app.taking.queries.survey_link)."""
    return Session.scalar(
        select(Invitation)
        .join(InvitationToken, InvitationToken.invitation_id == Invitation.id)
        .where(InvitationToken.token_sha256 == token_sha256(raw_token))
    )


def csrf_token_from(html: str) -> str:
    match = _CSRF_RE.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


class AuthActions:
    """Sign in and out through the real login form, CSRF token included."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = TEST_PASSWORD) -> Any:
        page = self._client.get("/login")
        token = csrf_token_from(page.get_data(as_text=True))
        return self._client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def logout(self) -> Any:
        page = self._client.get("/", follow_redirects=True)  # a manager lands on their team
        token = csrf_token_from(page.get_data(as_text=True))
        return self._client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def make_team(db_session: scoped_session[Any]) -> Any:
    """Create a team (and its missing ancestors) from a path like "Engineering/Platform"."""

    def factory(path: str) -> Team:
        parent: Team | None = None
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            sub = "/".join(parts[:depth])
            team = db_session.scalar(select(Team).where(Team.path == sub))
            if team is None:
                team = Team(name=parts[depth - 1], path=sub, parent=parent)
                db_session.add(team)
                db_session.flush()
            parent = team
        assert parent is not None
        return parent

    return factory


@pytest.fixture
def make_user(db_session: scoped_session[Any]) -> Any:
    def factory(email: str, role: Role | str = Role.ADMIN, teams: Sequence[str] = ()) -> StaffUser:
        user = create_staff_user(email, TEST_PASSWORD, role, teams)
        db_session.commit()
        return user

    return factory


# Version 1 of the bundled instrument, archived unchanged: the suite is written against its
# keys (52 items, 13 dimensions). Version 2 is the file `instruments sync` reads.
BUNDLED_INSTRUMENT = ROOT / "instruments" / "archive" / "relational-climate.v1.json"
BUNDLED_INSTRUMENT_V2 = ROOT / "instruments" / "relational-climate.json"


@pytest.fixture
def bundled_version(db_session: scoped_session[Any]) -> InstrumentVersion:
    """The bundled relational-climate instrument, stored as version 1."""
    (outcome,) = sync_instruments([BUNDLED_INSTRUMENT])
    db_session.commit()
    return outcome.version


@dataclass
class OpenSurvey:
    """A survey with participants, open, and the raw token of each person."""

    survey: Survey
    tokens: dict[str, str]

    def token(self, email: str) -> str:
        return self.tokens[email]


PARTICIPANTS_CSV = """email,team,level
ana@example.org,Engineering/Platform,individual_contributor
ben@example.org,Engineering/Platform,manager
cai@example.org,Sales,senior_leader
"""


@pytest.fixture
def open_survey(db_session: scoped_session[Any], bundled_version: InstrumentVersion) -> OpenSurvey:
    survey = create_survey(instrument_key="relational-climate", title="Spring wave")
    import_participants(survey.id, PARTICIPANTS_CSV)
    tokens = dict(issue_links(survey.id))  # the links file exists only before the opening
    open_survey_service(survey.id)
    db_session.commit()
    return OpenSurvey(survey, tokens)


@pytest.fixture
def mix_all(app: Flask, db_session: scoped_session[Any]) -> Callable[[Survey], MixOutcome]:
    """Open every sealed ballot of a survey into responses and commit, as its close does
    (in the test's transaction): a submission stores a ballot, a test reading responses
    mixes first."""

    def mix(survey: Survey) -> MixOutcome:
        with app.app_context():  # the app's BALLOT_KEYS; its end removes the session
            outcome = mix_ballots(survey, final=True)
            db_session.commit()
        return outcome

    return mix


def survey_answers(
    document: InstrumentDocument, value: str = "4", **overrides: str
) -> dict[str, str]:
    """A complete set of form values for the bundled instrument."""
    data = {f"item_{item.key}": value for item in document.items}
    data.update(overrides)
    return data


SeededT = TypeVar("SeededT")

LIVE_PARTICIPANTS = ("ana", "ben", "cai", "dev")
LIVE_PARTICIPANTS_CSV = "email,team,level\n" + "".join(
    f"{name}@example.org,Engineering/Platform,individual_contributor\n"
    for name in LIVE_PARTICIPANTS
)


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


@contextlib.contextmanager
def live_server(
    app: Flask, scratch_engine: Engine, seed: Callable[[str], SeededT]
) -> Iterator[SeededT]:
    """The app, on the scratch database, served by werkzeug in a background thread on a free
    port of 127.0.0.1. Before the server starts, `seed(base_url)` runs with the global
    Session bound to the live app's engine and commits what the browser should find; its
    result is yielded. Everything is undone on exit."""
    Base.metadata.create_all(scratch_engine)
    Session.remove()
    live_app = create_app(
        "testing", DATABASE_URL=scratch_engine.url.render_as_string(hide_password=False)
    )  # binds the global Session to the live app's engine (same database as scratch_engine)
    live_engine: Engine = live_app.extensions["sqlalchemy_engine"]
    try:
        with serving(live_app, "live-server") as server:
            seeded = seed(server.base_url)
            Session.remove()
            server.start()
            yield seeded
    finally:
        Session.remove()
        Session.configure(bind=app.extensions["sqlalchemy_engine"])
        live_engine.dispose()  # before scratch_engine drops its PostgreSQL database


@pytest.fixture
def live_survey(app: Flask, scratch_engine: Engine) -> Iterator[LiveSurvey]:
    """A live server (see `live_server`) with an open survey of the bundled instrument and
    four participants, really committed."""

    def seed(base_url: str) -> LiveSurvey:
        (outcome,) = sync_instruments([BUNDLED_INSTRUMENT])
        survey = create_survey(instrument_key="relational-climate", title="Browser wave")
        import_participants(survey.id, LIVE_PARTICIPANTS_CSV)
        tokens = dict(issue_links(survey.id))
        open_survey_service(survey.id)
        Session.commit()
        return LiveSurvey(
            base_url=base_url,
            engine=scratch_engine,
            survey_id=survey.id,
            document=document_of(outcome.version),
            tokens=tokens,
        )

    with live_server(app, scratch_engine, seed) as live:
        yield live
