"""Several workers run the same schedule at the same moments, each in its own thread and
session, on a database of their own with real commits and a real SMTP server: every
invitation and reminder reaches the server once, the survey opens and closes once, and
each scheduled release is published at most once."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select

from app.audit.models import AuditEvent
from app.db import Session
from app.instruments.services import sync_instruments
from app.reports.models import Release
from app.surveys.models import Survey, SurveyState
from app.surveys.services import create_survey, import_participants
from app.worker.models import ScheduledRelease, WorkerHeartbeat
from app.worker.rounds import Round, run_round
from app.worker.services import schedule_release, set_schedule
from tests.ballots.conftest import cast
from tests.conftest import BUNDLED_INSTRUMENT
from tests.outbox.conftest import SmtpServer

T0 = dt.datetime(2031, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
PEOPLE = 24
K = 3


def _setup(app: Flask) -> tuple[int, list[str]]:
    addresses = [f"person{n:03d}@example.org" for n in range(PEOPLE)]
    rows = "".join(f"{a},Team {n % 3},manager\n" for n, a in enumerate(addresses))
    with app.app_context():
        sync_instruments([BUNDLED_INSTRUMENT])
        survey = create_survey(instrument_key="relational-climate", title="Race", k_scores=K)
        import_participants(survey.id, "email,team,level\n" + rows)
        set_schedule(
            survey.id,
            opens_at=T0,
            closes_at=T0 + 10 * DAY,
            open_automatically=True,
            remind_after_days=3,
            max_reminders=1,
            now=T0 - DAY,
        )
        schedule_release(survey.id, T0 + 5 * DAY, now=T0 - DAY)
        Session.commit()
        return survey.id, addresses


def _together(app: Flask, workers: int, now: dt.datetime) -> list[str]:
    """`workers` rounds at `now`, started at once; the errors they raised."""
    barrier = threading.Barrier(workers)
    errors: list[str] = []

    def work(n: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                run_round(Round(now=now, clock=lambda: now, worker_id=f"w{n}", echo=lambda _: None))
            except Exception as exc:  # any error fails the test
                errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.parametrize("workers", [2, 3])
def test_parallel_workers_run_each_scheduled_thing_once(
    app: Flask, committed_db: Engine, mail_server: SmtpServer, workers: int
) -> None:
    survey_id, addresses = _setup(app)
    mail_server.handler.delay = 0.002  # long enough for the workers to overlap

    assert _together(app, workers, T0) == []  # opens; invitations go out
    with app.app_context():
        cast(Session.get_one(Survey, survey_id), 3 * K)
        Session.commit()
    assert _together(app, workers, T0 + 3 * DAY) == []  # one reminder each
    assert _together(app, workers, T0 + 5 * DAY) == []  # the interim release
    assert _together(app, workers, T0 + 6 * DAY) == []  # the limit: no more reminders
    assert _together(app, workers, T0 + 10 * DAY) == []  # the close

    received = Counter(r.rcpt_tos[0] for r in mail_server.received)
    assert received == Counter(dict.fromkeys(addresses, 2))  # an invitation and a reminder
    with committed_db.connect() as conn:
        actions = Counter(conn.scalars(select(AuditEvent.action)))
        state = conn.scalar(select(Survey.state).where(Survey.id == survey_id))
        releases = conn.execute(select(Release.number, Release.final)).all()
        scheduled = conn.execute(select(ScheduledRelease.release_number)).all()
        beats = conn.scalar(select(func.count()).select_from(WorkerHeartbeat))
    assert state == SurveyState.CLOSED.value
    assert (actions["survey.open"], actions["survey.close"]) == (1, 1)
    assert actions["email.queue_invitations"] == 1
    assert actions["email.queue_reminders"] >= 1  # queued once per person, however split
    assert sorted(releases) == [(1, False), (2, True)]
    assert scheduled == [(1,)]
    assert actions["release.publish"] == 1
    assert beats == workers
