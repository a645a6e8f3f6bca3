"""The privacy receipt says who reads what exactly as app.reports.readers rules it, in
English and in Spanish, and changes when the rule does."""

from __future__ import annotations

import html
import re

import pytest
from flask.testing import FlaskClient

from app.reports import readers
from app.reports.readers import Reach, Reader, receipt_readers
from app.taking import routes as taking_routes
from tests.conftest import OpenSurvey

_READER_LINE = re.compile(r'<li class="reader" data-reads="(\w+)" data-reach="(\w+)">(.*?)</li>')

ENGLISH = [
    (
        "scores",
        "organisation",
        "HR staff and administrators see the scores of every team and of the whole organisation.",
    ),
    (
        "scores",
        "own_teams_and_total",
        "Managers see the scores of the teams they lead (with the teams below them) and the "
        "whole organisation’s totals.",
    ),
    (
        "comments",
        "organisation",
        "HR staff and administrators read the comments of every team and of the whole "
        "organisation.",
    ),
    (
        "comments",
        "own_teams",
        "Managers read the comments of the teams they lead (with the teams below them) only, "
        "never those of the whole organisation.",
    ),
]
SPANISH = [
    (
        "scores",
        "organisation",
        "Las personas de Recursos Humanos y los administradores ven las puntuaciones de todos "
        "los equipos y de toda la organización.",
    ),
    (
        "scores",
        "own_teams_and_total",
        "Los responsables de equipo ven las puntuaciones de los equipos que dirigen (con los "
        "equipos que dependen de ellos) y los totales de toda la organización.",
    ),
    (
        "comments",
        "organisation",
        "Las personas de Recursos Humanos y los administradores leen los comentarios de todos "
        "los equipos y de toda la organización.",
    ),
    (
        "comments",
        "own_teams",
        "Los responsables de equipo leen solo los comentarios de los equipos que dirigen (con "
        "los equipos que dependen de ellos), nunca los de toda la organización.",
    ),
]


@pytest.fixture(autouse=True)
def _no_cached_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    # The blank page is cached by survey id, and ids repeat across rolled-back tests.
    monkeypatch.setattr(taking_routes, "_blank_pages", {})


def _receipt_lines(client: FlaskClient, survey: OpenSurvey, language: str) -> list[tuple[str, ...]]:
    page = client.get(f"/s/{survey.token('ana@example.org')}?lang={language}")
    assert page.status_code == 200
    return [
        (what, reach, html.unescape(text))
        for what, reach, text in _READER_LINE.findall(page.get_data(as_text=True))
    ]


@pytest.mark.parametrize(("language", "expected"), [("en", ENGLISH), ("es", SPANISH)])
def test_the_receipt_states_the_rules_readers(
    client: FlaskClient, open_survey: OpenSurvey, language: str, expected: list[tuple[str, ...]]
) -> None:
    lines = _receipt_lines(client, open_survey, language)
    assert lines == expected
    facts = receipt_readers()
    stated = [(w, r) for w, r, _ in lines]
    assert stated == [("scores", reach) for reach, _ in facts.scores] + [
        ("comments", reach) for reach, _ in facts.comments
    ]


def test_a_changed_rule_changes_the_receipt(
    client: FlaskClient, open_survey: OpenSurvey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        readers,
        "READERS",
        (
            Reader("hr", scores=Reach.ORGANISATION, comments=Reach.ORGANISATION),
            Reader("admin", scores=Reach.ORGANISATION, comments=Reach.OWN_TEAMS),
            Reader("manager", scores=Reach.ORGANISATION, comments=Reach.ORGANISATION),
        ),
    )
    assert _receipt_lines(client, open_survey, "en") == [
        (
            "scores",
            "organisation",
            "HR staff, administrators and managers see the scores of every team and of the "
            "whole organisation.",
        ),
        (
            "comments",
            "organisation",
            "HR staff and managers read the comments of every team and of the whole organisation.",
        ),
        (
            "comments",
            "own_teams",
            "Administrators read the comments of the teams they lead (with the teams below "
            "them) only, never those of the whole organisation.",
        ),
    ]


@pytest.mark.parametrize("reach", list(Reach))
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_reach_has_its_sentence(
    client: FlaskClient,
    open_survey: OpenSurvey,
    monkeypatch: pytest.MonkeyPatch,
    reach: Reach,
    language: str,
) -> None:
    monkeypatch.setattr(readers, "READERS", (Reader("manager", scores=reach, comments=reach),))
    lines = _receipt_lines(client, open_survey, language)
    assert [(w, r) for w, r, _ in lines] == [("scores", reach.value), ("comments", reach.value)]
    manager = "Managers" if language == "en" else "Los responsables de equipo"
    assert all(text.startswith(f"{manager} ") and text.endswith(".") for _, _, text in lines)
