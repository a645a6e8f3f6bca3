"""The worker's round runs retention with the app's settings, at the round's time."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.db import Session, utcnow
from app.surveys.models import Survey
from app.taking.models import Comment
from app.worker.rounds import STEPS, Round


def _round(days_after_today: int) -> Round:
    now = dt.datetime.combine(utcnow().date() + dt.timedelta(days=days_after_today), dt.time(3))
    now = now.replace(tzinfo=dt.UTC)
    return Round(now=now, clock=lambda: now, worker_id="w-retention", stop=threading.Event())


def test_the_round_deletes_comments_when_the_setting_says(
    app: Flask, db_session: Any, wave: Survey, monkeypatch: pytest.MonkeyPatch
) -> None:
    (step,) = [s for s in STEPS if s.run.__name__ == "retention"]
    assert STEPS[-1] is step  # after the imports: a quiet moment of the round
    with app.app_context():
        assert step.run(_round(400)) is None  # the default: kept for good
        monkeypatch.setitem(app.config, "RETENTION_COMMENTS_DAYS", 180)
        assert step.run(_round(179)) is None
        assert step.run(_round(180)) == f"deleted the comments of survey {wave.id}"
        assert step.run(_round(180)) is None  # nothing left to delete
    count = select(func.count()).select_from(Comment).where(Comment.survey_id == wave.id)
    assert Session.scalar(count) == 0
    events = select(AuditEvent.object_id).where(AuditEvent.action == "retention.comments")
    assert list(Session.scalars(events)) == [str(wave.id)]
