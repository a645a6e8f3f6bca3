"""The team view: where a manager lands, what it shows of their team, and the stated rule
for strengths and focus areas, against the release's own verdicts."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from app.auth.models import Role
from app.db import Session
from app.instruments.models import InstrumentVersion
from app.instruments.queries import document_of
from app.plans.services import create_plan
from app.reports.drivers import ReleaseDrivers
from app.reports.pages import Change
from app.reports.privacy import Disclosed
from app.reports.publication import Comparison, Measure
from app.reports.queries import latest_release, snapshot_of
from app.reports.snapshot import Snapshot
from app.reports.stats.drivers import DriverWeight, KeyDrivers
from app.reports.stats.summaries import MeanCI
from app.reports.team_view import (
    ScoreRow,
    describe_change,
    describe_difference,
    strengths_and_focus,
)
from tests.conftest import AuthActions
from tests.reports import test_change
from tests.reports.test_change import Waves

# The two waves of the change tests, and HR signed in.
waves = test_change.waves
hr = test_change.hr


def row(
    key: str,
    difference: float,
    *,
    flagged: bool,
    desirable: str = "high",
    g: float = 0.5,
    importance: float | None = None,
) -> ScoreRow:
    comparison = Comparison(
        1,
        key,
        difference,
        difference - 0.1,
        difference + 0.1,
        0.01,
        g,
        g - 0.2,
        g + 0.2,
        0.02,
        flagged,
    )
    mean = MeanCI(10, 3.0, 0.5, 0.1, 9, 2.8, 3.2, 0.95)
    measure = Measure(key, Disclosed.visible(10, 5), summary=object(), mean=mean)  # type: ignore[arg-type]
    return ScoreRow(key, key.title(), "f", desirable, measure, comparison, None, importance)


def test_only_reliable_differences_are_strengths_or_focus_areas() -> None:
    rows = [
        row("up", 0.4, flagged=True),
        row("down", -0.4, flagged=True),
        row("unsure", 0.9, flagged=False, g=2.0),
        # power-over: lower is better, so a team below the rest has a strength
        row("control", -0.3, flagged=True, desirable="low"),
        row("silence", 0.3, flagged=True, desirable="low"),
    ]
    strengths, focus = strengths_and_focus(rows, by_importance=False)
    assert {r.key for r in strengths} == {"up", "control"}
    assert {r.key for r in focus} == {"down", "silence"}


def test_the_lists_follow_the_key_drivers_then_the_size_and_stop_at_three() -> None:
    rows = [
        row("a", 0.2, flagged=True, g=0.3, importance=0.05),
        row("b", 0.2, flagged=True, g=0.9, importance=0.02),
        row("c", 0.2, flagged=True, g=0.1, importance=0.30),
        row("d", 0.2, flagged=True, g=0.5, importance=0.10),
    ]
    strengths, _ = strengths_and_focus(rows, by_importance=True)
    assert [r.key for r in strengths] == ["c", "d", "a"]
    strengths, _ = strengths_and_focus(rows, by_importance=False)
    assert [r.key for r in strengths] == ["b", "d", "a"]


def test_plain_words_say_whether_a_difference_or_change_holds() -> None:
    assert "holds after correction, more favourable" in describe_difference(
        row("up", 0.4, flagged=True)
    )
    assert "less favourable" in describe_difference(row("po", 0.4, flagged=True, desirable="low"))
    assert "chance could give" in describe_difference(row("x", 0.4, flagged=False))
    assert describe_change(Change("Spring", 0.2, -0.1, 0.5)) == (
        "Up 0.20 since Spring (95% interval \u22120.10 to +0.50): "
        "not distinguishable from no change."
    )
    assert describe_change(Change("Spring", -0.3, -0.5, -0.1)).startswith("Down 0.30 since")
    assert describe_change(Change(note="no earlier wave")) == "No change shown: no earlier wave."


def _listed(html: str, heading: str) -> list[str]:
    found = re.search(rf"<h3>{heading}</h3>\s*<ul[^>]*>(.*?)</ul>", html, re.S)
    return re.findall(r"<strong>(.*?)</strong>", found.group(1)) if found else []


def test_the_team_view_lists_what_the_release_verdicts_say(
    client: FlaskClient,
    hr: Any,
    waves: Waves,
    bundled_version: InstrumentVersion,
) -> None:
    alpha = waves.teams["Eng/Alpha"]
    html = client.get(f"/reports/surveys/{waves.second.id}/teams/{alpha}").get_data(as_text=True)
    release = latest_release(waves.second.id)
    assert release is not None
    publication = snapshot_of(release).publication()
    comparisons = publication.comparisons(None)
    document = document_of(bundled_version)
    low = {f.key for f in document.families if f.desirable == "low"}
    expected_strengths, expected_focus = [], []
    for dimension in document.dimensions:
        found = comparisons.get((alpha, dimension.key))
        if found is None or not found.flagged:
            continue
        better = (found.difference > 0) != (dimension.family in low)
        label = document.text(dimension.label, "en")
        (expected_strengths if better else expected_focus).append(label)
    assert expected_strengths or expected_focus, "the fixture should give Alpha clear differences"
    assert set(_listed(html, "Strengths")) <= set(expected_strengths)
    assert len(_listed(html, "Strengths")) == min(3, len(expected_strengths))
    assert set(_listed(html, "Focus areas")) <= set(expected_focus)
    assert len(_listed(html, "Focus areas")) == min(3, len(expected_focus))
    assert "How strengths and focus areas are chosen" in html
    # participation: Alpha's six people, all invited answered
    assert "<strong>6</strong> of 6 people invited answered (100%)" in html
    # every dimension's change since the first wave, with its interval
    assert html.count("since Wave one") >= 1
    assert "Create an action plan" in html


def test_a_manager_lands_on_their_team(
    client: FlaskClient, auth: AuthActions, make_user: Any, waves: Waves
) -> None:
    make_user("lead@example.org", Role.MANAGER, ["Eng/Beta"])
    auth.login("lead@example.org")
    home = client.get("/")
    assert home.status_code == 302 and home.location.endswith("/reports/my-team")
    landing = client.get("/reports/my-team")
    assert landing.status_code == 302
    assert landing.location.endswith(
        f"/reports/surveys/{waves.second.id}/teams/{waves.teams['Eng/Beta']}"
    )
    page = client.get(landing.location)
    assert page.status_code == 200 and "Eng/Beta" in page.get_data(as_text=True)
    # another team than theirs: refused
    other = client.get(f"/reports/surveys/{waves.second.id}/teams/{waves.teams['Eng/Alpha']}")
    assert other.status_code == 403


def test_a_manager_whose_team_has_no_release_is_told_so(
    client: FlaskClient, auth: AuthActions, make_user: Any, make_team: Any, waves: Waves
) -> None:
    make_team("Sales")
    make_user("sales@example.org", Role.MANAGER, ["Sales"])
    auth.login("sales@example.org")
    page = client.get("/reports/my-team")
    assert page.status_code == 200
    assert "No release covers a team you lead yet" in page.get_data(as_text=True)


def test_the_team_picker_goes_to_the_chosen_team(
    client: FlaskClient,
    hr: Any,
    waves: Waves,
) -> None:
    beta = waves.teams["Eng/Beta"]
    picked = client.get(f"/reports/surveys/{waves.second.id}/teams?team={beta}")
    assert picked.status_code == 302 and picked.location.endswith(f"/teams/{beta}")
    for bad in ("", "abc", "-1", "9" * 40):
        answer = client.get(f"/reports/surveys/{waves.second.id}/teams?team={bad}")
        assert answer.status_code in (302, 404)
        if answer.status_code == 302:  # a number no team has: the team view says 404
            assert client.get(answer.location).status_code == 404


def test_a_hidden_team_offers_its_shown_ancestor(
    client: FlaskClient,
    hr: Any,
    waves: Waves,
) -> None:
    north = waves.teams["Ops/North"]
    html = client.get(f"/reports/surveys/{waves.second.id}/teams/{north}").get_data(as_text=True)
    ops = waves.teams["Ops"]
    assert f'href="/reports/surveys/{waves.second.id}/teams/{ops}">Ops</a>' in html
    assert "Strengths" not in html and "Difference from the rest" not in html


def test_a_bound_that_rounds_to_zero_reads_without_a_sign() -> None:
    assert describe_change(Change("Spring", -0.27, -0.54, -0.001)) == (
        "Down 0.27 since Spring (95% interval \u22120.54 to 0.00)."
    )


def test_a_later_wave_points_to_the_plans_of_earlier_ones(
    client: FlaskClient, hr: Any, waves: Waves
) -> None:
    alpha = waves.teams["Eng/Alpha"]
    plan = create_plan(hr, waves.first.id, alpha, ["voice_influence"])
    Session.commit()
    later = client.get(f"/reports/surveys/{waves.second.id}/teams/{alpha}").get_data(as_text=True)
    assert "Plans from earlier waves: did they work?" in later
    assert f'href="/plans/{plan.id}">Plan {plan.id}</a> (Wave one): Voice and influence' in later
    # the plan's own wave lists it as this wave's plan, not as an earlier one
    same = client.get(f"/reports/surveys/{waves.first.id}/teams/{alpha}").get_data(as_text=True)
    assert f'href="/plans/{plan.id}">Plan {plan.id}</a>:' in same
    assert "Plans from earlier waves" not in same


def _drivers(document: Any, share: float) -> KeyDrivers:
    weights = {
        d.key: DriverWeight(0.01, 0.0, 0.02, share, share - 0.01, share + 0.01)
        for d in document.dimensions
        if d.family in ("mutuality", "power_over")
    }
    return KeyDrivers(200, 0.5, 0.4, 0.6, weights, 1000, 0.95)


def test_the_key_drivers_are_the_departments_only_for_who_may_see_it(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Any,
    waves: Waves,
    bundled_version: InstrumentVersion,
    monkeypatch: Any,
) -> None:
    document = document_of(bundled_version)
    eng = waves.teams["Eng"]
    found = ReleaseDrivers(
        "outcomes",
        tuple(_drivers(document, 0.1).weights),
        {None: _drivers(document, 0.07), eng: _drivers(document, 0.12)},
    )
    monkeypatch.setattr(Snapshot, "drivers", lambda self: found)
    alpha = f"/reports/surveys/{waves.second.id}/teams/{waves.teams['Eng/Alpha']}"
    make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    assert "relational outcomes in Eng (its share" in client.get(alpha).get_data(as_text=True)
    auth.logout()
    make_user("alpha@example.org", Role.MANAGER, ["Eng/Alpha"])
    auth.login("alpha@example.org")
    html = client.get(alpha).get_data(as_text=True)
    assert "relational outcomes in the whole organisation (its share" in html
    assert "<td>7%</td>" in html and "<td>12%</td>" not in html
