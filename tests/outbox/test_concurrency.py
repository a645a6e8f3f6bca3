"""Several workers at once, each with its own session, on a database of its own with real
commits: every message reaches the SMTP server exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, select

from app.db import Session
from app.instruments.services import sync_instruments
from app.outbox.models import OutboxMessage
from app.outbox.services import deliver_pending, queue_invitations
from app.surveys.services import create_survey, import_participants, open_survey
from tests.conftest import BUNDLED_INSTRUMENT, on_postgres
from tests.outbox.conftest import SmtpServer

PEOPLE = 40


def _queue(app: Flask, people: int) -> list[str]:
    addresses = [f"person{n:03d}@example.org" for n in range(people)]
    rows = "".join(f"{a},Team {n % 4},manager\n" for n, a in enumerate(addresses))
    with app.app_context():
        sync_instruments([BUNDLED_INSTRUMENT])
        survey = create_survey(instrument_key="relational-climate", title="Race")
        import_participants(survey.id, "email,team,level\n" + rows)
        open_survey(survey.id)
        assert queue_invitations(survey.id) == people
        Session.commit()
    return addresses


@pytest.mark.parametrize("workers", [2, 4])
def test_parallel_workers_never_send_a_message_twice(
    app: Flask, committed_db: Engine, mail_server: SmtpServer, workers: int
) -> None:
    addresses = _queue(app, PEOPLE)
    mail_server.handler.delay = 0.005  # long enough for the workers to overlap
    barrier = threading.Barrier(workers)
    sent: Counter[int] = Counter()
    errors: list[str] = []

    def work(worker: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                while (report := deliver_pending(batch_size=3)).claimed:
                    sent[worker] += report.sent
            except Exception as exc:  # any error fails the test below
                errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    received = Counter(r.rcpt_tos[0] for r in mail_server.received)
    assert received == Counter(addresses)  # each exactly once
    assert sum(sent.values()) == PEOPLE
    assert len(sent) == workers, f"some worker sent nothing: {sent}"
    with committed_db.connect() as conn:
        rows = conn.execute(select(OutboxMessage.status, OutboxMessage.raw_token)).all()
    assert set(rows) == {("sent", None)}


@pytest.mark.skipif(
    not on_postgres(),
    reason="row locks (FOR UPDATE SKIP LOCKED) exist only on PostgreSQL; "
    "on SQLite the claim is a lease, tested by the parallel-workers test",
)
def test_a_message_locked_by_another_transaction_is_skipped_without_waiting(
    app: Flask, committed_db: Engine, mail_server: SmtpServer
) -> None:
    _queue(app, 3)
    with committed_db.connect() as other:
        locked_id = other.scalar(
            select(OutboxMessage.id).order_by(OutboxMessage.id).limit(1).with_for_update()
        )
        reports: list[Any] = []

        def deliver() -> None:
            with app.app_context():
                reports.append(deliver_pending(batch_size=10))

        worker = threading.Thread(target=deliver)
        worker.start()
        worker.join(timeout=20)
        blocked = worker.is_alive()
        other.rollback()  # releases the lock (and a blocked worker, if the test fails)
        worker.join(timeout=20)
    assert not blocked, "the worker waited for a locked row instead of skipping it"
    assert (reports[0].claimed, reports[0].sent) == (2, 2)
    with app.app_context():
        assert deliver_pending(batch_size=10).sent == 1
    with committed_db.connect() as conn:
        assert conn.scalar(select(OutboxMessage.status).where(OutboxMessage.id == locked_id)) == (
            "sent"
        )
    assert len(mail_server.received) == 3
