"""The report pages in Spanish: for a staff member whose setting is Spanish and for one whose
browser prefers it, with the instrument's own texts in Spanish too; English otherwise. The
pages' cached values never carry one reader's language to the next reader."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.auth.models import Role, StaffUser
from app.reports import queries, registry
from tests.conftest import AuthActions
from tests.reports import test_pages
from tests.reports.test_pages import ReportSurvey

report_survey = test_pages.report_survey

SPANISH = {"Accept-Language": "es"}
ENGLISH = {"Accept-Language": "en"}

# page path -> (a Spanish sentence or heading on it, a chart title on it or None)
PAGES = {
    "": ("Respuestas en esta vista", "Mutualidad y poder sobre por equipo"),
    "heatmap": ("Equipos comparados con el resto de la organización", None),
    "drivers": ("Por dónde empezar: qué va de la mano con los resultados relacionales", None),
    "items": ("Respuestas a cada ítem", "Respuestas a cada ítem"),
    "standpoint": ("Perspectiva: el clima por nivel", "El clima visto desde cada nivel"),
    "trends": ("Tendencias entre olas", "Tendencias entre olas"),
    "reliability": ("Confiabilidad", None),
    "comments": ("Los comentarios aparecen textualmente", None),
}
# English sentences of the shared layout and captions that must not survive in Spanish.
ENGLISH_LEFTOVERS = (
    "Export this page",
    "Whole organisation",
    "higher is better",
    "Results as of",
    "fewer than 5",
    "Report pages",
)


def _charts(html: str) -> list[dict[str, Any]]:
    return [
        json.loads(block)
        for block in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S)
    ]


def set_language(db_session: Any, user: Any, language: str | None) -> None:
    """Change a staff member's setting (the object the fixture made is detached once a
    request has ended, so it is read again)."""
    db_session.get(StaffUser, user.id).language = language
    db_session.commit()


def _fresh_caches() -> None:
    registry._page_values.clear()
    queries._snapshots.clear()


@pytest.fixture
def hr_es(auth: AuthActions, make_user: Any, db_session: Any) -> Any:
    """HR whose own setting is Spanish (whatever the browser says)."""
    user = make_user("hr-es@example.org", Role.HR)
    user.language = "es"
    db_session.commit()
    auth.login("hr-es@example.org")
    return user


@pytest.fixture
def manager(auth: AuthActions, make_user: Any, report_survey: ReportSurvey) -> Any:
    """A manager of Engineering/Platform with no setting: the browser decides."""
    user = make_user("lead@example.org", Role.MANAGER, ["Engineering/Platform"])
    auth.login("lead@example.org")
    return user


@pytest.mark.parametrize("path", list(PAGES))
def test_each_report_page_reads_in_spanish_for_a_spanish_setting(
    client: FlaskClient, hr_es: Any, report_survey: ReportSurvey, path: str
) -> None:
    _fresh_caches()
    # The setting wins over an English browser.
    page = client.get(f"/reports/surveys/{report_survey.id}/{path}", headers=ENGLISH)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sentence, chart_title = PAGES[path]
    assert sentence in html
    assert "Informes" in html and "Exportar esta página" in html
    assert "Resultados al " in html and "publicación 1 (provisional)" in html
    assert 'lang="es"' in html
    for english in ENGLISH_LEFTOVERS:
        assert english not in html, (path, english)
    if chart_title is not None:
        titles = [c["layout"]["title"]["text"] for c in _charts(html)]
        assert any(chart_title in title for title in titles), titles


def test_the_overview_in_spanish_shows_spanish_numbers_labels_and_charts(
    client: FlaskClient, hr_es: Any, report_survey: ReportSurvey
) -> None:
    _fresh_caches()
    html = client.get(f"/reports/surveys/{report_survey.id}/").get_data(as_text=True)
    # The instrument's own texts in Spanish, the interface's words around them.
    assert "Mutualidad" in html and "cuanto más alto, mejor" in html
    assert "Intervalo de confianza del 95%" in html
    assert "% de respuestas favorables" in html
    # Means with a decimal comma, the statistics themselves unchanged.
    means = re.findall(r"<td>(\d),(\d\d)</td>", html)
    assert means, "no mean written with a decimal comma"
    charts = _charts(html)
    quadrant = charts[0]["layout"]
    assert quadrant["title"]["text"] == "Mutualidad y poder sobre por equipo"
    assert "cuanto más alto, mejor" in quadrant["xaxis"]["title"]["text"]
    assert any("Mutualidad" in c["layout"]["title"]["text"] for c in charts[1:])


def test_hidden_cells_read_their_reason_in_the_readers_language(
    client: FlaskClient, hr_es: Any, report_survey: ReportSurvey, db_session: Any
) -> None:
    """The release stores why a cell is hidden (a reason key), never the words: the same
    release reads "menos de 5" in Spanish and "fewer than 5" in English."""
    _fresh_caches()
    team = report_survey.teams[f"Sales/{test_pages.HOSTILE_TEAM}"]
    spanish = client.get(f"/reports/surveys/{report_survey.id}/teams/{team}").get_data(as_text=True)
    assert "Por qué no se muestran los resultados de este equipo" in spanish
    assert "menos de 5" in spanish and "fewer than" not in spanish
    set_language(db_session, hr_es, None)
    english = client.get(
        f"/reports/surveys/{report_survey.id}/teams/{team}", headers=ENGLISH
    ).get_data(as_text=True)
    assert "Why this team's results are not shown" in english
    assert "fewer than 5" in english and "menos de" not in english


def test_a_manager_whose_browser_prefers_spanish_reads_the_team_view_in_spanish(
    client: FlaskClient, manager: Any, report_survey: ReportSurvey
) -> None:
    _fresh_caches()
    team = report_survey.teams["Engineering/Platform"]
    html = client.get(f"/reports/surveys/{report_survey.id}/teams/{team}", headers=SPANISH)
    assert html.status_code == 200
    text = html.get_data(as_text=True)
    for spanish in (
        "Participación",
        "Dónde está este equipo",
        "Cómo se eligen las fortalezas y las áreas de enfoque",
        "Diferencia con el resto",
        "Planes de acción",
        "Crear un plan de acción",
    ):
        assert spanish in text, spanish
    assert "Where this team stands" not in text
    # The same manager's browser in English reads English (no setting of their own).
    english = client.get(
        f"/reports/surveys/{report_survey.id}/teams/{team}", headers=ENGLISH
    ).get_data(as_text=True)
    assert "Where this team stands" in english and "Participación" not in english


@pytest.mark.parametrize("path", ["", "heatmap", "items", "standpoint", "reliability"])
def test_a_manager_reads_the_chart_pages_in_spanish_by_the_browser(
    client: FlaskClient, manager: Any, report_survey: ReportSurvey, path: str
) -> None:
    _fresh_caches()
    html = client.get(f"/reports/surveys/{report_survey.id}/{path}", headers=SPANISH).get_data(
        as_text=True
    )
    assert PAGES[path][0] in html
    assert "Export this page" not in html


def test_an_english_read_then_a_spanish_read_of_the_same_page_in_one_process(
    client: FlaskClient, hr_es: Any, report_survey: ReportSurvey, db_session: Any
) -> None:
    """The page values are built once per release and reader: the reader's language is
    part of what they are kept by, both ways round."""
    _fresh_caches()
    url = f"/reports/surveys/{report_survey.id}/heatmap"
    set_language(db_session, hr_es, "en")
    english = client.get(url).get_data(as_text=True)
    assert "Each team compared with the rest of the organisation" in english
    set_language(db_session, hr_es, "es")
    spanish = client.get(url).get_data(as_text=True)
    assert "Cada equipo comparado con el resto de la organización" in spanish
    assert "Each team compared with the rest" not in spanish
    set_language(db_session, hr_es, "en")
    again = client.get(url).get_data(as_text=True)
    assert "Each team compared with the rest of the organisation" in again
    assert "Cada equipo comparado" not in again


def test_the_report_list_releases_and_response_rates_read_in_spanish(
    client: FlaskClient, hr_es: Any, report_survey: ReportSurvey
) -> None:
    _fresh_caches()
    listing = client.get("/reports/").get_data(as_text=True)
    for spanish in ("Informes", "Tasa de respuesta", "Publicación más reciente", "abierta"):
        assert spanish in listing, spanish
    releases = client.get(f"/reports/surveys/{report_survey.id}/releases").get_data(as_text=True)
    assert "Publicaciones de esta encuesta, de la primera a la última." in releases
    assert "provisional" in releases and "interim" not in releases
    rates = client.get(f"/reports/surveys/{report_survey.id}/response-rates").get_data(as_text=True)
    assert "Tasas de respuesta" in rates and "Toda la organización" in rates
    assert "Whole organisation" not in rates


def test_an_export_has_spanish_headers_and_machine_readable_numbers(
    client: FlaskClient, hr_es: Any, report_survey: ReportSurvey
) -> None:
    _fresh_caches()
    body = client.get(f"/reports/surveys/{report_survey.id}/response-rates/export.csv")
    assert body.status_code == 200
    rows = list(csv.reader(io.StringIO(body.get_data(as_text=True))))
    assert rows[0] == ["equipo", "invitadas", "respondieron", "tasa_pct", "nota"]
    legend = {row[0]: row[1] for row in rows if len(row) == 2}
    assert legend["página"] == "Tasas de respuesta"
    assert "(no se muestran cifras de menos personas)" in legend["k"]
    assert legend["tasa_pct"] == "porcentaje: respuestas por invitación"
    # Numbers stay as a program reads them: a rate is written 55.6, never 55,6.
    data = [row for row in rows[1:] if len(row) == 5]
    rates = [row[3] for row in data if row[3]]
    assert rates and all(re.fullmatch(r"\d+\.\d", rate) for rate in rates), rates
    assert all(row[1].isdigit() for row in data)
