from __future__ import annotations

from typing import Any

from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from app.auth.models import StaffUser
from app.auth.passwords import verify_password

GOOD = "a long enough password"


def _count(db_session: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(StaffUser))


def _users_create(runner: FlaskCliRunner, email: str, role: str, *teams: str) -> Any:
    """`flask users create EMAIL --role ROLE [--team TEAM ...] --password GOOD`."""
    team_args = [arg for team in teams for arg in ("--team", team)]
    return runner.invoke(
        args=["users", "create", email, "--role", role, *team_args, "--password", GOOD]
    )


def test_create_admin(runner: FlaskCliRunner, db_session: Any) -> None:
    result = runner.invoke(args=["create-admin", "Root@Example.org", "--password", GOOD])
    assert result.exit_code == 0, result.output
    assert "Created admin root@example.org" in result.output
    user = db_session.scalar(select(StaffUser).where(StaffUser.email == "root@example.org"))
    assert user.role == "admin"
    assert verify_password(user.password_hash, GOOD)
    assert GOOD not in user.password_hash


def test_create_admin_prompts_for_the_password(runner: FlaskCliRunner, db_session: Any) -> None:
    result = runner.invoke(args=["create-admin", "prompt@example.org"], input=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert _count(db_session) == 1


def test_create_admin_twice_fails_clearly(runner: FlaskCliRunner, db_session: Any) -> None:
    runner.invoke(args=["create-admin", "twice@example.org", "--password", GOOD])
    again = runner.invoke(args=["create-admin", "twice@example.org", "--password", GOOD])
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert _count(db_session) == 1


def test_bad_email_and_short_password_store_nothing(
    runner: FlaskCliRunner, db_session: Any
) -> None:
    bad_email = runner.invoke(args=["create-admin", "not-an-email", "--password", GOOD])
    assert bad_email.exit_code == 1
    assert "not a valid email address" in bad_email.output
    short = runner.invoke(args=["create-admin", "short@example.org", "--password", "short"])
    assert short.exit_code == 1
    assert "at least 12 characters" in short.output
    assert _count(db_session) == 0


def test_users_create_manager_with_team_scopes(
    runner: FlaskCliRunner, make_team: Any, db_session: Any
) -> None:
    make_team("Engineering/Platform")
    make_team("Sales")
    result = _users_create(runner, "m@example.org", "manager", "Engineering/Platform", "Sales")
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(StaffUser).where(StaffUser.email == "m@example.org"))
    assert sorted(t.path for t in user.team_scopes) == ["Engineering/Platform", "Sales"]


def test_users_create_rejects_bad_input(
    runner: FlaskCliRunner, make_team: Any, db_session: Any
) -> None:
    no_team = _users_create(runner, "m@example.org", "manager")
    assert no_team.exit_code == 1
    assert "needs at least one team" in no_team.output

    unknown_team = _users_create(runner, "m@example.org", "manager", "Nowhere")
    assert unknown_team.exit_code == 1
    assert "Unknown team(s): Nowhere" in unknown_team.output

    bad_role = _users_create(runner, "x@example.org", "owner")
    assert bad_role.exit_code == 2
    assert "owner" in bad_role.output

    # The team exists, so the refusal is the role's: hr sees every team.
    make_team("Finance")
    db_session.commit()
    scoped_hr = _users_create(runner, "h@example.org", "hr", "Finance")
    assert scoped_hr.exit_code == 1
    assert "Only managers are scoped to teams" in scoped_hr.output
    assert _count(db_session) == 0
