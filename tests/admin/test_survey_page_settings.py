"""The admin's survey page shows the two settings that shape the employee's page: which
levels lead their work group (the items about the leader are not asked of them) and
whether each person sees the questions in an order of their own, in English and Spanish."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.models import StaffUser
from app.instruments.models import InstrumentVersion
from app.surveys.models import Survey
from tests.admin.conftest import page_text, submit

LEVELS = "ic = Individual contributor\nlead = Team lead\nexec = Executive"
SPANISH = {"Accept-Language": "es"}


def _survey(client: FlaskClient, version: InstrumentVersion, db: Any, **changes: str) -> Survey:
    data = {
        "version_id": str(version.id),
        "title": "Autumn wave",
        "teams": "Sales",
        "levels": LEVELS,
        "k_scores": "5",
        "k_comments": "10",
    } | changes
    assert submit(client, "/admin/surveys/new", data).status_code == 302
    survey: Survey = db.scalars(select(Survey).where(Survey.title == "Autumn wave")).one()
    return survey


def _row(html: str, row_id: str) -> str:
    found = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert found, row_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def test_the_page_names_the_leading_levels_and_a_mixed_order(
    client: FlaskClient, admin: Any, bundled_version: InstrumentVersion, db_session: Any
) -> None:
    survey = _survey(
        client, bundled_version, db_session, leading_levels="lead, exec", mixed_item_order="y"
    )
    html = page_text(client.get(f"/admin/surveys/{survey.id}"))
    leading = _row(html, "leading-levels")
    assert leading == (
        "Levels that lead their work group Team lead (lead), Executive (exec) "
        "(the questions about the leader are not asked of them)"
    )
    assert "Individual contributor" not in leading
    assert _row(html, "item-order") == (
        "Order of the questions mixed for each person (the parts and the answer scale keep theirs)"
    )


def test_no_leading_level_and_the_fixed_order(
    client: FlaskClient, admin: Any, bundled_version: InstrumentVersion, db_session: Any
) -> None:
    survey = _survey(client, bundled_version, db_session, leading_levels="none")
    html = page_text(client.get(f"/admin/surveys/{survey.id}"))
    assert _row(html, "leading-levels") == (
        "Levels that lead their work group none: every question is asked of everyone"
    )
    assert _row(html, "item-order") == (
        "Order of the questions the instrument's order, the same for everyone"
    )


def test_the_settings_read_in_spanish_by_the_browser_and_by_the_setting(
    client: FlaskClient, admin: Any, bundled_version: InstrumentVersion, db_session: Any
) -> None:
    survey = _survey(client, bundled_version, db_session, mixed_item_order="y")
    url = f"/admin/surveys/{survey.id}"
    html = page_text(client.get(url, headers=SPANISH))
    # Blank: every level above the lowest leads.
    assert _row(html, "leading-levels") == (
        "Niveles que dirigen su grupo de trabajo Team lead (lead), Executive (exec) "
        "(no se les hacen las preguntas sobre quien dirige el grupo)"
    )
    assert _row(html, "item-order") == (
        "Orden de las preguntas mezclado para cada persona (las partes y la escala de "
        "respuesta conservan el suyo)"
    )
    assert "Order of the questions" not in html and "mixed for each person" not in html
    # The account's setting, whatever the browser says; and back to English without it.
    db_session.get(StaffUser, admin.id).language = "es"
    db_session.get(Survey, survey.id).mixed_item_order = False
    db_session.commit()
    html = page_text(client.get(url, headers={"Accept-Language": "en"}))
    assert _row(html, "item-order") == (
        "Orden de las preguntas el orden del instrumento, el mismo para todas las personas"
    )
    db_session.get(StaffUser, admin.id).language = None
    for level in db_session.get(Survey, survey.id).levels:
        level.leads_work_group = False
    db_session.commit()
    html = page_text(client.get(url, headers={"Accept-Language": "en"}))
    assert _row(html, "leading-levels") == (
        "Levels that lead their work group none: every question is asked of everyone"
    )
