"""`flask --app app reports release SURVEY_ID`: publish a release from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.audit.services import record_event
from app.commands import domain_errors_exit
from app.db import Session
from app.reports.registry import release_label
from app.reports.releases import publish_release
from app.surveys.services import get_survey

reports_cli = AppGroup("reports", help="Report releases.")


@reports_cli.command("release")
@click.argument("survey_id", type=int)
@click.option(
    "--final",
    is_flag=True,
    help="The final release (the close makes it; for a survey closed without one).",
)
@domain_errors_exit
def release_command(survey_id: int, final: bool) -> None:
    """Publish the survey's next release (interim unless --final); refused when it would
    disclose nothing new."""
    survey = get_survey(survey_id)
    release = publish_release(survey, actor=None, final=final)
    record_event(None, "release.publish", "survey", survey.id, release=release.number, final=final)
    Session.commit()
    click.echo(f"Survey {survey.id}: {release_label(release)}.")
