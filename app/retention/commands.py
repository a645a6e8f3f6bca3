"""`flask --app app retention plan|run`: what the retention settings delete and when, and
applying them now (the worker does it in every round)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.db import Session, utcnow
from app.retention.services import RetentionPolicy, apply_retention, retention_plan

retention_cli = AppGroup("retention", help="What the retention settings delete, and when.")


def _days(days: int) -> str:
    return f"{days} days" if days else "for good"


@retention_cli.command("plan")
def plan_command() -> None:
    """List when each closed survey's responses and comments are deleted (nothing is
    deleted)."""
    policy = RetentionPolicy.from_config(current_app.config)
    click.echo(
        f"Responses are kept {_days(policy.responses_days)} after their survey's close, "
        f"comments {_days(policy.comments_days)}, audit events {_days(policy.audit_days)}."
    )
    plan = retention_plan(policy)
    Session.rollback()
    if not plan:
        click.echo("No closed survey holds responses or comments.")
    for planned in plan:
        responses = f"on {planned.responses_on}" if planned.responses_on else "kept"
        comments = f"on {planned.comments_on}" if planned.comments_on else "kept"
        click.echo(
            f"Survey {planned.survey_id} (closed {planned.closed_on}): responses {responses}, "
            f"comments {comments}."
        )


@retention_cli.command("run")
def run_command() -> None:
    """Delete now what the settings keep no longer, as the worker does in every round."""
    deleted = False
    while True:
        outcome = apply_retention(utcnow())
        Session.commit()
        if not outcome:
            break
        deleted = True
        click.echo(str(outcome))
    if not deleted:
        click.echo("Nothing to delete.")
