"""Change since the last comparable wave, through the real pages: the overview's and the
team pages' change column, the trends page, pilots left out, one comparability rule."""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from scipy import stats  # type: ignore[import-untyped, unused-ignore]
from sqlalchemy import select

from app.auth.models import Role
from app.instruments.document import InstrumentDocument
from app.instruments.models import InstrumentVersion
from app.instruments.queries import document_of
from app.instruments.scoring import score_response
from app.instruments.services import publish_instrument_version
from app.org.models import Team
from app.surveys.models import Invitation, Survey
from app.surveys.services import (
    close_survey,
    create_survey,
    import_participants,
    open_survey,
    set_pilot,
)
from app.taking.services import BatchSubmission, store_responses
from tests.conftest import AuthActions
from tests.reports.answering import release

# team -> each person's answer to every item
# (Ops/North and Ops/South are each below k = 5: both hidden, Ops shown)
FIRST = {
    "Eng/Alpha": [2, 2, 3, 3, 2, 3],
    "Eng/Beta": [3, 3, 3, 4, 4, 3],
    "Ops/North": [3, 3, 3],
    "Ops/South": [3, 4, 3],
}
SECOND = {
    "Eng/Alpha": [4, 4, 5, 5, 4, 5],
    "Eng/Beta": [3, 4, 3, 4, 3, 3],
    "Ops/North": [2, 2, 2],
    "Ops/South": [3, 2, 3],
}
PILOT = {"Eng/Alpha": [1, 1, 1, 1, 1, 2]}


@dataclass
class Waves:
    first: Survey
    second: Survey
    teams: dict[str, int]


def email(title: str, team: str, number: int) -> str:
    return f"{title}-{team}-{number}@example.org".replace(" ", "").replace("/", "").lower()


def wave(
    db_session: Any,
    version: InstrumentVersion,
    title: str,
    opens: dt.datetime,
    people: dict[str, list[int]],
    *,
    closed: bool,
    pilot: bool = False,
) -> Survey:
    survey = create_survey(
        instrument_key="relational-climate",
        title=title,
        version=version.version,
        opens_at=opens,
        k_scores=5,
        k_comments=3,
        pilot=pilot,
    )
    lines = ["email,team,level"] + [
        f"{email(title, team, i)},{team},manager"
        for team, values in people.items()
        for i in range(len(values))
    ]
    import_participants(survey.id, "\n".join(lines) + "\n")
    open_survey(survey.id)
    document = document_of(version)
    ids = dict(
        db_session.execute(
            select(Invitation.email, Invitation.id).where(Invitation.survey_id == survey.id)
        ).all()
    )
    submissions = [
        BatchSubmission(
            ids[email(title, team, i)],
            {item.key: value for item in document.items},
            {},
            dt.date(2027, 3, 3),
        )
        for team, values in people.items()
        for i, value in enumerate(values)
    ]
    store_responses(survey.id, version.id, document, submissions)
    db_session.commit()
    release(survey)
    if closed:
        close_survey(survey.id)
        db_session.commit()
    return survey


@pytest.fixture
def hr(auth: AuthActions, make_user: Any) -> Any:
    user = make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    return user


@pytest.fixture
def waves(db_session: Any, bundled_version: InstrumentVersion) -> Waves:
    first = wave(
        db_session,
        bundled_version,
        "Wave one",
        dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        FIRST,
        closed=True,
    )
    second = wave(
        db_session,
        bundled_version,
        "Wave two",
        dt.datetime(2027, 3, 1, tzinfo=dt.UTC),
        SECOND,
        closed=False,
    )
    teams = {t.path: t.id for t in db_session.scalars(select(Team))}
    return Waves(first, second, teams)


def family_scores(document: InstrumentDocument, values: list[int], family: str) -> list[float]:
    scores = [score_response(document, {i.key: v for i in document.items}) for v in values]
    return [float(s.families[family]) for s in scores]  # type: ignore[arg-type]


def change_cells(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", c).strip()
        for c in re.findall(r'<td class="change">(.*?)</td>', html, re.S)
    ]


