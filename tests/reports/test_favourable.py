"""What people answered and what counts as favourable, through the real pages: items show
raw answers under their raw statement (reverse-keyed items included), and "% favourable"
means one thing everywhere (answers at the desirable end of the keyed value)."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.models import Role
from app.instruments.document import InstrumentDocument
from app.instruments.models import InstrumentVersion
from app.instruments.queries import document_of
from app.org.models import Team
from app.surveys.models import Invitation
from app.surveys.services import create_survey, import_participants, open_survey
from app.taking.services import BatchSubmission, store_responses
from tests.conftest import AuthActions
from tests.reports.answering import release

Answers = Callable[[InstrumentDocument, int], Mapping[str, int | None]]


@dataclass
class Wave:
    id: int
    document: InstrumentDocument
    teams: dict[str, int]


def _wave(
    db_session: Any, version: InstrumentVersion, people: Mapping[str, tuple[int, Answers]]
) -> Wave:
    """A released survey: per team path, how many people and each one's answers (by their
    index within the team)."""
    survey = create_survey(
        instrument_key="relational-climate", title="Favourable wave", k_scores=5, k_comments=3
    )
    lines = ["email,team,level"]
    for team, (count, _) in people.items():
        lines += [f"{_email(team, i)},{team},manager" for i in range(count)]
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
            ids[_email(team, i)],
            dict(answers(document, i)),
            {},
            dt.date(2027, 3, 3),
        )
        for team, (count, answers) in people.items()
        for i in range(count)
    ]
    store_responses(survey.id, version.id, document, submissions)
    db_session.commit()
    release(survey)
    teams = {t.path: t.id for t in db_session.scalars(select(Team))}
    return Wave(survey.id, document, teams)


def _email(team: str, i: int) -> str:
    return f"{team.replace('/', '-').lower()}-{i}@example.org"


def _everyone(value: int | None) -> Answers:
    return lambda document, _i: {item.key: value for item in document.scored_items}


@pytest.fixture
def hr(auth: AuthActions, make_user: Any) -> Any:
    user = make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    return user


def _table_rows(page: str) -> dict[str, list[str]]:
    """The data tables' rows of a page, by their heading cell (unescaped)."""
    rows: dict[str, list[str]] = {}
    for heading, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', page, re.S):
        rows[html_lib.unescape(heading)] = [
            html_lib.unescape(c) for c in re.findall(r"<td>(.*?)</td>", cells, re.S)
        ]
    return rows


def _columns(page: str) -> list[str]:
    head = re.search(r"<thead>\s*<tr>(.*?)</tr>", page, re.S)
    assert head is not None
    return [html_lib.unescape(c) for c in re.findall(r'<th scope="col">(.*?)</th>', head[1])]


def _chart(page: str) -> dict[str, Any]:
    (block,) = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S)
    chart: dict[str, Any] = json.loads(block)
    return chart


def _item_row(wave: Wave, page: str, key: str) -> dict[str, str]:
    text = wave.document.text(wave.document.item(key).text, "en")
    rows = _table_rows(page)
    (heading,) = [h for h in rows if h.startswith(text)]
    return dict(zip(_columns(page)[1:], rows[heading], strict=True))


def test_a_reverse_keyed_item_shows_what_people_answered(
    client: FlaskClient, hr: Any, db_session: Any, bundled_version: InstrumentVersion
) -> None:
    """Everybody strongly disagrees with every statement: "Time with my work group leaves me
    drained" (zw_4, reverse-keyed outcome) must read 100% strongly disagree, and favourable;
    before, it read 100% strongly agree (the keyed value under the raw label)."""
    wave = _wave(db_session, bundled_version, {"Ops": (6, _everyone(1))})
    page = client.get(f"/reports/surveys/{wave.id}/items").get_data(as_text=True)
    drained = _item_row(wave, page, "zw_4")
    assert drained["Answers"] == "6"
    assert drained["Strongly disagree"] == "100%"
    assert drained["Strongly agree"] == "0%"
    assert drained["Favourable"] == "100%"
    assert drained["Favourable end"] == "disagree"
    # A normally keyed outcome answered "strongly disagree" is unfavourable.
    assert _item_row(wave, page, "zw_1")["Favourable"] == "0%"
    assert _item_row(wave, page, "zw_1")["Favourable end"] == "agree"
    # Power-over: disagreeing is favourable, unless the item is reverse-keyed.
    assert _item_row(wave, page, "hc_1")["Favourable"] == "100%"
    assert _item_row(wave, page, "hc_4")["Favourable"] == "0%"
    assert _item_row(wave, page, "hc_4")["Favourable end"] == "agree"
    # The chart draws the same: the whole bar on the "strongly disagree" side.
    chart = _chart(page)
    labels = chart["layout"]["yaxis"]["ticktext"]
    row = next(i for i, t in enumerate(labels) if t.startswith("Time with my work group"))
    strongly_disagree = next(t for t in chart["data"] if t["name"] == "Strongly disagree")
    assert strongly_disagree["x"][strongly_disagree["y"].index(row)] == pytest.approx(-100)
    for trace in chart["data"]:
        if trace["name"] == "Strongly agree":
            assert trace["x"][trace["y"].index(row)] == pytest.approx(0)
    assert "favourable: disagree" in labels[row]
