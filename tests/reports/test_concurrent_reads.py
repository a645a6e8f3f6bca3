"""A report page read while another worker commits: its audit write still goes through.

On SQLite a transaction that has read cannot become a writer once another connection has
committed ("database is locked", answered 503); the soak benchmark saw 31 of 150 report
reads fail that way. The views end their reads before writing the audit event."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from app.db import Session
from app.demo.services import DEMO_HR, seed_demo
from app.reports import routes
from tests.conftest import AuthActions


def test_a_report_page_audits_its_read_after_another_worker_committed(
    client: FlaskClient,
    auth: AuthActions,
    committed_db: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = seed_demo(teams=4, people=40, waves=1)
    Session.commit()
    Session.remove()  # each request starts afresh and reads from the database
    survey_id = summary.surveys[0].id
    with committed_db.begin() as setup:  # a table that only the "other worker" writes to
        setup.execute(text("CREATE TABLE another_workers_write (x INTEGER)"))
    assert auth.login(*DEMO_HR).status_code == 302
    read = routes.report_context

    def read_then_another_worker_commits(survey: int) -> Any:
        found = read(survey)  # this request's reads: its transaction has read
        with committed_db.begin() as other:  # another worker's write, committed meanwhile
            other.execute(text("INSERT INTO another_workers_write VALUES (1)"))
        return found

    monkeypatch.setattr(routes, "report_context", read_then_another_worker_commits)
    for path in ("", "heatmap", "comments"):
        page = client.get(f"/reports/surveys/{survey_id}/{path}")
        assert page.status_code == 200, (path, page.status_code)
