"""Test-only views that exercise the access decorators. Registered on the test app under
/probe/ (blueprint "probe"); the route matrix of the real app leaves them out."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from app.auth.decorators import role_required
from app.auth.models import Role
from app.db import Session
from app.errors import Conflict, DomainError, Forbidden, Gone, NotFound
from app.org.models import Team

probe = Blueprint("probe", __name__, url_prefix="/probe")


@probe.route("/hr-only")
@role_required(Role.ADMIN, Role.HR)
def hr_only() -> str:
    return "hr page"


_ERRORS: dict[int, type[DomainError]] = {
    400: DomainError,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
}


@probe.route("/raise/<int:status>")
def raise_domain_error(status: int) -> str:
    raise _ERRORS[status](f"raised {status}")


@probe.route("/crash")
def crash() -> str:
    raise RuntimeError("secret detail")


_DATABASE_ERRORS: dict[str, Callable[[], DBAPIError]] = {
    # The server is down or restarting: connecting fails, or the connection drops.
    "down": lambda: OperationalError("SELECT 1", {}, Exception("server closed the connection")),
    # Any driver error that SQLAlchemy recognised as a lost connection.
    "lost": lambda: InterfaceError(
        "SELECT 1", {}, Exception("connection lost"), connection_invalidated=True
    ),
    # A bug, not an outage: stays a 500.
    "integrity": lambda: IntegrityError("INSERT", {}, Exception("secret detail")),
}


@probe.route("/failed-write")
def failed_write() -> str:
    """A write the database refuses (a team without a name), as a NUL byte was on
    PostgreSQL: the flush fails and leaves the session unusable until rolled back."""
    Session.add(Team(name=None, path="probe"))  # type: ignore[arg-type]
    Session.flush()
    return "unreachable"


@probe.route("/database/<kind>")
def database_error(kind: str) -> str:
    raise _DATABASE_ERRORS[kind]()
