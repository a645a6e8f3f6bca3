"""The plan pages: creating from a team view's link, bad input on each form (a clear
message, nothing stored), scope (403 for a manager of another subtree on view, edit and
export), an inactive owner shown as such, and the exports' content."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.auth.services import set_active
from app.plans import services
from app.plans.models import ActionPlan, PlanAction
from app.surveys.models import Survey
from tests.conftest import AuthActions, csrf_token_from
from tests.plans.conftest import Staff, counts, plan_events
from tests.reports.test_exports import _workbook

DUE = dt.date(2027, 6, 1)


def _token(client: FlaskClient, url: str) -> str:
    return csrf_token_from(client.get(url).get_data(as_text=True))


def _plan(staff: Staff, survey: Survey, team: int, db_session: Any) -> ActionPlan:
    plan = services.create_plan(staff.hr, survey.id, team, ["silencing", "voice_influence"])
    services.add_action(
        staff.hr, plan, text='=HYPERLINK("http://x")', owner_id=staff.owner.id, due_on=DUE
    )
    db_session.commit()
    return plan


def test_a_manager_creates_a_plan_from_the_team_views_link(
    client: FlaskClient,
    auth: AuthActions,
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
) -> None:
    auth.login("eng@example.org")
    url = f"/plans/new?survey={first_wave.id}&team={teams['Eng/Alpha']}"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Create a plan for Eng/Alpha" in html and "Voice and influence" in html
    response = client.post(
        url,
        data={"csrf_token": csrf_token_from(html), "focus": ["silencing", "voice_influence"]},
    )
    assert response.status_code == 302
    plan = db_session.query(ActionPlan).one()
    assert response.headers["Location"].endswith(f"/plans/{plan.id}")
    assert plan.focus_keys == ["silencing", "voice_influence"]
    shown = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Plan for Eng/Alpha" in shown and "Not yet" in shown


def test_bad_focus_areas_give_a_clear_error_and_store_nothing(
    client: FlaskClient,
    auth: AuthActions,
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
) -> None:
    auth.login("hr@example.org")
    url = f"/plans/new?survey={first_wave.id}&team={teams['Eng/Alpha']}"
    token = _token(client, url)
    before = counts(db_session)
    for focus, message in [
        (["made_up"], "&#39;made_up&#39; is not a dimension of"),
        ([], "Choose at least one focus area."),
        (["silencing", "authenticity", "accountability", "disconnection"], "at most 3"),
    ]:
        response = client.post(url, data={"csrf_token": token, "focus": focus})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert counts(db_session) == before


def test_a_team_outside_the_managers_scope_is_403_and_nothing_is_stored(
    client: FlaskClient,
    auth: AuthActions,
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
) -> None:
    auth.login("ops@example.org")
    token = _token(client, "/plans/")
    before = counts(db_session)
    url = f"/plans/new?survey={first_wave.id}&team={teams['Eng/Alpha']}"
    assert client.get(url).status_code == 403
    response = client.post(url, data={"csrf_token": token, "focus": ["silencing"]})
    assert response.status_code == 403
    assert counts(db_session) == before


def test_a_manager_of_another_subtree_gets_403_on_view_edit_and_export(
    client: FlaskClient,
    auth: AuthActions,
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
) -> None:
    plan = _plan(staff, first_wave, teams["Eng/Alpha"], db_session)
    action = plan.actions[0]
    auth.login("ops@example.org")
    token = _token(client, "/plans/")
    before = counts(db_session)
    assert client.get(f"/plans/{plan.id}").status_code == 403
    assert client.get(f"/plans/{plan.id}/edit").status_code == 403
    assert client.get(f"/plans/{plan.id}/actions/{action.id}").status_code == 403
    posts: list[tuple[str, dict[str, object]]] = [
        (f"/plans/{plan.id}/edit", {"focus": ["authenticity"]}),
        (f"/plans/{plan.id}/actions", {"text": "x", "owner": staff.ops.id, "due_on": "2027-01-01"}),
        (
            f"/plans/{plan.id}/actions/{action.id}",
            {"text": "x", "owner": staff.ops.id, "due_on": "2027-01-01", "status": "done"},
        ),
        (f"/plans/{plan.id}/actions/{action.id}/status", {f"a{action.id}-status": "done"}),
    ]
    for url, data in posts:
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 403, url
    for fmt in ("csv", "xlsx"):
        assert client.get(f"/plans/export.{fmt}?team={teams['Eng/Alpha']}").status_code == 403
    assert client.get(f"/plans/?team={teams['Eng/Alpha']}").status_code == 403
    # the unfiltered list and export leave the plan out
    assert "Eng/Alpha" not in client.get("/plans/").get_data(as_text=True)
    body = client.get("/plans/export.csv").get_data(as_text=True)
    assert "Eng/Alpha" not in body and "HYPERLINK" not in body
    after = counts(db_session)
    assert {k: after[k] for k in ("plans", "focus", "actions")} == {
        k: before[k] for k in ("plans", "focus", "actions")
    }
    assert client.get("/plans/999999").status_code == 404


def test_actions_are_added_edited_and_moved_through_the_pages(
    client: FlaskClient,
    auth: AuthActions,
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
) -> None:
    plan = services.create_plan(staff.eng, first_wave.id, teams["Eng/Alpha"], ["silencing"])
    db_session.commit()
    auth.login("eng@example.org")
    token = _token(client, f"/plans/{plan.id}")
    url = f"/plans/{plan.id}/actions"
    base = {
        "csrf_token": token,
        "text": "Ask before deciding",
        "owner": str(staff.owner.id),
        "due_on": "2027-05-01",
        "status": "planned",
        "notes": "",
    }
    before = counts(db_session)
    for bad, message in [
        ({"text": ""}, "Say what the action is."),
        ({"owner": ""}, "Choose the staff member who owns the action."),
        ({"owner": "abc"}, "Choose the staff member who owns the action."),
        ({"due_on": "31/02/2027"}, "Not a valid date value."),
        ({"due_on": ""}, "Give the date the action is due"),
        ({"status": "finished"}, "The status must be one of"),
    ]:
        response = client.post(url, data={**base, **bad})
        assert response.status_code == 400, bad
        assert message in response.get_data(as_text=True), bad
    assert counts(db_session) == before
    assert client.post(url, data=base).status_code == 302
    db_session.expire_all()
    action = db_session.get(ActionPlan, plan.id).actions[0]
    assert (action.text, action.owner_id, action.due_on) == (
        "Ask before deciding",
        staff.owner.id,
        dt.date(2027, 5, 1),
    )
    edit = f"/plans/{plan.id}/actions/{action.id}"
    assert "Ask before deciding" in client.get(edit).get_data(as_text=True)
    response = client.post(edit, data={**base, "status": "in_progress", "notes": "Weekly"})
    assert response.status_code == 302
    response = client.post(
        f"{edit}/status", data={"csrf_token": token, f"a{action.id}-status": "done"}
    )
    assert response.status_code == 302
    db_session.expire_all()
    action = db_session.get(PlanAction, action.id)
    assert (action.status, action.notes) == ("done", "Weekly")
    assert [e.action for e in plan_events(db_session)] == [
        "plan.create",
        "plan.action.create",
        "plan.action.update",
        "plan.action.status",
    ]
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Done" in page and "Weekly" in page


def test_an_inactive_owner_is_shown_as_inactive(
    client: FlaskClient,
    auth: AuthActions,
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
) -> None:
    plan = _plan(staff, first_wave, teams["Eng/Alpha"], db_session)
    set_active(staff.owner.id, False)
    db_session.commit()
    auth.login("hr@example.org")
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "owner@example.org <strong>(inactive)</strong>" in page
    edit = client.get(f"/plans/{plan.id}/actions/{plan.actions[0].id}").get_data(as_text=True)
    assert "owner@example.org (inactive)" in edit and "is <strong>inactive</strong>" in edit
    rows = list(csv.reader(io.StringIO(client.get("/plans/export.csv").get_data(as_text=True))))
    assert rows[1][6:8] == ["owner@example.org", "no"]


def test_exports_hold_the_visible_plans_and_no_formula(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
) -> None:
    alpha = _plan(staff, first_wave, teams["Eng/Alpha"], db_session)
    north = services.create_plan(staff.hr, first_wave.id, teams["Ops/North"], ["authenticity"])
    db_session.commit()
    auth.login("eng@example.org")
    response = client.get("/plans/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="mutuality-plans-'
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == [
        "plan",
        "survey",
        "team",
        "focus areas",
        "created on",
        "action",
        "owner",
        "owner active",
        "due on",
        "status",
        "notes",
    ]
    assert rows[1][:4] == [
        str(alpha.id),
        "Wave one",
        "Eng/Alpha",
        "Silencing; Voice and influence",
    ]
    assert rows[1][5] == '\'=HYPERLINK("http://x")'
    assert rows[1][8:10] == ["2027-06-01", "Planned"]
    assert all(row[:1] != [str(north.id)] for row in rows)
    workbook = _workbook(client.get("/plans/export.xlsx").get_data())
    _, cells = workbook["Action plans"]
    text = cells[1][5]
    assert text is not None and text.kind in ("s", "inlineStr") and not text.formula
    assert text.value == '=HYPERLINK("http://x")'
    assert cells[1][0] is not None and cells[1][0].kind == "n"
    assert "Legend" in workbook
    events = [e for e in plan_events(db_session) if e.action == "plan.export"]
    assert [e.detail["format"] for e in events] == ["csv", "xlsx"]
    client = app.test_client()
    AuthActions(client).login("hr@example.org")
    every = client.get("/plans/export.csv").get_data(as_text=True)
    assert "Ops/North" in every
    assert "Ops/North" not in client.get(f"/plans/export.csv?team={teams['Eng/Alpha']}").get_data(
        as_text=True
    )
    assert client.get("/plans/export.pdf").status_code == 404


def test_the_list_filters_and_the_start_page(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
) -> None:
    _plan(staff, first_wave, teams["Eng/Alpha"], db_session)
    auth.login("hr@example.org")
    html = client.get("/plans/").get_data(as_text=True)
    assert "Eng/Alpha" in html and "Wave one" in html
    assert "No plans match" in client.get("/plans/?status=done").get_data(as_text=True)
    assert "Eng/Alpha" in client.get("/plans/?status=planned&survey=x").get_data(as_text=True)
    start = client.get("/plans/new").get_data(as_text=True)
    assert "Wave one" in start and "Eng/Alpha" in start
    client = app.test_client()
    AuthActions(client).login("ops@example.org")
    start = client.get("/plans/new").get_data(as_text=True)
    assert "Ops/North" in start and "Eng/Alpha" not in start
