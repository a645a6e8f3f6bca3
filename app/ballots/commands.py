"""`flask --app app worker`: the background work of a running installation, in one loop.

    worker [--once] [--interval SECONDS] [--batch N]

Each round sends the outbox's due email (`app.outbox.commands.run_worker`, as
`outbox run --once` does), mixes the waiting ballots of every open survey
(`app.ballots.services.mix_ballots`, one transaction per survey) and imports the queued
participants files (`app.surveys.imports`, each claimed with a lease); then it sleeps
--interval seconds. `--once` runs one round and exits. Several workers may run at once:
the outbox claims its messages with leases, and on PostgreSQL the mixer skips ballots
another worker has locked (SQLite has one writer at a time). Ctrl-C or SIGTERM end the
loop between two steps. Lines carry counts only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import click

from app.ballots.queries import open_surveys_with_ballots
from app.ballots.services import MixOutcome, mix_ballots
from app.db import Session, begin_write_transaction, utcnow
from app.outbox.commands import (
    batch_option,
    exit_if_failed,
    interval_option,
    run_in_foreground,
    run_worker,
)
from app.surveys.imports import run_queued_imports
from app.surveys.models import Survey, SurveyState

log = logging.getLogger(__name__)


def mix_open_surveys(echo: Callable[[str], None] = click.echo) -> list[MixOutcome]:
    """Mix the ballots of every open survey, each in a transaction of its own that touches
    no invitation; returns the outcomes. A survey whose batch fails is rolled back (its
    ballots keep waiting) and the others are still mixed."""
    outcomes = []
    for survey_id in open_surveys_with_ballots():
        Session.commit()
        try:
            begin_write_transaction()
            survey = Session.get(Survey, survey_id, populate_existing=True)
            if survey is None or survey.state != SurveyState.OPEN.value:
                Session.commit()
                continue
            outcome = mix_ballots(survey, final=False)
            Session.commit()
        except Exception:
            Session.rollback()
            log.exception("mixing the ballots of survey %d failed; they keep waiting", survey_id)
            continue
        outcomes.append(outcome)
        if outcome.opened or outcome.unopenable:
            echo(f"{utcnow():%Y-%m-%d %H:%M:%S} UTC  survey {survey_id}: ballots {outcome}")
    Session.remove()
    return outcomes


def run_rounds(*, batch: int, interval: float, once: bool, stop: threading.Event) -> int:
    """Run rounds (outbox, then ballots) until `stop` is set, or one round with `once`.
    Returns the number of messages that failed for good."""
    failed = 0
    while not stop.is_set():
        failed += run_worker(batch=batch, interval=interval, once=True, stop=stop)
        if stop.is_set():
            break
        mix_open_surveys()
        run_queued_imports(echo=click.echo)
        if once:
            break
        stop.wait(interval)
    return failed


@click.command("worker")
@click.option("--once", is_flag=True, help="Run one round, then exit.")
@interval_option("Seconds between rounds (without --once).")
@batch_option("Outbox messages claimed per batch.")
def worker_command(once: bool, interval: float, batch: int) -> None:
    """Send the outbox, mix the ballots of open surveys, import queued participants files
    (several workers may run)."""
    failed = run_in_foreground(
        lambda once, stop: run_rounds(batch=batch, interval=interval, once=once, stop=stop),
        once=once,
        banner=f"Worker: outbox and ballots every {interval:g} s; Ctrl-C stops.",
    )
    exit_if_failed(failed)
