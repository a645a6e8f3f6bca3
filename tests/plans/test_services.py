"""Plan services: scope, focus areas, actions, owners, statuses, audit; every refusal
leaves the plan tables and the audit log as they were."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from app.auth.services import set_active
from app.errors import DomainError, Forbidden, NotFound
from app.instruments.models import InstrumentVersion
from app.plans import services
from app.plans.queries import owner_choices, plans_for_team, visible_plans
from app.plans.services import PlanInputError
from app.surveys.models import Survey
from app.surveys.services import create_survey
from tests.plans.conftest import Staff, counts, plan_events

DUE = dt.date(2027, 6, 1)


def test_a_manager_plans_for_a_team_of_their_subtree(
    db_session: Any, staff: Staff, first_wave: Survey, teams: dict[str, int]
) -> None:
    plan = services.create_plan(
        staff.eng, first_wave.id, teams["Eng/Alpha"], ["voice_influence", "silencing"]
    )
    db_session.commit()
    assert plan.focus_keys == ["voice_influence", "silencing"]
    assert plan.created_by_id == staff.eng.id
    (event,) = plan_events(db_session)
    assert (event.action, event.object_id, event.actor_id) == (
        "plan.create",
        str(plan.id),
        staff.eng.id,
    )
    assert event.detail == {
        "survey": first_wave.id,
        "team": teams["Eng/Alpha"],
        "focus": ["voice_influence", "silencing"],
    }
    assert [p.id for p in plans_for_team(teams["Eng/Alpha"], first_wave.id)] == [plan.id]


def test_hr_and_admins_plan_for_any_team(
    db_session: Any, staff: Staff, first_wave: Survey, teams: dict[str, int]
) -> None:
    services.create_plan(staff.hr, first_wave.id, teams["Ops/North"], ["authenticity"])
    services.create_plan(staff.admin, first_wave.id, teams["Eng"], ["accountability"])
    db_session.commit()
    assert counts(db_session)["plans"] == 2


def test_a_team_outside_the_managers_scope_is_forbidden_and_nothing_is_stored(
    db_session: Any, staff: Staff, first_wave: Survey, teams: dict[str, int]
) -> None:
    before = counts(db_session)
    with pytest.raises(Forbidden):
        services.create_plan(staff.ops, first_wave.id, teams["Eng/Alpha"], ["authenticity"])
    with pytest.raises(Forbidden):  # the parent of their team is not theirs either
        services.create_plan(staff.owner, first_wave.id, teams["Eng"], ["authenticity"])
    db_session.rollback()
    assert counts(db_session) == before


@pytest.mark.parametrize(
    ("focus", "message"),
    [
        ([], "Choose at least one focus area."),
        (["  "], "Choose at least one focus area."),
        (
            ["authenticity", "silencing", "voice_influence", "disconnection"],
            "Choose at most 3 focus areas (4 chosen).",
        ),
        (["mutuality"], "'mutuality' is not a dimension of"),
        (["authenticity", "no_such_thing"], "'no_such_thing' is not a dimension of"),
    ],
)
def test_focus_areas_must_be_one_to_three_dimensions_of_the_version(
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
    focus: list[str],
    message: str,
) -> None:
    before = counts(db_session)
    with pytest.raises(PlanInputError) as refused:
        services.create_plan(staff.hr, first_wave.id, teams["Eng/Alpha"], focus)
    assert refused.value.field == "focus"
    assert message in refused.value.message
    if "not a dimension" in message:
        assert "version 1, the version this survey uses" in refused.value.message
    db_session.rollback()
    assert counts(db_session) == before


def test_duplicate_focus_areas_count_once(
    db_session: Any, staff: Staff, first_wave: Survey, teams: dict[str, int]
) -> None:
    plan = services.create_plan(
        staff.hr, first_wave.id, teams["Eng/Alpha"], ["silencing", "silencing", "authenticity"]
    )
    assert plan.focus_keys == ["silencing", "authenticity"]


def test_a_survey_without_a_release_or_a_team_outside_it_is_refused(
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
    bundled_version: InstrumentVersion,
    make_team: Any,
) -> None:
    draft = create_survey(instrument_key="relational-climate", title="Not yet")
    db_session.commit()
    before = counts(db_session)
    with pytest.raises(DomainError, match="has no release yet"):
        services.create_plan(staff.hr, draft.id, teams["Eng/Alpha"], ["authenticity"])
    elsewhere = make_team("Finance")
    with pytest.raises(NotFound, match="not part of the survey"):
        services.create_plan(staff.hr, first_wave.id, elsewhere.id, ["authenticity"])
    with pytest.raises(NotFound):
        services.create_plan(staff.hr, 999_999, teams["Eng/Alpha"], ["authenticity"])
    db_session.rollback()
    assert counts(db_session) == before


def test_changing_focus_areas_is_audited(
    db_session: Any, staff: Staff, first_wave: Survey, teams: dict[str, int]
) -> None:
    plan = services.create_plan(staff.eng, first_wave.id, teams["Eng/Beta"], ["silencing"])
    services.update_focus(staff.eng, plan, ["authenticity", "silencing"])
    db_session.commit()
    db_session.expire_all()
    assert plan.focus_keys == ["authenticity", "silencing"]
    event = plan_events(db_session)[-1]
    assert event.action == "plan.update"
    assert event.detail == {"before": ["silencing"], "after": ["authenticity", "silencing"]}
    with pytest.raises(PlanInputError):
        services.update_focus(staff.eng, plan, ["nonsense"])
    db_session.rollback()
    db_session.expire_all()
    assert plan.focus_keys == ["authenticity", "silencing"]
    with pytest.raises(Forbidden):
        services.update_focus(staff.ops, plan, ["voice_influence"])


def test_actions_are_added_edited_and_moved_with_audit_of_no_content(
    db_session: Any, staff: Staff, first_wave: Survey, teams: dict[str, int]
) -> None:
    plan = services.create_plan(staff.eng, first_wave.id, teams["Eng/Alpha"], ["silencing"])
    action = services.add_action(
        staff.eng,
        plan,
        text="  Rotate who chairs the weekly meeting  ",
        owner_id=staff.owner.id,
        due_on=DUE,
        notes="Start in May",
    )
    db_session.commit()
    assert (action.text, action.status, action.notes) == (
        "Rotate who chairs the weekly meeting",
        "planned",
        "Start in May",
    )
    services.update_action(
        staff.eng,
        action,
        text="Rotate who chairs every meeting",
        owner_id=staff.eng.id,
        due_on=dt.date(2027, 7, 1),
        status="in_progress",
        notes="Secret remark",
    )
    services.set_action_status(staff.owner, action, "done")
    db_session.commit()
    created, updated, moved = plan_events(db_session)[1:]
    assert created.action == "plan.action.create"
    assert created.detail == {
        "plan": plan.id,
        "owner": staff.owner.id,
        "due_on": "2027-06-01",
        "status": "planned",
    }
    assert updated.detail == {
        "plan": plan.id,
        "changed": ["text", "owner_id", "due_on", "status", "notes"],
        "owner_id": [staff.owner.id, staff.eng.id],
        "due_on": ["2027-06-01", "2027-07-01"],
        "status": ["planned", "in_progress"],
    }
    assert moved.detail == {"plan": plan.id, "status": ["in_progress", "done"]}
    for event in plan_events(db_session):
        assert "Rotate" not in str(event.detail) and "Secret" not in str(event.detail)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"text": "   "}, "text", "Say what the action is."),
        ({"text": "x" * 501}, "text", "at most 500 characters (501 given)"),
        ({"owner_id": None}, "owner", "Choose the staff member who owns the action."),
        ({"owner_id": 999_999}, "owner", "Choose the staff member who owns the action."),
        ({"due_on": None}, "due_on", "Give the date the action is due"),
        ({"status": "finished"}, "status", "planned, in progress, done, dropped"),
        ({"notes": "n" * 4001}, "notes", "at most 4000 characters"),
    ],
)
def test_bad_action_input_is_refused_on_its_field_and_nothing_is_stored(
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
    values: dict[str, Any],
    field: str,
    message: str,
) -> None:
    plan = services.create_plan(staff.eng, first_wave.id, teams["Eng/Alpha"], ["silencing"])
    db_session.commit()
    before = counts(db_session)
    arguments: dict[str, Any] = {"text": "Do it", "owner_id": staff.eng.id, "due_on": DUE}
    arguments.update(values)
    with pytest.raises(PlanInputError) as refused:
        services.add_action(staff.eng, plan, **arguments)
    assert refused.value.field == field
    assert message in refused.value.message
    db_session.rollback()
    assert counts(db_session) == before


def test_a_deactivated_owner_is_kept_but_never_newly_chosen(
    db_session: Any, staff: Staff, first_wave: Survey, teams: dict[str, int]
) -> None:
    plan = services.create_plan(staff.eng, first_wave.id, teams["Eng/Alpha"], ["silencing"])
    action = services.add_action(
        staff.eng, plan, text="Listen first", owner_id=staff.owner.id, due_on=DUE
    )
    db_session.commit()
    set_active(staff.owner.id, False)
    db_session.commit()
    # the action keeps its owner; editing other fields keeps them too
    services.update_action(
        staff.eng,
        action,
        text="Listen first, then decide",
        owner_id=staff.owner.id,
        due_on=DUE,
        status="planned",
        notes=None,
    )
    db_session.commit()
    assert action.owner.email == "owner@example.org" and not action.owner.is_active
    with pytest.raises(PlanInputError, match=r"owner@example\.org's account is deactivated"):
        services.add_action(staff.eng, plan, text="More", owner_id=staff.owner.id, due_on=DUE)
    db_session.rollback()
    other = services.add_action(staff.eng, plan, text="More", owner_id=staff.eng.id, due_on=DUE)
    with pytest.raises(PlanInputError, match="deactivated"):
        services.update_action(
            staff.eng,
            other,
            text="More",
            owner_id=staff.owner.id,
            due_on=DUE,
            status="planned",
            notes=None,
        )


def test_visible_plans_follow_the_readers_scope_and_filters(
    db_session: Any, staff: Staff, first_wave: Survey, teams: dict[str, int]
) -> None:
    alpha = services.create_plan(staff.eng, first_wave.id, teams["Eng/Alpha"], ["silencing"])
    north = services.create_plan(staff.ops, first_wave.id, teams["Ops/North"], ["silencing"])
    services.add_action(staff.ops, north, text="Go", owner_id=staff.ops.id, due_on=DUE)
    db_session.commit()
    assert {p.id for p in visible_plans(staff.hr)} == {alpha.id, north.id}
    assert {p.id for p in visible_plans(staff.eng)} == {alpha.id}
    assert {p.id for p in visible_plans(staff.ops)} == {north.id}
    assert {p.id for p in visible_plans(staff.owner)} == {alpha.id}
    assert [p.id for p in visible_plans(staff.hr, status="planned")] == [north.id]
    assert [p.id for p in visible_plans(staff.hr, team_id=teams["Eng/Alpha"])] == [alpha.id]
    assert visible_plans(staff.hr, survey_id=first_wave.id + 1000) == []


def test_an_owner_must_be_able_to_read_the_plan(
    db_session: Any, staff: Staff, first_wave: Survey, teams: dict[str, int]
) -> None:
    plan = services.create_plan(staff.hr, first_wave.id, teams["Eng/Beta"], ["silencing"])
    db_session.commit()
    before = counts(db_session)
    for outsider in (staff.ops, staff.owner):  # another subtree; a sibling team's manager
        with pytest.raises(PlanInputError, match="cannot read the plans of Eng/Beta"):
            services.add_action(staff.hr, plan, text="Go", owner_id=outsider.id, due_on=DUE)
        db_session.rollback()
    assert counts(db_session) == before
    for insider in (staff.eng, staff.hr, staff.admin):
        services.add_action(staff.hr, plan, text="Go", owner_id=insider.id, due_on=DUE)
    assert [u.email for u in owner_choices(plan.team)] == [
        "admin@example.org",
        "eng@example.org",
        "hr@example.org",
    ]
