"""A worker made ready before its first request (gunicorn's post_worker_init)."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.auth.models import Role
from app.reports import publication, queries, registry, snapshot_format
from app.reports.queries import latest_release
from app.reports.warm import prepare_worker, ready_worker
from tests.conftest import AuthActions
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


def test_a_prepared_worker_computes_no_statistic_on_a_pages_first_read(
    app: Flask,
    report_survey: ReportSurvey,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queries._snapshots.clear()
    registry._page_values.clear()
    prepare_worker(app)

    def computed(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a statistic was computed on a page's read")

    # Every cell's summary, every level filter's test family, every item's answer rollup:
    # all ready before the first reader.
    class Uncomputable:
        from_sums = staticmethod(computed)

    monkeypatch.setattr(publication, "Summary", Uncomputable)
    monkeypatch.setattr(publication, "team_vs_rest", computed)
    monkeypatch.setattr(publication._ItemTotals, "_roll_up", computed)

    # and every section of the release decoded, the comments' texts included
    class Undecodable:
        decompress = staticmethod(computed)

    monkeypatch.setattr(snapshot_format, "zlib", Undecodable)
    make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    base = f"/reports/surveys/{report_survey.id}"
    release = latest_release(report_survey.id)
    assert release is not None
    levels = queries.snapshot_of(release).publication().levels  # those anyone answered at
    for page in ("/", "/heatmap", "/items", "/standpoint", "/reliability", "/comments"):
        for query in ("", *(f"?level={level}" for level in levels)):
            assert client.get(base + page + query).status_code == 200, page + query


def test_an_app_that_is_not_ours_is_left_alone() -> None:
    # gunicorn.conf.py prepares every worker it starts, also the submission benchmark's bare
    # baseline app, which has neither our templates nor our database.
    assert prepare_worker(Flask("bare")) == 0


def test_a_ready_worker_hides_what_it_prepared_from_the_garbage_collector(
    app: Flask, report_survey: ReportSurvey
) -> None:
    queries._snapshots.clear()
    try:
        assert ready_worker(app) == 1
        # the prepared releases sit in the permanent generation: no collection walks them
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
