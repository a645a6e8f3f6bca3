"""The demo's action plans: some teams answer a wave's release with a plan, the model moves
their focus dimensions the better way from the next wave on, seed-demo records the plans
through app.plans and shares the last wave's results with its employees."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from app.demo.model import (
    FocusPlan,
    draw_population,
    family_roles,
    plan_focus,
    plan_org,
    simulate_wave,
)
from app.demo.services import seed_demo
from app.instruments.document import InstrumentDocument
from app.instruments.queries import document_of
from app.instruments.validation import validate_instrument_text
from app.plans.models import ActionPlan, PlanAction
from app.reports.queries import latest_release, snapshot_of
from app.sharing.models import EmployeeSummary
from app.surveys.models import Survey
from tests.conftest import BUNDLED_INSTRUMENT
from tests.demo.test_model import keyed_matrix


@pytest.fixture(scope="module")
def document() -> InstrumentDocument:
    result = validate_instrument_text(BUNDLED_INSTRUMENT.read_bytes())
    assert result.document is not None
    return result.document


def test_plans_pick_big_enough_teams_once_on_two_climate_or_power_dimensions(
    document: InstrumentDocument,
) -> None:
    org = plan_org(40, 1200, 3, np.random.default_rng(5))
    plans = plan_focus(document, org, 3, np.random.default_rng([5, 1]))
    sizes = np.bincount(org.team_of, minlength=org.n_teams)
    assert plans and len({p.team for p in plans}) == len(plans)
    allowed = {d.key for d in document.dimensions if d.family in ("mutuality", "power_over")}
    for plan in plans:
        assert sizes[plan.team] >= 12 and 0 <= plan.wave < 3
        assert len(plan.dimensions) == 2 and set(plan.dimensions) <= allowed
    assert plan_focus(document, org, 3, np.random.default_rng([5, 1])) == plans  # seeded
    big = plan_org(400, 12_000, 3, np.random.default_rng(5))
    assert len(plan_focus(document, big, 3, np.random.default_rng([5, 1]))) == 40  # capped


def test_a_plan_moves_its_dimensions_the_better_way_from_the_next_wave(
    document: InstrumentDocument,
) -> None:
    org = plan_org(4, 400, 3, np.random.default_rng(2))
    base = draw_population(document, org, 2, np.random.default_rng(3))
    plan = FocusPlan(team=0, wave=0, dimensions=("authenticity", "silencing"))
    planned = dataclasses.replace(base, focus=(plan,))

    def means(population: Any, wave: int) -> dict[str, float]:
        answered = simulate_wave(document, population, wave, np.random.default_rng(9))
        rows = np.flatnonzero(org.team_of[answered.respondents] == 0)
        keyed = keyed_matrix(document, answered)[rows]
        columns = {
            key: [j for j, item in enumerate(document.items) if item.dimension == key]
            for key in ("authenticity", "silencing", "voice_influence")
        }
        return {key: float(np.nanmean(keyed[:, js])) for key, js in columns.items()}

    before, after = means(base, 1), means(planned, 1)
    assert after["authenticity"] > before["authenticity"] + 0.2  # mutuality: up
    assert after["silencing"] < before["silencing"] - 0.2  # power-over: down
    assert after["voice_influence"] == pytest.approx(before["voice_influence"])  # untouched
    # In the plan's own wave nothing has moved yet.
    assert means(planned, 0) == means(base, 0)


def test_seed_demo_records_the_plans_and_shares_the_last_results(db_session: Any) -> None:
    # Every wave on one version, so a plan's dimensions are there in the next wave.
    summary = seed_demo(
        teams=6,
        people=240,
        waves=2,
        seed=4,
        today=dt.date(2026, 3, 15),
        earlier_instrument_file=None,
    )
    db_session.commit()
    plans = db_session.scalars(select(ActionPlan).order_by(ActionPlan.id)).all()
    assert plans, "some teams have plans"
    assert summary.plans == len(plans)
    assert db_session.scalar(select(func.count()).select_from(PlanAction)) == 2 * len(plans)
    first, last = summary.surveys
    shared = db_session.scalar(select(EmployeeSummary))
    assert shared.survey_id == last.id
    assert shared.release_id == latest_release(last.id).id
    # A plan made from the first wave: its focus dimensions moved the better way.
    document = document_of(db_session.get(Survey, first.id).instrument_version)
    roles = family_roles(document)
    dimension_family = {d.key: d.family for d in document.dimensions}
    moved = []
    for plan in plans:
        if plan.survey_id != first.id:
            continue
        before = snapshot_of(latest_release(first.id)).publication().view(plan.team_id)
        after = snapshot_of(latest_release(last.id)).publication().view(plan.team_id)
        for key in plan.focus_keys:
            was, now = before.dimensions[key].mean, after.dimensions[key].mean
            if was is None or now is None:
                continue
            better = (
                now.mean > was.mean
                if roles[dimension_family[key]] != "power"
                else (now.mean < was.mean)
            )
            moved.append(better)
    assert moved and sum(moved) >= 0.75 * len(moved)
