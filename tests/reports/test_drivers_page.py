"""The "Where to start" page: the priority map of the key drivers per group, the team
filter's department, the reasons there is no map, and its export."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.models import Role
from app.db import Session
from app.org.models import Team
from app.reports.models import Release
from app.reports.queries import snapshot_of
from app.reports.snapshot_format import encode
from app.surveys.models import Survey
from tests.conftest import AuthActions
from tests.reports.answering import release
from tests.reports.test_drivers_release import PEOPLE, answer_varied
from tests.reports.test_drivers_release import survey as survey  # the fixture


def _team(path: str) -> int:
    return Session.scalars(select(Team.id).where(Team.path == path)).one()


def _charts(html: str) -> list[dict[str, Any]]:
    blocks = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def published(survey: Survey, auth: AuthActions, make_user: Any) -> Survey:
    answer_varied(survey, PEOPLE)
    release(survey)
    make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    return survey


def test_the_page_draws_the_organisation_s_priority_map_with_its_caption(
    client: FlaskClient, published: Survey
) -> None:
    page = client.get(f"/reports/surveys/{published.id}/drivers")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = _text(html)
    assert "association in one wave, not cause" in text
    assert "at least 100 complete responses" in text
    assert "1000 resamples" in text
    (chart,) = _charts(html)
    layout = chart["layout"]
    assert "Where to start in the whole organisation" in layout["title"]["text"]
    assert any("Start here" in a["text"] for a in layout["annotations"])
    (trace,) = chart["data"]
    assert len(trace["x"]) == 10 and trace["error_x"]["array"]
    # the scores are oriented: every one lies on the scale, power-over turned round
    assert all(1.0 <= y <= 5.0 for y in trace["y"])
    assert "202 complete responses" in text
    # the tab sits after the heatmap
    tabs = re.findall(r'<nav class="tabs".*?</nav>', html, re.S)[0]
    assert tabs.index("Heatmap") < tabs.index("Where to start") < tabs.index("Items")


def test_a_team_below_a_department_shows_its_department_and_says_so(
    client: FlaskClient, published: Survey
) -> None:
    platform = _team("Engineering/Platform")
    html = client.get(f"/reports/surveys/{published.id}/drivers?team={platform}").get_data(
        as_text=True
    )
    assert "shows the drivers of its department, Engineering" in _text(html)
    (chart,) = _charts(html)
    assert "Where to start in Engineering" in chart["layout"]["title"]["text"]
    department = client.get(f"/reports/surveys/{published.id}/drivers?team={_team('Engineering')}")
    assert "shows the drivers of its department" not in _text(department.get_data(as_text=True))


def test_a_department_under_the_minimum_says_so_without_a_map(
    client: FlaskClient, published: Survey
) -> None:
    html = client.get(f"/reports/surveys/{published.id}/drivers?team={_team('Sales/East')}")
    text = _text(html.get_data(as_text=True))
    assert "not computed for Sales: it has fewer than 100 complete responses" in text
    assert "There is no priority map to show for this view." in text
    assert not _charts(html.get_data(as_text=True))
    solo = client.get(f"/reports/surveys/{published.id}/drivers?team={_team('Solo')}")
    assert "Solo is in no department" in _text(solo.get_data(as_text=True))


def test_the_level_filter_is_said_not_to_apply(client: FlaskClient, published: Survey) -> None:
    level = published.levels[0].id
    html = client.get(f"/reports/surveys/{published.id}/drivers?level={level}")
    assert "key drivers use every level" in _text(html.get_data(as_text=True))


def test_a_release_without_drivers_says_they_were_not_computed(
    client: FlaskClient, published: Survey
) -> None:
    first = Session.scalars(select(Release).where(Release.survey_id == published.id)).one()
    older = replace(snapshot_of(first), key_drivers=None, stored_drivers=None, _memo={})
    blob = encode(older)
    Session.add(
        Release(
            survey_id=published.id,
            number=2,
            created_on=first.created_on,
            final=False,
            responded=first.responded,
            invited=first.invited,
            digest="0" * 63 + "2",
            snapshot=blob,
        )
    )
    Session.commit()
    html = client.get(f"/reports/surveys/{published.id}/drivers").get_data(as_text=True)
    assert "Key drivers were not computed for this release" in _text(html)
    assert not _charts(html)
    rows = _export(client, f"/reports/surveys/{published.id}/drivers/export.csv")
    assert rows[0]["note"].startswith("Key drivers were not computed for this release")


def _export(client: FlaskClient, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    end = lines.index([])
    return [dict(zip(lines[0], line, strict=True)) for line in lines[1:end]]


def test_the_export_holds_the_map_s_numbers(client: FlaskClient, published: Survey) -> None:
    rows = _export(client, f"/reports/surveys/{published.id}/drivers/export.csv")
    assert len(rows) == 10
    assert {row["group"] for row in rows} == {"the whole organisation"}
    shares = [float(row["share_pct"]) for row in rows]
    assert shares == sorted(shares, reverse=True)
    assert sum(shares) == pytest.approx(100.0, abs=0.1)
    for row in rows:
        assert (
            float(row["share_lower_pct"])
            <= float(row["share_pct"])
            <= float(row["share_upper_pct"])
        )
        assert row["complete_responses"] == "202"
    (chart,) = _charts(
        client.get(f"/reports/surveys/{published.id}/drivers").get_data(as_text=True)
    )
    assert sorted(round(x, 1) for x in chart["data"][0]["x"]) == sorted(round(s, 1) for s in shares)
    xlsx = client.get(f"/reports/surveys/{published.id}/drivers/export.xlsx")
    assert xlsx.status_code == 200


def test_a_manager_below_a_department_reads_the_organisation_s(
    client: FlaskClient, survey: Survey, auth: AuthActions, make_user: Any
) -> None:
    answer_varied(survey, PEOPLE)
    release(survey)
    make_user("lead@example.org", Role.MANAGER, ["Engineering/Platform"])
    auth.login("lead@example.org")
    platform = _team("Engineering/Platform")
    html = client.get(f"/reports/surveys/{survey.id}/drivers?team={platform}").get_data(
        as_text=True
    )
    assert "outside the teams you may read" in _text(html)
    (chart,) = _charts(html)
    assert "the whole organisation" in chart["layout"]["title"]["text"]