def test_team_change_is_welch_against_a_reference(
    client: FlaskClient, hr: Any, waves: Waves, bundled_version: InstrumentVersion
) -> None:
    document = document_of(bundled_version)
    alpha = waves.teams["Eng/Alpha"]
    html = client.get(f"/reports/surveys/{waves.second.id}/teams/{alpha}").get_data(as_text=True)
    assert "Change since Wave one (2026-03-01)" in html
    cells = change_cells(html)
    # The indices' table, then the dimensions' (the team view shows both).
    assert len(cells) == len(document.families) + len(document.dimensions)
    for family, cell in zip(document.families, cells, strict=False):
        now = family_scores(document, SECOND["Eng/Alpha"], family.key)
        then = family_scores(document, FIRST["Eng/Alpha"], family.key)
        # equal variances in both waves: the floored Welch test is Welch's own
        reference = stats.ttest_ind(now, then, equal_var=False)
        ci = reference.confidence_interval(0.95)
        difference = sum(now) / len(now) - sum(then) / len(then)
        assert cell.startswith(f"{difference:+.2f}")
        assert f"({ci.low:+.2f} to {ci.high:+.2f})" in cell
        assert ("•" in cell) == (ci.low > 0 or ci.high < 0)
    assert "Welch" in html and "independent samples" in html and "matched by its id" in html


def test_organisation_change_on_the_overview(client: FlaskClient, hr: Any, waves: Waves) -> None:
    html = client.get(f"/reports/surveys/{waves.second.id}/").get_data(as_text=True)
    assert "Change since Wave one (2026-03-01)" in html
    cells = change_cells(html)
    assert cells and all(re.match(r"[+-]\d\.\d\d ", c) for c in cells)


def test_a_hidden_team_shows_why_and_no_change(client: FlaskClient, hr: Any, waves: Waves) -> None:
    ops = waves.teams["Ops/North"]  # 3 people in each wave, below k = 5
    html = client.get(f"/reports/surveys/{waves.second.id}/teams/{ops}").get_data(as_text=True)
    assert change_cells(html) == []
    assert "Why this team's results are not shown" in html
    assert "never shown for a group of fewer than 5 people" in html
    assert f'href="/reports/surveys/{waves.second.id}/">the whole organisation</a>' in html


def test_the_first_wave_has_no_change(client: FlaskClient, hr: Any, waves: Waves) -> None:
    html = client.get(f"/reports/surveys/{waves.first.id}/").get_data(as_text=True)
    assert all("no earlier wave" in c for c in change_cells(html))


def test_a_pilot_is_no_wave_of_trends_or_changes(
    client: FlaskClient, hr: Any, waves: Waves, db_session: Any, bundled_version: InstrumentVersion
) -> None:
    """A 6-person pilot between the two waves counted as the whole organisation's wave."""
    pilot = wave(
        db_session,
        bundled_version,
        "Try out",
        dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
        PILOT,
        closed=True,
    )
    url = f"/reports/surveys/{waves.second.id}/"
    assert "Change since Try out (2026-09-01)" in client.get(url).get_data(as_text=True)
    assert "Try out" in client.get(url + "trends").get_data(as_text=True)
    set_pilot(pilot.id, True)
    db_session.commit()
    html = client.get(url).get_data(as_text=True)
    assert "Change since Wave one (2026-03-01)" in html and "Try out" not in html
    assert "Try out" not in client.get(url + "trends").get_data(as_text=True)
    assert "Wave one" in client.get(url + "trends").get_data(as_text=True)


def test_incomparable_family_says_why_on_every_page(
    client: FlaskClient, hr: Any, waves: Waves, db_session: Any, bundled_version: InstrumentVersion
) -> None:
    data = copy.deepcopy(bundled_version.document)
    mutuality = {d["key"] for d in data["dimensions"] if d["family"] == "mutuality"}
    item = next(i for i in data["items"] if i.get("dimension") in mutuality)
    item["text"]["en"] += " (reworded)"
    newer = publish_instrument_version(data).version
    third = wave(
        db_session,
        newer,
        "Wave three",
        dt.datetime(2028, 3, 1, tzinfo=dt.UTC),
        SECOND,
        closed=False,
    )
    close_survey(waves.second.id)
    db_session.commit()
    html = client.get(f"/reports/surveys/{third.id}/").get_data(as_text=True)
    reason = f"item {item['key']}: text in &#39;en&#39; changed"
    assert "not comparable with Wave two (2027-03-01)" in html and reason in html
    # power-over kept its items: its change still reads from wave two
    assert "since Wave two (2027-03-01)" in html
    # trends from the third wave and from the second tell the same story about the pair
    close_survey(third.id)
    db_session.commit()
    for survey in (third, waves.second):
        trends = client.get(f"/reports/surveys/{survey.id}/trends").get_data(as_text=True)
        assert "Mutuality is not compared with" in trends and reason in trends
