"""`flask --app app worker`: the background work of a running installation, in one loop.

    worker [--once] [--interval SECONDS] [--batch N]

Each round runs the steps of app.worker.rounds.STEPS: the survey schedule (openings,
closes with their final release, scheduled releases, reminders on each survey's cadence),
the outbox's due email, the mixing of waiting ballots and the queued participants files;
then it records the worker's heartbeat and sleeps --interval seconds. `--once` runs one
round and exits (status 1 when an email failed for good). Several workers may run at once
against one database: nothing is done twice (see app.worker.schedule and the outbox).
Ctrl-C or SIGTERM end the loop between two steps. Lines carry counts and ids only.
"""

from __future__ import annotations

import click

from app.outbox.commands import batch_option, exit_if_failed, interval_option, run_in_foreground
from app.worker.rounds import run_rounds


@click.command("worker")
@click.option("--once", is_flag=True, help="Run one round, then exit.")
@interval_option("Seconds between rounds (without --once).")
@batch_option("Outbox messages claimed per batch.")
def worker_command(once: bool, interval: float, batch: int) -> None:
    """Run the survey schedule, send the outbox, mix the ballots of open surveys and import
    queued participants files (several workers may run)."""
    failed = run_in_foreground(
        lambda once, stop: run_rounds(batch=batch, interval=interval, once=once, stop=stop),
        once=once,
        banner=f"Worker: schedule, outbox, ballots and imports every {interval:g} s; Ctrl-C stops.",
    )
    exit_if_failed(failed)
