"""The survey settings that shape the employee's page: which levels lead their work group
(the items about the group's leader are not asked of them) and mixed item order."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.instruments.models import InstrumentVersion
from app.surveys.models import Survey
from app.surveys.services import create_survey
from tests.admin.conftest import audit_events, page_text, submit

LEVELS = "ic = Individual contributor\nlead = Team lead\nexec = Executive"


def _data(version_id: int, **changes: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version_id": str(version_id),
        "title": "Autumn wave",
        "teams": "Sales",
        "levels": LEVELS,
        "k_scores": "5",
        "k_comments": "10",
    }
    return data | changes


def _created(db: Any) -> Survey:
    survey: Survey = db.scalars(select(Survey).where(Survey.title == "Autumn wave")).one()
    return survey


def test_the_form_explains_the_default(
    client: FlaskClient, admin: Any, bundled_version: InstrumentVersion
) -> None:
    html = page_text(client.get("/admin/surveys/new"))
    assert "Levels that lead their work group" in html
    assert "Left blank, every level above the lowest leads a work group" in html
    assert "Mix the order of the questions" in html
    assert "Nothing about the order is stored" in html


def test_blank_means_every_level_above_the_lowest(
    client: FlaskClient, admin: Any, bundled_version: InstrumentVersion, db_session: Any
) -> None:
    response = submit(client, "/admin/surveys/new", _data(bundled_version.id))
    assert response.status_code == 302
    survey = _created(db_session)
    assert [lv.leads_work_group for lv in survey.levels] == [False, True, True]
    assert survey.mixed_item_order is False
    (event,) = audit_events(db_session, "survey.create")
    assert event.detail["leading_levels"] is None
    assert event.detail["mixed_item_order"] is False


def test_named_levels_lead_and_the_order_is_mixed(
    client: FlaskClient, admin: Any, bundled_version: InstrumentVersion, db_session: Any
) -> None:
    data = _data(bundled_version.id, leading_levels="Team lead", mixed_item_order="y")
    assert submit(client, "/admin/surveys/new", data).status_code == 302
    survey = _created(db_session)
    assert [lv.leads_work_group for lv in survey.levels] == [False, True, False]
    assert survey.mixed_item_order is True
    edit = page_text(client.get(f"/admin/surveys/{survey.id}/edit"))
    assert 'name="leading_levels" type="text" value="lead"' in edit
    assert 'checked id="mixed_item_order"' in edit or 'id="mixed_item_order" checked' in edit


def test_none_means_no_level_leads(
    client: FlaskClient, admin: Any, bundled_version: InstrumentVersion, db_session: Any
) -> None:
    data = _data(bundled_version.id, leading_levels=" None ")
    assert submit(client, "/admin/surveys/new", data).status_code == 302
    survey = _created(db_session)
    assert [lv.leads_work_group for lv in survey.levels] == [False, False, False]
    edit = page_text(client.get(f"/admin/surveys/{survey.id}/edit"))
    assert 'name="leading_levels" type="text" value="none"' in edit


def test_an_unknown_level_is_refused_and_nothing_is_created(
    client: FlaskClient, admin: Any, bundled_version: InstrumentVersion, db_session: Any
) -> None:
    data = _data(bundled_version.id, leading_levels="lead, boss")
    response = submit(client, "/admin/surveys/new", data)
    assert response.status_code == 400
    html = page_text(response)
    assert "'boss' is not a level of this survey" in html
    assert "levels: ic, lead, exec" in html
    assert db_session.scalar(select(func.count()).select_from(Survey)) == 0


def test_editing_a_draft_changes_who_leads_and_the_order(
    client: FlaskClient, admin: Any, bundled_version: InstrumentVersion, db_session: Any
) -> None:
    survey = create_survey(instrument_key="relational-climate", title="Autumn wave")
    db_session.commit()
    url = f"/admin/surveys/{survey.id}/edit"
    edit = page_text(client.get(url))
    assert 'value="manager, senior_leader"' in edit
    data = _data(bundled_version.id, leading_levels="exec", mixed_item_order="y")
    del data["version_id"]
    assert submit(client, url, data).status_code == 302
    db_session.expire_all()
    survey = db_session.get(Survey, survey.id)
    assert [(lv.key, lv.leads_work_group) for lv in survey.levels] == [
        ("ic", False),
        ("lead", False),
        ("exec", True),
    ]
    assert survey.mixed_item_order is True
    # An unchecked box turns it off again.
    data.pop("mixed_item_order")
    assert submit(client, url, data).status_code == 302
    db_session.expire_all()
    assert db_session.get(Survey, survey.id).mixed_item_order is False
