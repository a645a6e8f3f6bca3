"""Each role's home: HR reads the latest releases' headline figures, an admin also what is
running and what needs attention, a manager lands on their team (tests/reports/test_team_view)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask.testing import FlaskClient

from app.auth.models import Role
from app.db import Session, utcnow
from app.reports.queries import latest_release, snapshot_of
from app.surveys.models import Survey
from app.worker.models import WorkerHeartbeat
from tests.conftest import AuthActions, OpenSurvey
from tests.reports import test_pages
from tests.reports.test_pages import ReportSurvey

report_survey = test_pages.report_survey


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_hr_reads_the_latest_release_with_the_figures_it_shows(
    client: FlaskClient, auth: AuthActions, make_user: Any, report_survey: ReportSurvey
) -> None:
    make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    html = client.get("/").get_data(as_text=True)
    release = latest_release(report_survey.id)
    assert release is not None
    view = snapshot_of(release).publication().view()
    mutuality = view.families["mutuality"].mean
    assert mutuality is not None
    text = _text(html)
    assert "Report wave" in text and "release 1" in text
    assert f"Mutuality: {mutuality.mean:.2f}" in text
    assert f"(95% interval {mutuality.lower:.2f}–{mutuality.upper:.2f})" in text
    assert "Needs attention" not in text  # an admin's section
    assert f'href="/reports/surveys/{report_survey.id}/"' in html


def test_an_admin_is_told_what_needs_attention(
    client: FlaskClient, auth: AuthActions, make_user: Any, open_survey: OpenSurvey
) -> None:
    make_user("root@example.org", Role.ADMIN)
    auth.login("root@example.org")
    text = _text(client.get("/").get_data(as_text=True))
    assert "No worker has ever run" in text
    assert "Spring wave" in text  # open, in "Surveys running"
    assert "no release yet" in text  # participation only from releases
    survey = Session.get(Survey, open_survey.survey.id)
    assert survey is not None
    survey.closes_at = utcnow() - dt.timedelta(days=1)
    Session.add(
        WorkerHeartbeat(
            worker_id="w1", started_at=utcnow(), seen_at=utcnow(), rounds=3, last_did="idle"
        )
    )
    Session.commit()
    text = _text(client.get("/").get_data(as_text=True))
    assert "No worker" not in text and "Worker last seen" in text
    assert "“Spring wave” is still open after its closing date." in text


def test_the_report_list_shows_dates_rates_and_the_latest_release(
    client: FlaskClient, auth: AuthActions, make_user: Any, report_survey: ReportSurvey
) -> None:
    make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    text = _text(client.get("/reports/").get_data(as_text=True))
    assert "Response rate" in text and "Latest release" in text
    assert re.search(r"Report wave open – – \d+% \(\d+ of \d+\) Results as of", text), text
