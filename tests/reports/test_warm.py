"""A worker made ready before its first request (gunicorn's post_worker_init)."""

from __future__ import annotations

from flask import Flask

from app.reports import queries
from app.reports.queries import latest_release
from app.reports.warm import prepare_worker
from tests.reports import test_pages
from tests.reports.test_pages import ReportSurvey

report_survey = test_pages.report_survey


def test_a_prepared_worker_has_its_templates_compiled_and_latest_releases_decoded(
    app: Flask, report_survey: ReportSurvey
) -> None:
    queries._snapshots.clear()
    app.jinja_env.cache.clear()  # type: ignore[union-attr]
    assert prepare_worker(app) == 1
    release = latest_release(report_survey.id)
    assert release is not None and release.digest in queries._snapshots
    compiled = {name for _loader, name in app.jinja_env.cache}  # type: ignore[union-attr]
    assert {"reports/overview.html", "reports/chart_page.html", "base.html"} <= compiled


def test_a_worker_with_no_release_to_decode_starts_all_the_same(
    app: Flask, db_session: object
) -> None:
    queries._snapshots.clear()
    assert prepare_worker(app) == 0
    assert not queries._snapshots
