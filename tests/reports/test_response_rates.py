from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.instruments.models import InstrumentVersion
from app.surveys.services import create_survey, import_participants, open_survey
from tests.conftest import AuthActions
from tests.reports.answering import answer, release

# Platform: 7 invited, 6 answer; Data: 5 invited, 2 answer; Sales: 3 invited, 3 answer.
TEAMS = {"Engineering/Platform": (7, 6), "Engineering/Data": (5, 2), "Sales": (3, 3)}


@pytest.fixture
def rated_survey(db_session: Any, bundled_version: InstrumentVersion) -> int:
    survey = create_survey(instrument_key="relational-climate", title="Rates")
    lines = ["email,team,level"]
    for team, (invited, _) in TEAMS.items():
        slug = team.replace("/", "-").lower()
        lines += [f"{slug}{i}@example.org,{team},manager" for i in range(invited)]
    import_participants(survey.id, "\n".join(lines) + "\n")
    open_survey(survey.id)
    answered: dict[str, int] = {}
    for team, (_, count) in TEAMS.items():
        slug = team.replace("/", "-").lower()
        answered.update({f"{slug}{i}@example.org": 4 for i in range(count)})
    answer(survey, answered)
    release(survey)
    return survey.id


def _row(html: str, name: str) -> list[str]:
    match = re.search(rf"<th scope=\"row\"[^>]*>{re.escape(name)}</th>(.*?)</tr>", html, re.S)
    assert match, f"no row for {name}"
    return [
        re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<td>(.*?)</td>", match.group(1), re.S)
    ]


def test_hr_sees_rates_with_small_groups_hidden(
    client: FlaskClient, auth: AuthActions, make_user: Any, rated_survey: int, db_session: Any
) -> None:
    user = make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    page = client.get(f"/reports/surveys/{rated_survey}/response-rates")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _row(html, "Whole organisation") == ["15", "11", "73%"]
    assert _row(html, "Platform") == ["7", "6", "86%"]
    # Data (2) is below k; Sales (3) too; Engineering (8) would reveal Data by subtraction
    # from Platform, so it is withheld as well, and says so (no group is narrowed down by it).
    assert _row(html, "Data") == ["5", "fewer than 5", "–"]
    # The organisation minus Platform leaves Data and Sales (11 - 6 = 5); with Data "fewer
    # than 5", "fewer than 5" on Sales would confine it to 1..4, so it keeps the generic label.
    assert _row(html, "Sales") == ["3", "fewer than 5*", "–"]
    assert _row(html, "Engineering") == ["12", "withheld", "–"]
    assert "cannot be worked out by subtraction" in html

    event = db_session.scalars(select(AuditEvent)).one()
    assert (event.actor_id, event.action, event.object_id) == (
        user.id,
        "report.view",
        str(rated_survey),
    )


def test_response_rates_access(
    client: FlaskClient, auth: AuthActions, make_user: Any, make_team: Any, rated_survey: int
) -> None:
    url = f"/reports/surveys/{rated_survey}/response-rates"
    assert client.get(url).status_code == 302  # to the login page
    make_user("lead@example.org", Role.MANAGER, ["Sales"])
    auth.login("lead@example.org")
    assert client.get(url).status_code == 403
    auth.logout()
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")
    assert client.get(url).status_code == 200
    assert client.get("/reports/surveys/9999/response-rates").status_code == 404
