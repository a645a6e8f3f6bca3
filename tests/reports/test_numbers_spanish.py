"""Numbers that Python writes into text read as the reader's locale writes them: the team
view's sentences, a plan's "did it work?" reading and the charts' hover text and notes
("0,40" in Spanish, "0.40" in English). A chart kept for a release is kept per language,
so an English read after a Spanish one of the same chart reads English again."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from app.auth.models import Role
from app.i18n import MINUS
from app.plans.outcomes import FocusChange
from app.reports.figures import DifferenceCell, Dimension, Estimate, difference_heatmap
from app.reports.figures.text import COUNT_FIELD, count_text, hover
from app.reports.pages import Change
from app.reports.team_view import describe_change, describe_difference
from tests.reports import test_language_cut_pages, test_pages
from tests.reports.test_pages import ReportSurvey
from tests.reports.test_reports_spanish import _fresh_caches, hr_es, set_language
from tests.reports.test_team_view import row

report_survey = test_pages.report_survey
language_survey = test_language_cut_pages.language_survey
__all__ = ["hr_es", "language_survey", "report_survey"]

DECIMAL_COMMA = re.compile(r"\d,\d\d")
DECIMAL_POINT = re.compile(r"\d\.\d\d")


@pytest.fixture
def spanish(app: Flask) -> Iterator[None]:
    with app.test_request_context(headers={"Accept-Language": "es"}), force_locale("es"):
        yield


def test_the_team_view_writes_its_sentences_with_a_decimal_comma(spanish: None) -> None:
    words = describe_difference(row("up", 0.4, flagged=True))
    assert words.startswith("0,40 por encima del resto de la organización")
    assert "de +0,30 a +0,50" in words
    change = describe_change(Change("Primavera", -0.27, -0.54, -0.001))
    assert change == (
        f"Bajó 0,27 desde Primavera (intervalo de confianza del 95% de {MINUS}0,54 a 0,00)."
    )
    assert not DECIMAL_POINT.search(words + change)


def test_a_plans_reading_has_a_decimal_comma_and_no_signed_zero(spanish: None) -> None:
    found = FocusChange("voice", "Voz", "high", 3.0, 3.4, 0.4, -0.001, 0.81)
    reading = found.reading
    assert "+0,40" in reading and "0,00 a +0,81" in reading, reading
    assert "-0,00" not in reading and MINUS + "0,00" not in reading
    assert not DECIMAL_POINT.search(reading)


def test_a_plans_reading_in_english_keeps_the_point(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        reading = FocusChange("voice", "Voice", "high", 3.0, 3.4, 0.4, 0.1, 0.7).reading
    assert reading.startswith("Changed by +0.40 (95% interval +0.10 to +0.70)")


def _heatmap_hover() -> list[str]:
    cell = DifferenceCell(0.45, Estimate(0.62, 0.21, 1.03, n=12), 0.012, flagged=True)
    spec = difference_heatmap(["Platform"], [Dimension("Voice")], [[cell]], k=5)
    return [text for line in spec.figure["data"][0]["hovertext"] for text in line]


def test_a_charts_hover_text_has_a_decimal_comma_in_spanish(spanish: None) -> None:
    hover = " ".join(_heatmap_hover())
    assert "+0,45" in hover and "0,012" in hover, hover
    assert not DECIMAL_POINT.search(hover)


def test_a_charts_hover_text_keeps_the_point_in_english(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        hover = " ".join(_heatmap_hover())
    assert "+0.45" in hover and "0.012" in hover, hover
    assert not DECIMAL_COMMA.search(hover)


def _hover_texts(html: str) -> str:
    texts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for block in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S):
        for trace in json.loads(block)["data"]:
            walk(trace.get("hovertext"))
    return " ".join(texts)


@pytest.mark.parametrize("path", ["heatmap", ""])
def test_a_cached_chart_reads_the_readers_language_both_ways(
    client: FlaskClient, hr_es: Any, report_survey: ReportSurvey, db_session: Any, path: str
) -> None:
    """The figures are kept per release and per reader's language: a Spanish read first,
    then an English one, then Spanish again, each with its own decimal separator."""
    _fresh_caches()
    url = f"/reports/surveys/{report_survey.id}/{path}"
    spanish = _hover_texts(client.get(url).get_data(as_text=True))
    assert DECIMAL_COMMA.search(spanish) and not DECIMAL_POINT.search(spanish), spanish[:300]
    set_language(db_session, hr_es, "en")
    english = _hover_texts(client.get(url).get_data(as_text=True))
    assert DECIMAL_POINT.search(english) and not DECIMAL_COMMA.search(english), english[:300]
    set_language(db_session, hr_es, "es")
    again = _hover_texts(client.get(url).get_data(as_text=True))
    assert again == spanish


def test_a_count_in_hover_text_and_tables_is_grouped_as_the_reader_groups(spanish: None) -> None:
    assert hover("Platform", {COUNT_FIELD: 1234, "Voz": "3,80"}) == (
        "<b>Platform</b><br>n = 1.234<br>Voz: 3,80"
    )
    assert count_text(1234) == "1.234" and count_text(None) == ""


def test_the_view_by_language_writes_its_means_as_the_reader_does(
    client: FlaskClient, language_survey: Any, auth: Any, make_user: Any
) -> None:
    make_user("hr-cut@example.org", Role.HR)
    auth.login("hr-cut@example.org")
    _fresh_caches()
    url = f"/reports/surveys/{language_survey.id}/?language=en"

    def by_language(headers: dict[str, str]) -> str:
        html = client.get(url, headers=headers).get_data(as_text=True)
        return html[html.index('class="summary by-language"') :]

    spanish = by_language({"Accept-Language": "es"})
    assert re.search(r"<td>\d,\d\d</td>", spanish) and not re.search(r"<td>\d\.\d\d", spanish)
    english = by_language({"Accept-Language": "en"})
    assert re.search(r"<td>\d\.\d\d</td>", english) and not re.search(r"<td>\d,\d\d", english)
