"""seed-demo across a version change: the earlier waves answer version 1 (the archive), the
later ones the current file; leaders are not asked the items about their own leader; a plan
names dimensions of the version its wave answered; the report header says what the
instrument's status means."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask.testing import FlaskClient
from sqlalchemy import distinct, func, select

from app.demo.model import (
    LEADING_FROM_RANK,
    NOT_ASKED,
    draw_population,
    plan_focus,
    plan_org,
    simulate_wave,
)
from app.demo.services import ARCHIVED_INSTRUMENT, BUNDLED_INSTRUMENT, DEMO_HR, seed_demo
from app.instruments.document import InstrumentDocument
from app.instruments.models import InstrumentVersion
from app.instruments.queries import document_of
from app.instruments.validation import validate_instrument_data
from app.plans.models import ActionPlan
from app.surveys.models import Level, Survey
from app.taking.models import Answer, Response
from tests.conftest import AuthActions
from tests.instruments.versions import LEADER_ITEM, REMOVED, v1_data, v2_data, write

TODAY = dt.date(2026, 3, 15)


def parsed(data: dict[str, Any]) -> InstrumentDocument:
    result = validate_instrument_data(data)
    assert result.document is not None, [str(e) for e in result.errors]
    return result.document


@pytest.fixture
def v2_file(tmp_path: Path) -> Path:
    return write(v2_data(), tmp_path)


@pytest.fixture
def seeded(db_session: Any, v2_file: Path) -> list[Survey]:
    seed_demo(teams=5, people=150, waves=3, seed=2, today=TODAY, instrument_file=v2_file)
    db_session.commit()
    return list(db_session.scalars(select(Survey).order_by(Survey.opens_at)))


def test_the_earlier_waves_answer_v1_and_the_later_ones_v2(
    db_session: Any, seeded: list[Survey]
) -> None:
    versions = [survey.instrument_version for survey in seeded]
    assert [v.version for v in versions] == [1, 2, 2]
    assert versions[0].document == v1_data()
    assert versions[2].document == v2_data()
    for survey in seeded:
        keys = set(
            db_session.scalars(
                select(Answer.item_key).join(Response).where(Response.survey_id == survey.id)
            )
        )
        document = document_of(survey.instrument_version)
        assert keys == {item.key for item in document.items}
        on_v2 = survey.instrument_version.version == 2
        assert (LEADER_ITEM in keys) is on_v2
        assert (REMOVED in keys) is not on_v2


def test_levels_above_the_lowest_lead_their_work_group(seeded: list[Survey]) -> None:
    for survey in seeded:
        flags = [(level.rank, level.leads_work_group) for level in survey.levels]
        assert flags == [(1, False), (2, True), (3, True)]
    assert LEADING_FROM_RANK == 1


def test_a_leader_level_response_has_no_answer_to_a_led_item(
    db_session: Any, seeded: list[Survey]
) -> None:
    last = seeded[-1]

    def answered(leading: bool) -> tuple[int, int]:
        """(responses at such levels, their answers to the leader item)."""
        responses = select(Response.id).join(Level, Level.id == Response.level_id)
        responses = responses.where(
            Response.survey_id == last.id, Level.leads_work_group.is_(leading)
        )
        ids = list(db_session.scalars(responses))
        count = db_session.scalar(
            select(func.count(distinct(Answer.response_id))).where(
                Answer.response_id.in_(ids), Answer.item_key == LEADER_ITEM
            )
        )
        return len(ids), int(count or 0)

    leaders, leader_answers = answered(True)
    led, led_answers = answered(False)
    assert leaders > 0 and leader_answers == 0
    assert led > 0 and led_answers == led  # everyone else is asked it (an answer or a null)


def test_the_model_asks_a_leader_nothing_about_their_own_leader() -> None:
    document = parsed(v2_data())
    rng = np.random.default_rng(1)
    org = plan_org(6, 300, 3, rng)
    population = draw_population(document, org, 1, rng)
    wave = simulate_wave(document, population, 0, rng)
    column = [item.key for item in document.items].index(LEADER_ITEM)
    leads = org.level_of[wave.respondents] >= LEADING_FROM_RANK
    assert leads.any() and (~leads).any()
    assert (wave.values[leads, column] == NOT_ASKED).all()
    assert (wave.values[~leads, column] != NOT_ASKED).all()
    assert (wave.values[:, np.arange(wave.values.shape[1]) != column] != NOT_ASKED).all()
    rows = wave.answer_dicts()
    assert all(
        (LEADER_ITEM in row) is not bool(lead) for row, lead in zip(rows, leads, strict=True)
    )


def test_plans_name_dimensions_of_the_version_their_wave_answered() -> None:
    v1, v2 = parsed(v1_data()), parsed(v2_data())
    documents = [v1, v2, v2]
    org = plan_org(30, 1200, 3, np.random.default_rng(4))
    plans = plan_focus(documents, org, 3, np.random.default_rng([4, 1]))
    assert {plan.wave for plan in plans} >= {0, 1}
    for plan in plans:
        keys = {d.key for d in documents[plan.wave].dimensions}
        assert set(plan.dimensions) <= keys
    with pytest.raises(ValueError, match="one document per wave"):
        plan_focus([v1, v2], org, 3, np.random.default_rng(0))


def test_stored_plans_name_dimensions_of_their_surveys_version(
    db_session: Any, seeded: list[Survey]
) -> None:
    for plan in db_session.scalars(select(ActionPlan)):
        survey = db_session.get(Survey, plan.survey_id)
        keys = {d.key for d in document_of(survey.instrument_version).dimensions}
        assert set(plan.focus_keys) <= keys


def test_one_wave_answers_the_current_file_only(db_session: Any, v2_file: Path) -> None:
    seed_demo(teams=2, people=20, waves=1, seed=1, today=TODAY, instrument_file=v2_file)
    db_session.commit()
    (version,) = db_session.scalars(select(InstrumentVersion)).all()
    assert version.document == v2_data()


def test_the_default_files_are_the_archive_then_the_bundled_file() -> None:
    assert ARCHIVED_INSTRUMENT.is_file() and BUNDLED_INSTRUMENT.is_file()
    assert ARCHIVED_INSTRUMENT.parent.name == "archive"


def _header(client: FlaskClient, survey: Survey) -> str:
    page = client.get(f"/reports/surveys/{survey.id}/comments")
    assert page.status_code == 200
    return html.unescape(page.get_data(as_text=True))


def test_the_report_header_says_the_status_once(
    client: FlaskClient, auth: AuthActions, seeded: list[Survey]
) -> None:
    assert auth.login(*DEMO_HR).status_code == 302
    first, last = seeded[0], seeded[-1]
    on_v1, on_v2 = _header(client, first), _header(client, last)
    assert on_v1.count("Instrument status: draft") == 1
    assert "Instrument status: pilot" not in on_v1
    assert on_v2.count("Instrument status: pilot - results are for testing the items.") == 1
    assert "Instrument status: draft" not in on_v2


def test_a_validated_instrument_gets_no_status_note(
    db_session: Any, client: FlaskClient, auth: AuthActions, tmp_path: Path
) -> None:
    report = {
        "date": "2027-03-01",
        "sample": "812 people.",
        "factor_structure": "As designed.",
        "invariance_levels": "Scalar.",
        "invariance_languages": "Metric.",
    }
    validated = write(v2_data("validated", validation_report=report), tmp_path)
    seed_demo(teams=2, people=30, waves=1, seed=1, today=TODAY, instrument_file=validated)
    db_session.commit()
    assert auth.login(*DEMO_HR).status_code == 302
    survey = db_session.scalars(select(Survey)).one()
    assert "Instrument status" not in _header(client, survey)
