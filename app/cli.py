"""The `flask --app app ...` commands: the contract scripts and operators rely on.

Commands are thin: parse arguments, call a service, commit, print. A DomainError becomes a
clear message on stderr and exit status 1.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import click
from flask import Flask
from flask.cli import AppGroup

from app.auth.models import Role
from app.auth.services import create_staff_user
from app.db import Session
from app.errors import DomainError

P = ParamSpec("P")
R = TypeVar("R")


def domain_errors_exit(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a DomainError into `Error: ...` and exit status 1, with nothing committed."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DomainError as exc:
            Session.rollback()
            raise click.ClickException(exc.message) from None

    return wrapper


def _password_option() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="The password (prompted for when omitted).",
    )


@click.command("create-admin")
@click.argument("email")
@_password_option()
@domain_errors_exit
def create_admin_command(email: str, password: str) -> None:
    """Create an admin account for EMAIL."""
    user = create_staff_user(email, password, Role.ADMIN)
    Session.commit()
    click.echo(f"Created admin {user.email}.")


users_cli = AppGroup("users", help="Staff accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in Role]), help="The account's role."
)
@click.option("--team", "teams", multiple=True, metavar="PATH", help="A team scope (managers).")
@_password_option()
@domain_errors_exit
def create_user_command(email: str, role: str, teams: tuple[str, ...], password: str) -> None:
    """Create a staff account for EMAIL."""
    user = create_staff_user(email, password, role, teams)
    Session.commit()
    scopes = f" for {', '.join(t.path for t in user.team_scopes)}" if user.team_scopes else ""
    click.echo(f"Created {user.role} {user.email}{scopes}.")


DEV_ADMIN_EMAIL = "admin@example.org"
DEV_ADMIN_PASSWORD = "mutuality-dev-admin"  # noqa: S105 - development database only


@click.command("dev-setup")
def dev_setup_command() -> None:
    """Prepare the development database for `make run` (refused outside development)."""
    from flask import current_app
    from sqlalchemy import func, select

    from app.auth.models import StaffUser

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


def register(app: Flask) -> None:
    app.cli.add_command(create_admin_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(dev_setup_command)
