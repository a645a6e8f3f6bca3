"""The `flask --app app ...` commands: the contract scripts and operators rely on.

Commands are thin: parse arguments, call a service, commit, print. A DomainError becomes a
clear message on stderr and exit status 1.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click
from flask import Flask
from flask.cli import AppGroup

from app.auth.models import Role
from app.auth.services import create_staff_user
from app.db import Session
from app.demo.commands import seed_demo_command
from app.errors import DomainError
from app.instruments.services import instrument_files, sync_instruments
from app.instruments.validation import validate_instrument_text
from app.outbox.commands import outbox_cli
from app.surveys import services as surveys
from app.surveys.queries import list_surveys, survey_link

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


instruments_cli = AppGroup("instruments", help="Survey instruments (JSON documents).")


@instruments_cli.command("validate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate_instrument_command(path: Path) -> None:
    """Check the instrument file PATH; print every error with its JSON Pointer."""
    result = validate_instrument_text(path.read_bytes())
    if not result.ok:
        for error in result.errors:
            click.echo(f"{path.name}: {error}", err=True)
        raise click.exceptions.Exit(1)
    assert result.document is not None
    doc = result.document
    click.echo(
        f"{path.name}: valid ({doc.key}, {len(doc.dimensions)} dimensions, "
        f"{len(doc.items)} items, {len(doc.prompts)} prompts, languages {', '.join(doc.languages)})"
    )


@instruments_cli.command("sync")
@click.option(
    "--dir",
    "directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of instrument files (default: the configured INSTRUMENTS_DIR).",
)
@domain_errors_exit
def sync_instruments_command(directory: Path | None) -> None:
    """Load instruments/*.json: changed content becomes the next version."""
    from flask import current_app

    folder = directory or Path(current_app.config["INSTRUMENTS_DIR"])
    files = instrument_files(folder)
    if not files:
        raise click.ClickException(f"No instrument files (*.json) in {folder}.")
    outcomes = sync_instruments(files)
    Session.commit()
    for outcome in outcomes:
        v = outcome.version
        state = "new version" if outcome.created else "unchanged, version"
        click.echo(f"{v.instrument.key}: {state} {v.version} (sha256 {v.sha256[:12]})")


surveys_cli = AppGroup("surveys", help="Surveys (waves).")


def _parse_level(value: str) -> tuple[str, str]:
    key, _, label = value.partition("=")
    if not key.strip():
        raise click.BadParameter(f"{value!r} is not KEY=Label")
    return key.strip(), (label.strip() or key.strip())


@surveys_cli.command("create")
@click.option("--instrument", "instrument_key", required=True, help="Instrument key.")
@click.option("--title", required=True)
@click.option("--version", type=int, help="Instrument version (default: the latest).")
@click.option("--team", "teams", multiple=True, metavar="PATH", help="A team in scope.")
@click.option(
    "--level",
    "levels",
    multiple=True,
    metavar="KEY=Label",
    help="A level, bottom first (default: individual contributor, manager, senior leader).",
)
@click.option("--opens-at", type=click.DateTime(), help="UTC date and time.")
@click.option("--closes-at", type=click.DateTime(), help="UTC date and time.")
@click.option("--k-scores", type=int, default=5, show_default=True)
@click.option("--k-comments", type=int, default=10, show_default=True)
@domain_errors_exit
def create_survey_command(
    instrument_key: str,
    title: str,
    version: int | None,
    teams: tuple[str, ...],
    levels: tuple[str, ...],
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    k_scores: int,
    k_comments: int,
) -> None:
    """Create a draft survey; prints its id."""
    survey = surveys.create_survey(
        instrument_key=instrument_key,
        title=title,
        version=version,
        team_paths=teams,
        levels=[_parse_level(v) for v in levels] if levels else surveys.DEFAULT_LEVELS,
        opens_at=opens_at.replace(tzinfo=dt.UTC) if opens_at else None,
        closes_at=closes_at.replace(tzinfo=dt.UTC) if closes_at else None,
        k_scores=k_scores,
        k_comments=k_comments,
    )
    Session.commit()
    click.echo(survey.id)


@surveys_cli.command("open")
@click.argument("survey_id", type=int)
@domain_errors_exit
def open_survey_command(survey_id: int) -> None:
    """Open a draft survey for responses."""
    survey = surveys.open_survey(survey_id)
    Session.commit()
    click.echo(f"Survey {survey.id} is open.")


@surveys_cli.command("close")
@click.argument("survey_id", type=int)
@domain_errors_exit
def close_survey_command(survey_id: int) -> None:
    """Close an open survey (email addresses are purged)."""
    survey = surveys.close_survey(survey_id)
    Session.commit()
    click.echo(f"Survey {survey.id} is closed.")


@surveys_cli.command("list")
def list_surveys_command() -> None:
    """List surveys with their state and response counts."""
    rows = list_surveys()
    if not rows:
        click.echo("No surveys.")
    for survey, rate in rows:
        answered = rate.responded.label  # a count below k reads "fewer than k*"
        click.echo(
            f"{survey.id}\t{survey.state}\t{answered}/{rate.invited} responded\t{survey.title}"
        )


@surveys_cli.command("links")
@click.argument("survey_id", type=int)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@domain_errors_exit
def links_command(survey_id: int, out: Path) -> None:
    """Write email,link for everyone invited (new links replace old ones; the links of
    people who have answered open the "already used" page, so the file shows no one's
    answering)."""
    from flask import current_app

    base = current_app.config["PUBLIC_BASE_URL"]
    links = surveys.issue_links(survey_id)
    tmp = out.with_name(out.name + ".part")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "link"])
        writer.writerows((email, survey_link(base, token)) for email, token in links)
    # The file exists before the new tokens count, and holds them once they do.
    Session.commit()
    tmp.replace(out)
    click.echo(f"Wrote {len(links)} link(s) to {out}; earlier links for them no longer work.")


participants_cli = AppGroup("participants", help="Survey participants.")


@participants_cli.command("import")
@click.argument("survey_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@domain_errors_exit
def import_participants_command(survey_id: int, file: Path) -> None:
    """Invite the people of FILE.csv (email,team,level): all rows or none."""
    report = surveys.import_participants(survey_id, file.read_bytes())
    Session.commit()
    created = f"; new teams: {', '.join(report.teams_created)}" if report.teams_created else ""
    click.echo(f"Invited {report.invited} participant(s){created}.")


def register(app: Flask) -> None:
    app.cli.add_command(create_admin_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(dev_setup_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(instruments_cli)
    app.cli.add_command(surveys_cli)
    app.cli.add_command(participants_cli)
