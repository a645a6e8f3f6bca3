"""`flask --app app create-admin | users create | dev-setup`: staff accounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.audit.services import record_event
from app.auth.models import Role, StaffUser
from app.auth.password_links import LinkLifetimes, invite_staff_user
from app.auth.services import create_staff_user
from app.commands import TEXT, domain_errors_exit
from app.db import Session


def _password_option() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--password",
        type=TEXT,
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="The password (prompted for when omitted).",
    )


@click.command("create-admin")
@click.argument("email", type=TEXT)
@_password_option()
@domain_errors_exit
def create_admin_command(email: str, password: str) -> None:
    """Create an admin account for EMAIL."""
    user = create_staff_user(email, password, Role.ADMIN)
    Session.commit()
    click.echo(f"Created admin {user.email}.")


users_cli = AppGroup("users", help="Staff accounts.")


@users_cli.command("create")
@click.argument("email", type=TEXT)
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in Role]), help="The account's role."
)
@click.option(
    "--team", "teams", type=TEXT, multiple=True, metavar="PATH", help="A team scope (managers)."
)
@_password_option()
@domain_errors_exit
def create_user_command(email: str, role: str, teams: tuple[str, ...], password: str) -> None:
    """Create a staff account for EMAIL."""
    user = create_staff_user(email, password, role, teams)
    Session.commit()
    scopes = f" for {', '.join(t.path for t in user.team_scopes)}" if user.team_scopes else ""
    click.echo(f"Created {user.role} {user.email}{scopes}.")


@users_cli.command("invite")
@click.argument("email", type=TEXT)
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in Role]), help="The account's role."
)
@click.option(
    "--team", "teams", type=TEXT, multiple=True, metavar="PATH", help="A team scope (managers)."
)
@domain_errors_exit
def invite_user_command(email: str, role: str, teams: tuple[str, ...]) -> None:
    """Create a staff account for EMAIL with no password, and email it a link to set one
    (sent by the outbox: `flask worker` or `flask outbox run`)."""
    user = invite_staff_user(
        email, role, teams, lifetimes=LinkLifetimes.from_config(current_app.config)
    )
    record_event(
        None,
        "user.invite",
        "staff_user",
        user.id,
        email=user.email,
        role=user.role,
        teams=sorted(t.path for t in user.team_scopes),
        via="command line",
    )
    Session.commit()
    click.echo(f"Invited {user.role} {user.email}; the email with the link is queued.")


DEV_ADMIN_EMAIL = "admin@example.org"
DEV_ADMIN_PASSWORD = "mutuality-dev-only"  # noqa: S105 - development database only


@click.command("dev-setup")
def dev_setup_command() -> None:
    """Prepare the development database for `make run` (refused outside development)."""
    if current_app.config.get("ENV_NAME") != "development":
        raise click.ClickException("dev-setup only runs with the development configuration.")
    if not Session.scalar(select(func.count()).select_from(StaffUser)):
        create_staff_user(DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD, Role.ADMIN)
        Session.commit()
    click.echo(
        f"Sign in as {DEV_ADMIN_EMAIL} with the password {DEV_ADMIN_PASSWORD} "
        "(created for development only),\n"
        "or create your own: .venv/bin/flask --app app create-admin YOU@EXAMPLE.ORG"
    )
