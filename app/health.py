"""`GET /healthz`: whether this web process can serve, for load balancers and monitoring.

Three checks, each one small query on the request's session:

- database: a `SELECT 1` answers;
- migrations: the database's Alembic revision is the head of `migrations/` (a process
  started on code newer than the schema, or older, is not fit to serve);
- worker: how long ago a worker (`flask worker`) last recorded its heartbeat, "ok" within
  app.worker.queries.STALE_AFTER (the admin pages' warning), "late" after it, "unknown"
  when none ever did. Reported, never a reason for 503: a load balancer that took every
  web process out of rotation because the worker stopped would turn a late email into an
  outage. Monitor it apart.

The answer is JSON, 200 when the database answers at the head revision, else 503. No sign-in
is needed and nothing in it is personal: no address, no survey, no error text (which could
name a host or a user); the path carries no token, so access logs may keep it.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, jsonify
from flask.blueprints import BlueprintSetupState
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from app.db import Session, utcnow
from app.worker.queries import STALE_AFTER, latest_heartbeat
from config import BASE_DIR

bp = Blueprint("health", __name__)

MIGRATIONS_DIR = BASE_DIR / "migrations"


@functools.cache
def code_heads() -> tuple[str, ...]:
    """The head revision(s) of the migrations shipped with this code, read once per process
    when the app is made (see below): files replaced by an upgrade under a running process
    do not change what that process's code expects."""
    return tuple(sorted(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads()))


@bp.record_once
def _read_heads_at_start(_state: BlueprintSetupState) -> None:
    code_heads()


def database_heads() -> tuple[str, ...]:
    """The revision(s) the database is at (empty: never migrated)."""
    context = MigrationContext.configure(Session.connection())
    return tuple(sorted(context.get_current_heads()))


def worker_last_seen() -> dt.datetime | None:
    """When a worker last recorded its heartbeat, or None when none ever did."""
    heartbeat = latest_heartbeat()
    return heartbeat.seen_at if heartbeat is not None else None


def health() -> tuple[dict[str, Any], bool]:
    """The checks' report and whether the process is fit to serve."""
    unknown_worker = {"status": "unknown", "last_seen_seconds": None}
    try:
        Session.execute(text("SELECT 1"))
        current = database_heads()
        seen = worker_last_seen()
    except SQLAlchemyError:
        Session.rollback()
        return {"database": "unreachable", "migrations": "unknown", "worker": unknown_worker}, False
    Session.rollback()  # ends the read transaction: nothing is held open between probes
    at_head = current == code_heads()
    report: dict[str, Any] = {
        "database": "ok",
        "migrations": "at head" if at_head else "not at head",
        "migration_head": ",".join(code_heads()),
        "database_revision": ",".join(current) or None,
        "worker": unknown_worker,
    }
    if seen is not None:
        age = max(0, round((utcnow() - seen).total_seconds()))
        status = "ok" if age <= STALE_AFTER.total_seconds() else "late"
        report["worker"] = {"status": status, "last_seen_seconds": age}
    return report, at_head


@bp.get("/healthz")
def healthz() -> Response:
    report, fit = health()
    report["status"] = "ok" if fit else "unavailable"
    response = jsonify(report)
    response.status_code = 200 if fit else 503
    response.headers["Cache-Control"] = "no-store"
    return response
