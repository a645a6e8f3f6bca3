"""The worker's round: a list of steps, run one after the other, then a heartbeat.

A step is a function of the `Round` (its time, the worker's id, the outbox batch size, the
stop event) that does its work in transactions of its own and returns a short summary
for the heartbeat, or None when it had nothing to do. To give the worker more work, add
a `WorkerStep` to `STEPS` where it belongs in the order. A step that raises is logged and
the round goes on with the next one; nothing a step does is lost to another's failure.

The order matters: the schedule opens surveys (queueing their invitations) and queues
the cadence's reminders before the outbox sends, and closes surveys before reminding,
so a survey whose close has come gets no reminder.

Summaries say what was done in words, survey ids and email counts; never a ballot or
reminder count (their changes, dated by the heartbeat, would date responses), an
address or a link.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import click

from app.ballots.commands import mix_open_surveys
from app.db import Session, begin_write_transaction, utcnow
from app.outbox.services import BatchReport, deliver_pending, new_worker_id
from app.plans.reminders import queue_due_reminders, reminder_days
from app.retention.services import apply_retention
from app.surveys.imports import run_queued_imports
from app.worker import schedule
from app.worker.services import record_heartbeat

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


@dataclass
class Round:
    """What each step of one round gets."""

    now: dt.datetime  # the round's time (the schedule's "now")
    clock: Clock  # the time as it goes on (the outbox's retries and leases)
    worker_id: str
    batch: int = 50
    stop: threading.Event = field(default_factory=threading.Event)
    echo: Callable[[str], None] = click.echo
    failed: int = 0  # outbox messages that failed for good during the round


@dataclass(frozen=True)
class WorkerStep:
    name: str
    run: Callable[[Round], str | None]


def _ids(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids)


def open_surveys(r: Round) -> str | None:
    opened = schedule.open_due_surveys(r.now)
    return f"opened survey {_ids(opened)}" if opened else None


def close_surveys(r: Round) -> str | None:
    closed = schedule.close_due_surveys(r.now)
    purged = schedule.purge_closed_contacts()  # a close interrupted before its purge
    parts = [f"closed survey {_ids(closed)} with its final release"] if closed else []
    if purged:
        parts.append(f"purged the addresses of survey {_ids(purged)}")
    return "; ".join(parts) or None


def scheduled_releases(r: Round) -> str | None:
    published = schedule.publish_scheduled_releases(r.now, r.worker_id)
    return f"published a release of survey {_ids(published)}" if published else None


def reminders(r: Round) -> str | None:
    surveys = schedule.remind_on_cadence(r.now)
    return f"queued reminders for survey {_ids(surveys)}" if surveys else None


def plan_reminders(r: Round) -> str | None:
    """Owners' reminders of the actions due within the configured days (once each)."""
    queued = queue_due_reminders(r.now.date(), reminder_days())
    return f"queued {queued} action reminder(s)" if queued else None


def outbox(r: Round) -> str | None:
    """Send what is due, batch after batch, until a short batch or a server refusing."""
    total = BatchReport()
    while not r.stop.is_set():
        report = deliver_pending(batch_size=r.batch, now=r.clock(), worker=r.worker_id)
        Session.remove()
        if report.claimed:
            r.echo(f"{r.clock():%Y-%m-%d %H:%M:%S} UTC  {report}")
        for name in ("claimed", "sent", "retrying", "failed", "dropped", "released"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        if report.claimed < r.batch or not (report.sent or report.dropped):
            break
    r.failed += total.failed
    if not (total.sent or total.failed or total.retrying):
        return None
    return f"email: {total.sent} sent, {total.retrying} to retry, {total.failed} failed"


def ballots(r: Round) -> str | None:
    mix_open_surveys(echo=r.echo)
    return None  # no word of it: a dated "ballots opened" would date the submissions


def participant_imports(r: Round) -> str | None:
    outcomes = run_queued_imports(echo=r.echo)
    return f"ran {len(outcomes)} participants import(s)" if outcomes else None


def retention(r: Round) -> str | None:
    """Delete what the retention settings keep no longer (app.retention): survey ids and
    an audit event count, never how many responses or comments went."""
    outcome = apply_retention(r.now)
    Session.commit()
    return str(outcome) if outcome else None


STEPS: list[WorkerStep] = [
    WorkerStep("open surveys at their time", open_surveys),
    WorkerStep("close surveys at their time", close_surveys),
    WorkerStep("publish scheduled releases", scheduled_releases),
    WorkerStep("queue reminders on each survey's cadence", reminders),
    WorkerStep("queue owners' reminders of actions due soon", plan_reminders),
    WorkerStep("send the outbox", outbox),
    WorkerStep("mix the ballots of open surveys", ballots),
    WorkerStep("import queued participants files", participant_imports),
    WorkerStep("delete what the retention settings keep no longer", retention),
]


def run_round(r: Round, steps: list[WorkerStep] | None = None) -> list[str]:
    """Run every step once (stopping early when `r.stop` is set), then record the
    heartbeat; returns the steps' summaries."""
    summaries = []
    Session.commit()  # steps run in transactions of their own
    for step in STEPS if steps is None else steps:
        if r.stop.is_set():
            break
        try:
            summary = step.run(r)
        except Exception:
            Session.rollback()
            log.exception("worker step %r failed; the next round runs it again", step.name)
            summary = f"{step.name}: failed (see the worker's log)"
        finally:
            Session.remove()
        if summary:
            summaries.append(summary)
    try:
        begin_write_transaction()
        record_heartbeat(r.worker_id, "; ".join(summaries) or "nothing was due", r.clock())
        Session.commit()
    except Exception:
        Session.rollback()
        log.exception("the worker's heartbeat could not be recorded")
    finally:
        Session.remove()
    return summaries


def run_rounds(
    *,
    batch: int,
    interval: float,
    once: bool,
    stop: threading.Event,
    clock: Clock = utcnow,
    worker_id: str | None = None,
    echo: Callable[[str], None] = click.echo,
) -> int:
    """Run rounds until `stop` is set (waiting `interval` seconds between them), or one
    round with `once`. Returns the number of messages that failed for good."""
    worker_id = worker_id or new_worker_id()
    failed = 0
    while not stop.is_set():
        r = Round(now=clock(), clock=clock, worker_id=worker_id, batch=batch, stop=stop, echo=echo)
        run_round(r)
        failed += r.failed
        if once:
            break
        stop.wait(interval)
    return failed
