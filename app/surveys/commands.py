"""`flask --app app surveys create | open | close | list | links` and
`participants import`: a survey's lifecycle and the people it invites."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.audit.services import record_event
from app.commands import TEXT, domain_errors_exit
from app.db import Session
from app.reports.queries import list_surveys
from app.reports.registry import release_label
from app.reports.releases import close_with_final_release
from app.surveys import services as surveys
from app.surveys.imports import refuse_while_importing
from app.surveys.queries import survey_link
from app.surveys.storage import compact_storage

surveys_cli = AppGroup("surveys", help="Surveys (waves).")


def _parse_level(value: str) -> tuple[str, str]:
    key, _, label = value.partition("=")
    if not key.strip():
        raise click.BadParameter(f"{value!r} is not KEY=Label")
    return key.strip(), (label.strip() or key.strip())


@surveys_cli.command("create")
@click.option("--instrument", "instrument_key", required=True, help="Instrument key.")
@click.option("--title", type=TEXT, required=True)
@click.option("--version", type=int, help="Instrument version (default: the latest).")
@click.option("--team", "teams", type=TEXT, multiple=True, metavar="PATH", help="A team in scope.")
@click.option(
    "--level",
    "levels",
    type=TEXT,
    multiple=True,
    metavar="KEY=Label",
    help="A level, bottom first (default: individual contributor, manager, senior leader).",
)
@click.option(
    "--leads",
    "leading",
    type=TEXT,
    multiple=True,
    metavar="KEY",
    help=(
        "A level whose people lead their work group: the items about the group's leader are "
        "not asked of them (default: every level above the lowest)."
    ),
)
@click.option("--opens-at", type=click.DateTime(), help="UTC date and time.")
@click.option("--closes-at", type=click.DateTime(), help="UTC date and time.")
@click.option("--k-scores", type=int, default=5, show_default=True)
@click.option("--k-comments", type=int, default=10, show_default=True)
@click.option("--pilot", is_flag=True, help="A pilot: left out of trends and changes.")
@click.option(
    "--mixed-item-order",
    is_flag=True,
    help="Each respondent sees the items of each part in an order of their own.",
)
@domain_errors_exit
def create_survey_command(
    instrument_key: str,
    title: str,
    version: int | None,
    teams: tuple[str, ...],
    levels: tuple[str, ...],
    leading: tuple[str, ...],
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    k_scores: int,
    k_comments: int,
    pilot: bool,
    mixed_item_order: bool,
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
        pilot=pilot,
        leading_levels=leading or None,
        mixed_item_order=mixed_item_order,
    )
    Session.commit()
    click.echo(survey.id)


@surveys_cli.command("pilot")
@click.argument("survey_id", type=int)
@click.option("--off", is_flag=True, help="Make it a wave again.")
@domain_errors_exit
def pilot_command(survey_id: int, off: bool) -> None:
    """Mark a survey as a pilot (left out of trends and changes), or with --off as a wave."""
    survey = surveys.set_pilot(survey_id, not off)
    record_event(None, "survey.pilot", "survey", survey.id, pilot=survey.pilot, via="cli")
    Session.commit()
    click.echo(f"Survey {survey.id} is {'a pilot' if survey.pilot else 'a wave'}.")


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
    """Close an open survey: every sealed ballot is opened, the final release published,
    then email addresses are purged."""
    release = close_with_final_release(survey_id, actor=None)
    Session.commit()
    surveys.purge_contacts(survey_id)  # apart from the transaction that opened the ballots
    Session.commit()
    compact_storage(Session.get_bind())
    click.echo(f"Survey {survey_id} is closed. {release_label(release)}.")


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
@click.option("--yes", is_flag=True, help="Skip the confirmation (the warning still prints).")
@domain_errors_exit
def links_command(survey_id: int, out: Path, yes: bool) -> None:
    """Write email,link for everyone invited to a DRAFT survey, for organisations without
    email (new links replace the ones of an earlier file). Refused once the survey is
    open: links then go out only by email (`flask outbox`)."""
    click.echo(f"Warning: {surveys.LINKS_FILE_WARNING}", err=True)
    if not yes:
        click.confirm("Make the links file?", abort=True, err=True)
    base = current_app.config["PUBLIC_BASE_URL"]
    links = surveys.issue_links(survey_id)
    record_event(None, "links.download", "survey", survey_id, links=len(links), via="cli")
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
    """Invite the people of FILE.csv (email,team,level): all rows or none; people
    already invited are skipped and listed by line."""
    refuse_while_importing(survey_id)
    with file.open("rb") as stream:
        report = surveys.import_participants(survey_id, stream)
    Session.commit()
    created = f"; new teams: {', '.join(report.teams_created)}" if report.teams_created else ""
    click.echo(f"Invited {report.invited} participant(s){created}.")
    if report.skipped:
        click.echo(report.skipped_summary())
