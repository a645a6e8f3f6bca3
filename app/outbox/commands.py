"""`flask --app app outbox ...`: queue and send invitation and reminder email.

    outbox invite SURVEY_ID     queue an invitation for everyone not yet invited by email
    outbox remind SURVEY_ID     queue a reminder for those who have not answered
    outbox run [--once] [--batch N] [--interval SECONDS]
    outbox status [SURVEY_ID]

`outbox run --once` sends what is due and exits: status 0 when every message it handled was
sent or is queued for a later retry (a server that is down is not an error of the run: the
messages wait, visible as pending in `outbox status`), 1 when a message failed for good
during the run. Without --once it runs until interrupted (Ctrl-C or SIGTERM end it between
two messages), polling every --interval seconds when there is nothing to do. Progress lines
carry counts only: no address, link or token.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

import click
from flask.cli import AppGroup

from app.commands import domain_errors_exit
from app.db import Session, utcnow
from app.outbox.queries import outbox_counts
from app.outbox.services import BatchReport, deliver_pending, queue_invitations, queue_reminders
from app.surveys.services import get_survey

outbox_cli = AppGroup("outbox", help="Invitation and reminder email.")


@outbox_cli.command("invite")
@click.argument("survey_id", type=int)
@domain_errors_exit
def invite_command(survey_id: int) -> None:
    """Queue an invitation email for every participant of SURVEY_ID not yet invited."""
    queued = queue_invitations(survey_id)
    Session.commit()
    click.echo(f"Queued {queued} invitation(s) for survey {survey_id}; `outbox run` sends them.")


@outbox_cli.command("remind")
@click.argument("survey_id", type=int)
@domain_errors_exit
def remind_command(survey_id: int) -> None:
    """Queue a reminder for every participant of SURVEY_ID who has not answered."""
    queued = queue_reminders(survey_id)
    Session.commit()
    click.echo(f"Queued {queued} reminder(s) for survey {survey_id}; `outbox run` sends them.")


def run_worker(
    *,
    batch: int,
    interval: float,
    once: bool,
    stop: threading.Event,
    echo: Callable[[str], None] = click.echo,
) -> int:
    """Send batches until nothing is due (`once`) or until `stop` is set. Returns the
    number of messages that failed for good."""
    failed = 0
    while not stop.is_set():
        report: BatchReport = deliver_pending(batch_size=batch)
        Session.remove()
        failed += report.failed
        if report.claimed:
            echo(f"{utcnow():%Y-%m-%d %H:%M:%S} UTC  {report}")
        if once and (report.claimed < batch or not (report.sent or report.dropped)):
            # Nothing more is due (a short batch), or the server is refusing everything.
            break
        if not report.claimed or not (report.sent or report.dropped):
            stop.wait(interval)
    return failed


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C and SIGTERM set `stop`: the message being sent is recorded before exiting."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old_handler in previous.items():
            signal.signal(sig, old_handler)


def batch_option(help_text: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option(
        "--batch", type=click.IntRange(min=1), default=50, show_default=True, help=help_text
    )


def interval_option(help_text: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option(
        "--interval",
        type=click.FloatRange(min=0.1),
        default=10.0,
        show_default=True,
        help=help_text,
    )


def run_in_foreground(
    run: Callable[[bool, threading.Event], int], *, once: bool, banner: str
) -> int:
    """`run(once, stop)` once, or (printing `banner` first) until Ctrl-C or SIGTERM set
    `stop`; what it returns: the messages that failed for good."""
    stop = threading.Event()
    if once:
        return run(True, stop)
    click.echo(banner)
    with stop_on_signals(stop):
        return run(False, stop)


def exit_if_failed(failed: int) -> None:
    """Exit status 1, with a line on stderr, when messages failed for good."""
    if failed:
        click.echo(f"{failed} message(s) failed for good; see `outbox status`.", err=True)
        raise click.exceptions.Exit(1)


@outbox_cli.command("run")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@batch_option("Messages claimed per batch.")
@interval_option("Seconds between polls when nothing is due (without --once).")
def run_command(once: bool, batch: int, interval: float) -> None:
    """Send queued invitation and reminder email (several workers may run at once)."""
    failed = run_in_foreground(
        lambda once, stop: run_worker(batch=batch, interval=interval, once=once, stop=stop),
        once=once,
        banner=f"Sending outbox email, polling every {interval:g} s; Ctrl-C stops.",
    )
    counts = outbox_counts()
    Session.remove()
    click.echo(f"Outbox: {counts.pending} pending, {counts.sent} sent, {counts.failed} failed.")
    exit_if_failed(failed)


@outbox_cli.command("status")
@click.argument("survey_id", type=int, required=False)
@domain_errors_exit
def status_command(survey_id: int | None) -> None:
    """Count outbox messages by status (for SURVEY_ID, or all)."""
    if survey_id is not None:
        get_survey(survey_id)  # an unknown survey is refused (NotFound)
    counts = outbox_counts(survey_id)
    scope = f"Survey {survey_id}" if survey_id is not None else "All surveys"
    click.echo(f"{scope}: {counts.total} message(s)")
    details = []
    if counts.sending:
        details.append(f"{counts.sending} being sent")
    if counts.retrying:
        details.append(f"{counts.retrying} waiting to retry")
    if counts.next_attempt_at is not None:
        details.append(f"next attempt {counts.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC")
    click.echo(f"pending  {counts.pending}" + (f"  ({'; '.join(details)})" if details else ""))
    click.echo(f"sent     {counts.sent}")
    click.echo(f"failed   {counts.failed}")
    for error, n in sorted(counts.errors.items()):
        click.echo(f"  last error {error}: {n} message(s)")
