"""Two workers applying retention at the same moment delete a survey's responses once and
record it once (real commits, one session per thread, on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from flask import Flask
from sqlalchemy import Engine, func, select

from app.audit.models import AuditEvent
from app.db import Session, utcnow
from app.instruments.services import sync_instruments
from app.retention.services import RetentionOutcome, RetentionPolicy, apply_retention
from app.taking.models import Response
from tests.conftest import BUNDLED_INSTRUMENT
from tests.retention.conftest import make_wave


def test_two_workers_delete_once(app: Flask, committed_db: Engine) -> None:
    sync_instruments([BUNDLED_INSTRUMENT])
    Session.commit()
    wave = make_wave("Spring wave")
    Session.remove()
    later = dt.datetime.combine(utcnow().date() + dt.timedelta(days=2), dt.time(3), dt.UTC)
    policy = RetentionPolicy(responses_days=1, comments_days=1)
    start = threading.Barrier(2)
    outcomes: list[RetentionOutcome] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            outcome = apply_retention(later, policy)
            Session.commit()
            outcomes.append(outcome)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            Session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(o.responses_of for o in outcomes) == [[], [wave.id]]
    assert sorted(o.comments_of for o in outcomes) == [[], [wave.id]]
    assert Session.scalar(select(func.count()).select_from(Response)) == 0
    actions: Any = Session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("retention.%"))
    ).all()
    assert sorted(actions) == ["retention.comments", "retention.responses"]
