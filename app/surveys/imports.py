"""Participants files imported by the worker: queued from the admin page when too large
for a request, claimed with a lease, run all or none, with their progress on the page.

A job is claimed in a short transaction of its own (`claim_import`): on PostgreSQL the
candidate row is locked FOR UPDATE SKIP LOCKED, so two workers never take one job, and a
conditional UPDATE sets a lease (`claimed_by`, `claimed_until`) only while none is live; on
SQLite the claim transaction takes the write lock. A worker that dies leaves a lease that
expires after IMPORT_LEASE, and a run stopped by an unexpected error queues its job again;
another round then runs it from the start (nothing of the stopped run was committed), at
most MAX_ATTEMPTS times. `run_import` reads and checks the whole file first, then
writes every invitation, the job's end and the audit event in one transaction, conditional
on still holding the lease: a job is imported once, completely, or not at all.

Progress (rows checked, rows written) is written by a connection of its own, committed at
once, so that the page sees it while the import's transaction is open. On SQLite that
transaction holds the only write lock, so there the rows written show when it ends.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.audit.services import record_event
from app.auth.models import StaffUser
from app.db import Session, begin_write_transaction, utcnow
from app.errors import Conflict, DomainError
from app.i18n import _
from app.surveys.labels import state_name
from app.surveys.models import ImportState, ParticipantImport, Survey, SurveyState
from app.surveys.services import (
    MAX_KEPT_ERRORS,
    ParticipantsInvalid,
    check_participants,
    get_survey,
    invite_participants,
)

log = logging.getLogger(__name__)

IMPORT_LEASE = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 3
PROGRESS_SECONDS = 1.0
CONCURRENT_INVITATIONS = (
    "Some of these people were invited by another upload while this file was checked; "
    "nothing was imported. Upload the file again."
)
_ACTIVE = (ImportState.QUEUED.value, ImportState.RUNNING.value)


def queue_import(
    survey_id: int, content: bytes, filename: str, actor: StaffUser | None
) -> ParticipantImport:
    """Queue a participants file for the worker. Conflict while another file of the same
    survey waits or runs (the second would be checked against the first's addresses)."""
    survey = get_survey(survey_id)
    if survey.state not in (SurveyState.DRAFT.value, SurveyState.OPEN.value):
        raise Conflict(
            _(
                "Survey %(id)s is %(state)s; it cannot be given participants.",
                id=survey.id,
                state=state_name(survey.state),
            )
        )
    refuse_while_importing(survey.id)
    job = ParticipantImport(
        survey_id=survey.id,
        actor_id=actor.id if actor is not None else None,
        filename=filename[:255],
        content=content,
        size=len(content),
        lines=content.count(b"\n") + (not content.endswith(b"\n")),
    )
    Session.add(job)
    Session.flush()
    return job


def refuse_while_importing(survey_id: int) -> None:
    """Conflict while a participants file of the survey waits or runs: another file's
    addresses would be checked against it, and the second to finish would fail."""
    if active_import(survey_id) is not None:
        raise Conflict(
            _(
                "A participants file of this survey is still being imported; wait until it is "
                "done (the survey's page shows its progress)."
            )
        )


def active_import(survey_id: int) -> ParticipantImport | None:
    return Session.scalar(
        select(ParticipantImport).where(
            ParticipantImport.survey_id == survey_id, ParticipantImport.state.in_(_ACTIVE)
        )
    )


def latest_import(survey_id: int) -> ParticipantImport | None:
    """The survey's most recent queued file, for its page."""
    return Session.scalar(
        select(ParticipantImport)
        .where(ParticipantImport.survey_id == survey_id)
        .order_by(ParticipantImport.id.desc())
        .limit(1)
    )


def _claimable(now: dt.datetime) -> ColumnElement[bool]:
    return or_(
        ParticipantImport.state == ImportState.QUEUED.value,
        (ParticipantImport.state == ImportState.RUNNING.value)
        & (ParticipantImport.claimed_until < now),
    ) & (ParticipantImport.attempts < MAX_ATTEMPTS)


def claim_import(worker: str, now: dt.datetime | None = None) -> int | None:
    """Lease the oldest claimable job to `worker`; commits. Its id, or None."""
    now = now or utcnow()
    begin_write_transaction()
    candidate = Session.scalar(
        select(ParticipantImport.id)
        .where(_claimable(now))
        .order_by(ParticipantImport.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    claimed = None
    if candidate is not None:
        claimed = Session.scalar(
            update(ParticipantImport)
            .where(ParticipantImport.id == candidate, _claimable(now))
            .values(
                state=ImportState.RUNNING.value,
                claimed_by=worker,
                claimed_until=now + IMPORT_LEASE,
                attempts=ParticipantImport.attempts + 1,
            )
            .returning(ParticipantImport.id)
            .execution_options(synchronize_session=False)
        )
    Session.commit()
    return claimed


@dataclass(frozen=True)
class ImportOutcome:
    job_id: int
    state: str
    invited: int = 0
    problems: int = 0

    def __str__(self) -> str:
        if self.state == ImportState.DONE.value:
            return f"participants import {self.job_id}: {self.invited} invited"
        return f"participants import {self.job_id}: {self.state} ({self.problems} problem(s))"


def _progress_writer(bind: object, job_id: int) -> Callable[[str, int], None]:
    """Progress committed by a connection of its own (see the module docstring), at most
    once a second, and the count of checked rows at the end of the checks."""
    engine = bind if isinstance(bind, Engine) else None  # a test's joined connection: none
    if (
        engine is not None
        and engine.dialect.name == "sqlite"
        and engine.url.database
        in (
            None,
            "",
            ":memory:",
        )
    ):
        engine = None  # one shared connection: no second writer
    last = [0.0]

    def write(stage: str, rows: int) -> None:
        if engine is None or (stage == "writing" and engine.dialect.name == "sqlite"):
            return
        if stage != "checked" and time.monotonic() - last[0] < PROGRESS_SECONDS:
            return
        last[0] = time.monotonic()
        column = "rows_written" if stage == "writing" else "rows_checked"
        with engine.begin() as conn:
            conn.execute(
                update(ParticipantImport)
                .where(ParticipantImport.id == job_id)
                .values({column: rows})
            )

    return write


def run_import(job_id: int, worker: str) -> ImportOutcome:
    """Run a claimed job; commits. All or none: the invitations, the job's end (its file
    deleted) and the audit event are one transaction, conditional on still holding the
    lease. A refused file leaves its problems (by line) on the job and nothing else."""
    job = Session.get(ParticipantImport, job_id, populate_existing=True)
    if job is None or job.claimed_by != worker or job.content is None:
        Session.rollback()
        return ImportOutcome(job_id, "lost")
    content, survey_id, actor_id = job.content, job.survey_id, job.actor_id
    progress = _progress_writer(Session.get_bind(), job_id)
    Session.commit()  # the checks read in a transaction of their own
    try:
        checked = check_participants(survey_id, io.BytesIO(content), progress=progress)
        begin_write_transaction()
        # The survey as it is now: it may have closed while the file was checked.
        Session.get(Survey, survey_id, populate_existing=True)
        report = invite_participants(checked, progress)
        # The skipped rows by line (never an address): shown with the job until it is purged.
        skipped = report.skipped_summary() or None
        if not _finish(job_id, worker, ImportState.DONE, invited=report.invited, message=skipped):
            Session.rollback()  # another worker took the job over: its run counts
            return ImportOutcome(job_id, "lost")
        record_event(
            Session.get(StaffUser, actor_id) if actor_id else None,
            "participants.import",
            "survey",
            survey_id,
            filename=job.filename,
            invited=report.invited,
            skipped=len(report.skipped),
            teams_created=report.teams_created,
            via="worker",
        )
        Session.commit()
        return ImportOutcome(job_id, ImportState.DONE.value, invited=report.invited)
    except ParticipantsInvalid as exc:
        Session.rollback()
        errors = [[e.line, e.column, e.reason] for e in exc.errors[:MAX_KEPT_ERRORS]]
        _end_failed(job_id, worker, errors=errors, count=exc.count)
        return ImportOutcome(job_id, ImportState.FAILED.value, problems=exc.count)
    except (DomainError, IntegrityError) as exc:
        Session.rollback()
        message = exc.message if isinstance(exc, DomainError) else CONCURRENT_INVITATIONS
        _end_failed(job_id, worker, message=message)
        return ImportOutcome(job_id, ImportState.FAILED.value, problems=1)


def _finish(job_id: int, worker: str, state: ImportState, **values: object) -> bool:
    """End the job if `worker` still holds it; its file is deleted."""
    result = Session.execute(
        update(ParticipantImport)
        .where(ParticipantImport.id == job_id, ParticipantImport.claimed_by == worker)
        .values(
            state=state.value,
            content=None,
            claimed_by=None,
            claimed_until=None,
            finished_at=utcnow(),
            **values,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def _end_failed(
    job_id: int,
    worker: str,
    *,
    errors: list[list[object]] | None = None,
    count: int = 1,
    message: str | None = None,
) -> None:
    begin_write_transaction()
    _finish(job_id, worker, ImportState.FAILED, errors=errors, error_count=count, message=message)
    Session.commit()


def _release(job_id: int, worker: str) -> None:
    """Queue a job again after its run stopped on an unexpected error (the database busy
    or gone for a moment): the next round retries it, without waiting for the lease."""
    try:
        begin_write_transaction()
        Session.execute(
            update(ParticipantImport)
            .where(ParticipantImport.id == job_id, ParticipantImport.claimed_by == worker)
            .values(state=ImportState.QUEUED.value, claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        Session.commit()
    except Exception:
        Session.rollback()
        log.exception("participants import %d: its lease will expire instead", job_id)


def give_up_abandoned(now: dt.datetime | None = None) -> int:
    """Fail the jobs whose run stopped MAX_ATTEMPTS times (a file that kills a worker
    should not kill every worker in turn); their files are deleted. Commits."""
    now = now or utcnow()
    begin_write_transaction()
    result = Session.execute(
        update(ParticipantImport)
        .where(
            ParticipantImport.attempts >= MAX_ATTEMPTS,
            or_(
                ParticipantImport.state == ImportState.QUEUED.value,
                (ParticipantImport.state == ImportState.RUNNING.value)
                & (ParticipantImport.claimed_until < now),
            ),
        )
        .values(
            state=ImportState.FAILED.value,
            content=None,
            claimed_by=None,
            claimed_until=None,
            finished_at=now,
            message=f"The import stopped {MAX_ATTEMPTS} times before the end; nothing was "
            "imported. Upload the file again, or split it.",
        )
        .execution_options(synchronize_session=False)
    )
    Session.commit()
    return int(getattr(result, "rowcount", 0))


def run_queued_imports(echo: Callable[[str], None] = log.info) -> list[ImportOutcome]:
    """Run every claimable job, one after the other (the worker's round)."""
    give_up_abandoned()
    outcomes = []
    worker = secrets.token_hex(8)
    while (job_id := claim_import(worker)) is not None:
        try:
            outcome = run_import(job_id, worker)
        except Exception:
            Session.rollback()
            log.exception("participants import %d stopped; it is queued again", job_id)
            _release(job_id, worker)
            break
        echo(f"{utcnow():%Y-%m-%d %H:%M:%S} UTC  {outcome}")
        outcomes.append(outcome)
    give_up_abandoned()  # a run that stopped for the last time ends its job now
    Session.remove()
    return outcomes
