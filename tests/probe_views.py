"""Test-only views that exercise the access decorators. Registered on the test app under
/probe/ (blueprint "probe"); the route matrix of the real app leaves them out."""

from __future__ import annotations

from flask import Blueprint

from app.auth.decorators import role_required, team_scope_required
from app.auth.models import Role
from app.errors import Conflict, DomainError, Forbidden, Gone, NotFound

probe = Blueprint("probe", __name__, url_prefix="/probe")


@probe.route("/hr-only")
@role_required(Role.ADMIN, Role.HR)
def hr_only() -> str:
    return "hr page"


@probe.route("/team/<int:team_id>")
@team_scope_required()
def team_page(team_id: int) -> str:
    return f"team {team_id}"


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
