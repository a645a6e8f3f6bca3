"""/healthz: database, migrations at head and the worker's heartbeat, for load balancers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine

from app import create_app
from app.db import Session, utcnow
from app.health import MIGRATIONS_DIR, code_heads
from app.worker.services import record_heartbeat


def stamp_migrations(connection: Connection, revision: str = "heads") -> None:
    """Record `revision` as the database's Alembic revision (the tests' schema comes from
    the models, which tests/test_migrations.py holds equal to the migrations' head)."""
    MigrationContext.configure(connection).stamp(ScriptDirectory(str(MIGRATIONS_DIR)), revision)


def _health(client: FlaskClient) -> tuple[int, dict[str, Any], Any]:
    response = client.get("/healthz")
    assert response.mimetype == "application/json"
    return response.status_code, response.get_json(), response


def test_at_head_the_answer_is_200_with_every_check(client: FlaskClient, db_session: Any) -> None:
    stamp_migrations(db_session.connection())
    status, body, response = _health(client)
    assert status == 200
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["migrations"] == "at head"
    assert body["migration_head"] == ",".join(code_heads())
    assert body["database_revision"] == body["migration_head"]
    assert body["worker"] == {"status": "unknown", "last_seen_seconds": None}
    # Nothing personal, nothing cached, no cookie: a probe leaves no session behind.
    assert "@" not in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_an_older_revision_answers_503(client: FlaskClient, db_session: Any) -> None:
    stamp_migrations(db_session.connection(), "0001")
    status, body, _ = _health(client)
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["migrations"] == "not at head"
    assert body["database_revision"] == "0001"


def test_a_database_never_migrated_answers_503(app: Flask, committed_db: Engine) -> None:
    # The schema from the models but no alembic_version table: nobody ran `alembic upgrade`.
    status, body, _ = _health(app.test_client())
    assert status == 503
    assert body["migrations"] == "not at head"
    assert body["database_revision"] is None


def test_an_unreachable_database_answers_503_without_the_error(app: Flask, tmp_path: Any) -> None:
    missing = tmp_path / "no-such-directory" / "db.sqlite3"
    broken = create_app("testing", DATABASE_URL=f"sqlite:///{missing}")
    try:
        status, body, response = _health(broken.test_client())
    finally:
        Session.remove()
        broken.extensions["sqlalchemy_engine"].dispose()
        Session.configure(bind=app.extensions["sqlalchemy_engine"])
    assert status == 503
    assert body == {
        "status": "unavailable",
        "database": "unreachable",
        "migrations": "unknown",
        "worker": {"status": "unknown", "last_seen_seconds": None},
    }
    assert str(missing) not in response.get_data(as_text=True)


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_only_get_is_answered(client: FlaskClient, method: str) -> None:
    assert getattr(client, method)("/healthz").status_code == 405


@pytest.mark.parametrize(("minutes", "status"), [(0, "ok"), (4, "ok"), (6, "late"), (600, "late")])
def test_the_worker_heartbeat_age_is_reported_and_never_a_503(
    client: FlaskClient, db_session: Any, minutes: int, status: str
) -> None:
    stamp_migrations(db_session.connection())
    seen = utcnow() - dt.timedelta(minutes=minutes)
    record_heartbeat("w-old", "nothing was due", seen - dt.timedelta(hours=1))
    record_heartbeat("w-health", "nothing was due", seen)
    db_session.commit()
    code, body, response = _health(client)
    assert code == 200 and body["status"] == "ok"
    assert body["worker"]["status"] == status
    assert abs(body["worker"]["last_seen_seconds"] - minutes * 60) <= 5
    assert "w-health" not in response.get_data(as_text=True)  # no worker ids or what they did
