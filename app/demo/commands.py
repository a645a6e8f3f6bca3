"""`flask --app app seed-demo`: fill an empty database with demo data (thin: parse, call
the service, commit, print)."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from app.commands import domain_errors_exit
from app.db import Session
from app.demo.services import (
    ARCHIVED_INSTRUMENT,
    BUNDLED_INSTRUMENT,
    DEFAULT_PEOPLE,
    DEFAULT_SEED,
    DEFAULT_TEAMS,
    DEFAULT_WAVES,
    MAX_WAVES,
    DemoSummary,
    ProgressBar,
    seed_demo,
)


def _progress(total: int) -> AbstractContextManager[ProgressBar]:
    return click.progressbar(length=total, label="Storing responses", show_pos=True)


@click.command("seed-demo")
@click.option(
    "--teams", type=int, default=DEFAULT_TEAMS, show_default=True, help="Number of teams."
)
@click.option(
    "--people", type=int, default=DEFAULT_PEOPLE, show_default=True, help="Number of people."
)
@click.option(
    "--waves",
    type=int,
    default=DEFAULT_WAVES,
    show_default=True,
    help=f"Surveys, about six months apart (1 to {MAX_WAVES}).",
)
@click.option(
    "--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Seed of the generator."
)
@with_appcontext
@domain_errors_exit
def seed_demo_command(teams: int, people: int, waves: int, seed: int) -> None:
    """Fill an EMPTY database with a demo organisation, surveys and responses.

    The responses come from a latent-variable model (team climates, a level effect, an
    improving last wave) and are stored through the same scoring code as real ones. The
    earlier waves answer version 1 of the bundled instrument, the later ones the current
    version. Refused when the database already holds a survey.
    """
    started = time.perf_counter()
    folder = Path(current_app.config["INSTRUMENTS_DIR"])
    # Version 1 sits in the folder's archive; a folder without one gives a one-version demo.
    earlier = folder / ARCHIVED_INSTRUMENT.parent.name / ARCHIVED_INSTRUMENT.name
    summary = seed_demo(
        teams=teams,
        people=people,
        waves=waves,
        seed=seed,
        progress=_progress,
        instrument_file=folder / BUNDLED_INSTRUMENT.name,
        earlier_instrument_file=earlier if earlier.is_file() else None,
    )
    Session.commit()
    if Session.get_bind().dialect.name == "postgresql":
        # Fresh planner statistics after a bulk load: report aggregates then hash instead of
        # sorting on disk (autovacuum may be off or late).
        Session.execute(text("ANALYZE"))
        Session.commit()
    _print_summary(summary, time.perf_counter() - started)


def _print_summary(summary: DemoSummary, seconds: float) -> None:
    click.echo(
        f"Demo data: {summary.teams} teams in {summary.departments} departments, "
        f"{summary.people:,} people, {summary.waves} wave(s), {summary.responses:,} responses, "
        f"{summary.comments:,} comments, in {seconds:.1f} s."
    )
    for survey in summary.surveys:
        click.echo(
            f"  survey {survey.id}: {survey.title}: {survey.responses:,}/{survey.invited:,} "
            "responded (closed)"
        )
    if summary.plans:
        click.echo(
            f"  {summary.plans} action plan(s); the last survey's results are shared with its "
            "employees (Releases, then Employee summary)"
        )
    click.echo("Demo sign-ins (development only):")
    for login in summary.logins:
        scope = f", sees {login.scope}" if login.scope else ""
        password = login.password if login.created else "(existing account, password unchanged)"
        click.echo(f"  {login.role.value:<8} {login.email:<26} {password}{scope}")
