"""Role and team-scope rules, through the test-only views of tests/probe_views.py."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.models import Role, StaffUser
from app.auth.queries import visible_teams_clause
from app.db import Session
from app.org.models import Team
from tests.conftest import AuthActions


def can_see_team(user: StaffUser, team_id: int) -> bool:
    found = Session.scalar(select(Team.id).where(Team.id == team_id, visible_teams_clause(user)))
    return found is not None


def test_manager_sees_the_subtrees_of_their_teams(make_team: Any, make_user: Any) -> None:
    platform = make_team("Engineering/Platform")
    tools = make_team("Engineering/Platform/Tools")
    eng = make_team("Engineering")
    sales = make_team("Sales")
    look_alike = make_team("Engineering/Platformers")
    manager = make_user("m@example.org", Role.MANAGER, ["Engineering/Platform"])
    assert can_see_team(manager, platform.id)
    assert can_see_team(manager, tools.id)
    assert not can_see_team(manager, eng.id)
    assert not can_see_team(manager, sales.id)
    assert not can_see_team(manager, look_alike.id)  # a prefix of the name is not a subtree


def test_hr_and_admin_see_every_team(make_team: Any, make_user: Any) -> None:
    sales = make_team("Sales")
    assert can_see_team(make_user("hr@example.org", Role.HR), sales.id)
    assert can_see_team(make_user("ad@example.org", Role.ADMIN), sales.id)


def test_role_decorator(client: FlaskClient, make_team: Any, make_user: Any) -> None:
    make_team("Ops/Mine")
    make_user("mgr@example.org", Role.MANAGER, ["Ops/Mine"])
    make_user("hr2@example.org", Role.HR)
    auth = AuthActions(client)

    assert client.get("/probe/hr-only").status_code == 302  # anonymous: to login

    auth.login("mgr@example.org")
    assert client.get("/probe/hr-only").status_code == 403
    auth.logout()

    auth.login("hr2@example.org")
    assert client.get("/probe/hr-only").status_code == 200
