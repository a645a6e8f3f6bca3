"""Every route of the app against every kind of visitor.

The matrix is checked against app.url_map: a new route without an entry here fails
`test_every_route_has_an_entry`, so nobody adds a page without deciding who may see it.

Expectations: "ok" (the request reaches the view: any status but a redirect to the login
page, 403 or 5xx), "login" (redirected to the login page), "forbidden" (403).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.auth.models import Role
from app.db import Session
from app.plans.models import ActionPlan, PlanAction, PlanFocus
from app.reports.assets import plotly_version
from tests.conftest import TEST_PASSWORD, AuthActions, OpenSurvey, csrf_token_from
from tests.test_health import stamp_migrations

ROLES = ("anonymous", "employee", "manager_a", "manager_b", "hr", "admin")
PUBLIC = dict.fromkeys(ROLES, "ok")
STAFF = {"anonymous": "login", "employee": "login"} | dict.fromkeys(ROLES[2:], "ok")
HR = STAFF | {"manager_a": "forbidden", "manager_b": "forbidden"}
ADMIN = HR | {"hr": "forbidden"}
TEAM_A = STAFF | {"manager_b": "forbidden"}
MANAGERS = STAFF | {"hr": "forbidden", "admin": "forbidden"}
GUEST_ONLY = PUBLIC  # the login page: signed-in staff are redirected home, still "ok"

# (endpoint, method) -> expectations per role
MATRIX: dict[tuple[str, str], dict[str, str]] = {
    ("static", "GET"): PUBLIC,
    ("health.healthz", "GET"): PUBLIC,
    ("assets.plotly_js", "GET"): PUBLIC,
    ("assets.plotly_css", "GET"): PUBLIC,
    ("auth.login", "GET"): GUEST_ONLY,
    ("auth.login", "POST"): GUEST_ONLY,
    ("auth.logout", "POST"): STAFF,
    ("auth.change_password", "GET"): STAFF,
    ("auth.change_password", "POST"): STAFF,
    ("auth.account", "GET"): STAFF,
    ("auth.set_language", "POST"): STAFF,
    ("auth.forgot_password", "GET"): PUBLIC,
    ("auth.forgot_password", "POST"): PUBLIC,
    ("auth.set_password", "GET"): PUBLIC,  # the link is the credential
    ("auth.set_password", "POST"): PUBLIC,
    ("auth.sso_start", "GET"): PUBLIC,
    ("auth.sso_callback", "GET"): PUBLIC,
    ("main.index", "GET"): STAFF,
    ("taking.take_survey", "GET"): PUBLIC,
    ("taking.take_survey", "POST"): PUBLIC,
    ("taking.thanks", "GET"): PUBLIC,
    ("reports.index", "GET"): STAFF,
    ("reports.overview", "GET"): STAFF,
    ("reports.heatmap", "GET"): STAFF,
    ("reports.drivers", "GET"): STAFF,
    ("reports.items", "GET"): STAFF,
    ("reports.standpoint", "GET"): STAFF,
    ("reports.trends", "GET"): STAFF,
    ("reports.reliability", "GET"): STAFF,
    ("reports.item-report", "GET"): STAFF,
    ("reports.comments", "GET"): STAFF,
    ("reports.export", "GET"): STAFF,
    ("reports.team", "GET"): TEAM_A,
    ("reports.pick_team", "GET"): STAFF,  # a redirect to reports.team, which checks the team
    ("reports.my_team", "GET"): MANAGERS,
    ("reports.response_rates", "GET"): HR,
    ("reports.releases", "GET"): STAFF,
    ("reports.publish", "POST"): ADMIN,
    ("results.staff_summary", "GET"): HR,
    ("results.publish", "POST"): HR,
    ("results.new_link", "POST"): HR,
    ("results.own_results", "GET"): PUBLIC,
    ("results.shared_results", "GET"): PUBLIC,
    ("plans.index", "GET"): STAFF,
    ("plans.export", "GET"): STAFF,
    ("plans.create", "GET"): STAFF,  # without ?survey&team: the step that chooses them
    ("plans.create", "POST"): STAFF,
    ("plans.show", "GET"): TEAM_A,  # a plan of team A
    ("plans.edit", "GET"): TEAM_A,
    ("plans.edit", "POST"): TEAM_A,
    ("plans.add_action", "POST"): TEAM_A,
    ("plans.edit_action", "GET"): TEAM_A,
    ("plans.edit_action", "POST"): TEAM_A,
    ("plans.set_status", "POST"): TEAM_A,
    ("admin_instruments.index", "GET"): ADMIN,
    ("admin_instruments.versions", "GET"): ADMIN,
    ("admin_instruments.version", "GET"): ADMIN,
    ("admin_instruments.export", "GET"): ADMIN,
    ("admin_instruments.diff", "GET"): ADMIN,
    ("admin_instruments.edit", "GET"): ADMIN,
    ("admin_instruments.edit", "POST"): ADMIN,
    ("admin_instruments.new", "GET"): ADMIN,
    ("admin_instruments.new", "POST"): ADMIN,
    ("admin_instruments.preview", "GET"): ADMIN,
    ("admin_instruments.preview", "POST"): ADMIN,
    ("admin_instruments.preview_draft", "POST"): ADMIN,
    ("admin_instruments.validate", "POST"): ADMIN,
    ("admin_surveys.index", "GET"): ADMIN,
    ("admin_surveys.create", "GET"): ADMIN,
    ("admin_surveys.create", "POST"): ADMIN,
    ("admin_surveys.show", "GET"): ADMIN,
    ("admin_surveys.edit", "GET"): ADMIN,
    ("admin_surveys.edit", "POST"): ADMIN,
    ("admin_surveys.open", "POST"): ADMIN,
    ("admin_surveys.close", "POST"): ADMIN,
    ("admin_surveys.archive", "POST"): ADMIN,
    ("admin_surveys.upload_participants", "POST"): ADMIN,
    ("admin_surveys.download_links", "POST"): ADMIN,
    ("admin_surveys.queue_email", "POST"): ADMIN,
    ("admin_surveys.new_link", "POST"): ADMIN,
    ("admin_surveys.pilot", "POST"): ADMIN,
    ("admin_email.preview", "GET"): ADMIN,
    ("admin_email.test_send", "POST"): ADMIN,
    ("admin_email.confirm", "GET"): ADMIN,
    ("admin_participants.index", "GET"): ADMIN,
    ("admin_participants.add", "POST"): ADMIN,
    ("admin_participants.remove", "POST"): ADMIN,
    ("admin_settings.organisation", "GET"): ADMIN,
    ("admin_settings.organisation", "POST"): ADMIN,
    ("admin_survey_deletion.delete", "GET"): ADMIN,
    ("admin_survey_deletion.delete", "POST"): ADMIN,
    ("admin_users.index", "GET"): ADMIN,
    ("admin_users.create", "GET"): ADMIN,
    ("admin_users.create", "POST"): ADMIN,
    ("admin_users.edit", "GET"): ADMIN,
    ("admin_users.edit", "POST"): ADMIN,
    ("admin_users.reset_password", "GET"): ADMIN,
    ("admin_users.reset_password", "POST"): ADMIN,
    ("admin_users.deactivate", "POST"): ADMIN,
    ("admin_users.reactivate", "POST"): ADMIN,
    ("admin_users.lift_sign_in_pause", "POST"): ADMIN,
    ("admin_users.resend_invitation", "POST"): ADMIN,
    ("admin_users.unlink_single_sign_on", "POST"): ADMIN,
    ("admin_audit.index", "GET"): ADMIN,
    ("admin_schedule.show", "GET"): ADMIN,
    ("admin_schedule.save", "POST"): ADMIN,
    ("admin_schedule.add_release", "POST"): ADMIN,
    ("admin_schedule.cancel_release", "POST"): ADMIN,
    ("admin_worker.index", "GET"): ADMIN,
}


def _routes(app: Flask) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if not rule.endpoint.startswith("probe.")  # test-only views (tests/probe_views.py)
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }


def test_every_route_has_an_entry(app: Flask) -> None:
    routes = _routes(app)
    missing = sorted(routes - set(MATRIX))
    assert not missing, f"add these routes to the authorization matrix: {missing}"
    assert not sorted(set(MATRIX) - routes), "the matrix lists routes that no longer exist"


@dataclass
class World:
    survey: OpenSurvey
    values: dict[str, object]


@pytest.fixture
def world(open_survey: OpenSurvey, make_user: Any, make_team: Any) -> World:
    stamp_migrations(Session.connection())  # /healthz answers 200 only at the head
    make_user("manager-a@example.org", Role.MANAGER, ["Engineering"])
    make_user("manager-b@example.org", Role.MANAGER, ["Sales"])
    make_user("hr@example.org", Role.HR)
    admin = make_user("admin@example.org", Role.ADMIN)
    team_a = make_team("Engineering/Platform")
    # A plan of team A, stored as is (its survey has no release to make one through the
    # service): the plan pages' rules need one to read.
    plan = ActionPlan(survey_id=open_survey.survey.id, team_id=team_a.id)
    plan.focus_areas = [PlanFocus(dimension_key="silencing", position=1)]
    plan.actions = [PlanAction(text="Listen", owner_id=admin.id, due_on=dt.date(2030, 1, 1))]
    Session.add(plan)
    Session.commit()
    values: dict[str, object] = {
        "survey_id": open_survey.survey.id,
        "team_id": team_a.id,
        "token": open_survey.token("ana@example.org"),
        "key": "relational-climate",
        "number": 1,
        "fmt": "csv",
        "tab": "heatmap",  # a report page's export
        "filename": "css/app.css",
        "version": plotly_version(),
        "user_id": admin.id,
        "kind": "invitations",
        "invitation_id": 1,
        "plan_id": plan.id,
        "action_id": plan.actions[0].id,
        "scheduled_id": 1,
    }
    return World(open_survey, values)


def _client_for(app: Flask, role: str, world: World) -> FlaskClient:
    client = app.test_client()
    if role == "employee":
        client.get(f"/s/{world.survey.token('ben@example.org')}")
    elif role != "anonymous":
        email = {
            "manager_a": "manager-a@example.org",
            "manager_b": "manager-b@example.org",
            "hr": "hr@example.org",
            "admin": "admin@example.org",
        }[role]
        assert AuthActions(client).login(email, TEST_PASSWORD).status_code == 302
    return client


def _outcome(response: Any) -> str:
    if response.status_code >= 500:
        return f"error {response.status_code}"
    if response.status_code == 403:
        return "forbidden"
    location = response.location or ""
    if response.status_code in (301, 302) and "/login?next=" in location:
        return "login"  # sent to sign in first (a signed-out user's own logout ends on /login)
    return "ok"


@pytest.mark.parametrize("role", ROLES)
def test_matrix(app: Flask, db_session: Any, world: World, role: str) -> None:
    client = _client_for(app, role, world)
    # A page with a form for every role (a manager's "/" redirects to their team's view).
    page = client.get("/login" if role in ("anonymous", "employee") else "/account/password")
    token = csrf_token_from(page.get_data(as_text=True)) if page.status_code == 200 else None
    failures = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.startswith("probe."):
            continue
        url = rule.build({a: world.values[a] for a in rule.arguments}, append_unknown=False)
        assert url is not None
        path = url[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if (rule.endpoint, method) == ("auth.logout", "POST"):
                continue  # checked last: it ends the session
            expected = MATRIX[(rule.endpoint, method)][role]
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, data={"csrf_token": token or ""})
            got = _outcome(response)
            response.close()
            if got != expected:
                failures.append(f"{method} {path}: expected {expected}, got {got}")
    logout = client.post("/logout", data={"csrf_token": token or ""})
    if _outcome(logout) != MATRIX[("auth.logout", "POST")][role]:
        failures.append(f"POST /logout: got {_outcome(logout)}")
    assert not failures, "\n".join(failures)


def test_every_state_changing_route_needs_a_csrf_token(
    app: Flask, db_session: Any, world: World
) -> None:
    client = _client_for(app, "admin", world)
    refused = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("probe.") or "POST" not in (rule.methods or set()):
            continue
        url = rule.build({a: world.values[a] for a in rule.arguments}, append_unknown=False)
        assert url is not None
        response = client.post(url[1], data={"lang": "en"})  # a field every form accepts
        text = response.get_data(as_text=True)
        response.close()
        if response.status_code != 400 or "CSRF" not in text:
            refused.append(f"POST {url[1]}: {response.status_code}")
    assert not refused, "accepted without a CSRF token:\n" + "\n".join(refused)
