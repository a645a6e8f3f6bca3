"""A report page's query arguments (release, team, level, page): whatever their spelling,
a clear answer, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.reports import test_pages
from tests.reports.test_pages import ReportSurvey

report_survey = test_pages.report_survey
hr = test_pages.hr

ODD_NUMBERS = ["99999999999999999999", "2147483648", "²", "٣", "1e3", "-1", "0x10", " 1", ""]


@pytest.mark.parametrize("value", ODD_NUMBERS)
@pytest.mark.parametrize("name", ["release", "team", "level", "page"])
def test_odd_numbers_in_query_arguments_get_an_answer(
    client: FlaskClient, hr: Any, report_survey: ReportSurvey, name: str, value: str
) -> None:
    for path in ("/", "/heatmap", "/comments"):
        page = client.get(f"/reports/surveys/{report_survey.id}{path}", query_string={name: value})
        # Not a number a release, team or level can have: the default view.
        assert page.status_code == 200, (path, name, value)


def test_a_release_that_does_not_exist_is_a_404(
    client: FlaskClient, hr: Any, report_survey: ReportSurvey
) -> None:
    page = client.get(f"/reports/surveys/{report_survey.id}/?release=2147483647")
    assert page.status_code == 404
    assert "has no release 2147483647" in page.get_data(as_text=True)
