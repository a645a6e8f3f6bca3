"""`flask retention plan` says when each closed survey's responses and comments go;
`flask retention run` applies the settings now, as the worker does."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, update

from app.db import utcnow
from app.reports.models import Release
from app.surveys.models import Survey
from app.taking.models import Comment, Response
from tests.retention.conftest import make_wave


def test_plan_says_when_each_survey_s_data_goes(
    app: Flask,
    runner: FlaskCliRunner,
    wave: Survey,
    db_session: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_wave("Open wave", close=False)  # not listed: an open survey is never aged
    closed, wave_id = utcnow().date(), wave.id
    monkeypatch.setitem(app.config, "RETENTION_RESPONSES_DAYS", 365)
    result = runner.invoke(args=["retention", "plan"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Responses are kept 365 days after their survey's close, comments for good, "
        "audit events for good.",
        f"Survey {wave_id} (closed {closed}): responses on {closed + dt.timedelta(days=365)}, "
        "comments kept.",
    ]
    assert db_session.scalar(select(func.count()).select_from(Response)) == 20  # untouched


def test_plan_without_closed_surveys(runner: FlaskCliRunner, db_session: Any) -> None:
    result = runner.invoke(args=["retention", "plan"])
    assert result.exit_code == 0
    assert "No closed survey holds responses or comments." in result.output


def test_run_deletes_what_is_due_survey_after_survey(
    app: Flask,
    runner: FlaskCliRunner,
    wave: Survey,
    db_session: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = [wave.id, make_wave("Autumn wave").id]
    db_session.execute(update(Release).values(created_on=utcnow().date() - dt.timedelta(days=40)))
    db_session.commit()
    monkeypatch.setitem(app.config, "RETENTION_COMMENTS_DAYS", 30)
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"deleted the comments of survey {ids[0]}",
        f"deleted the comments of survey {ids[1]}",
    ]
    assert db_session.scalar(select(func.count()).select_from(Comment)) == 0
    again = runner.invoke(args=["retention", "run"])
    assert again.output == "Nothing to delete.\n"
