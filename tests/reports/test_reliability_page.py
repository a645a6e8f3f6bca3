"""The reliability page and the reliability a release stores: per shown cell (team and level
filters), one-item dimensions, item-rest correlations, and whether teams share a climate."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from flask.testing import FlaskClient
from scipy import stats as sps  # type: ignore[import-untyped, unused-ignore]
from sqlalchemy import select

from app.auth.models import Role
from app.instruments.document import InstrumentDocument
from app.instruments.queries import document_of
from app.instruments.services import publish_instrument_version
from app.instruments.validation import validate_instrument_text
from app.org.models import Team
from app.reports.queries import snapshot_of
from app.reports.snapshot_format import decode, read_sections
from app.reports.stats import ItemSums, cronbach_alpha
from app.surveys.models import Invitation, Survey
from app.surveys.services import create_survey, import_participants, open_survey
from app.taking.models import Answer, DimensionScore, Response
from app.taking.services import BatchSubmission, store_responses
from tests.conftest import BUNDLED_INSTRUMENT, AuthActions
from tests.reports.answering import release

# team path -> people; every third person is a manager
TEAMS = {"Ops/North": 40, "Ops/South": 26, "Sales": 6}
ONE_ITEM_DIMENSION = "empathic_attunement"


def one_item_instrument() -> dict[str, Any]:
    """The bundled instrument with a dimension of one item (valid: min_answered 1)."""
    data = json.loads(BUNDLED_INSTRUMENT.read_text(encoding="utf-8"))
    data["key"] = "one-item"
    data["items"] = [i for i in data["items"] if i["key"] not in ("ea_2", "ea_3", "ea_4")]
    for dimension in data["dimensions"]:
        if dimension["key"] == ONE_ITEM_DIMENSION:
            dimension["min_answered"] = 1
    result = validate_instrument_text(json.dumps(data))
    assert result.ok, result.errors
    return data


def answers_for(document: InstrumentDocument, rng: random.Random, shift: float) -> dict[str, int]:
    """One person's answers: a personal level plus item noise, so scales hang together."""
    person = rng.gauss(3.2 + shift, 0.8)
    answers: dict[str, int] = {}
    for item in document.scored_items:
        assert item.scale is not None
        value = round(person + rng.gauss(0, 0.6))
        value = min(item.scale.max, max(item.scale.min, value))
        answers[item.key] = item.scale.min + item.scale.max - value if item.reverse else value
    return answers


def fill(db_session: Any, instrument_key: str, *, seed: int = 13) -> Survey:
    survey = create_survey(instrument_key=instrument_key, title="Wave", k_scores=5, k_comments=3)
    lines = ["email,team,level"]
    for team, count in TEAMS.items():
        for i in range(count):
            level = "manager" if i % 3 == 0 else "individual_contributor"
            lines.append(f"{team.replace('/', '-')}-{i}@example.org,{team},{level}")
    import_participants(survey.id, "\n".join(lines) + "\n")
    open_survey(survey.id)
    document = document_of(survey.instrument_version)
    rng = random.Random(seed)
    invitations = db_session.execute(
        select(Invitation.id, Invitation.email).where(Invitation.survey_id == survey.id)
    ).all()
    submissions = [
        BatchSubmission(
            invitation_id,
            answers_for(document, rng, 0.6 if email.startswith("Ops-North") else 0.0),
            {},
            dt.date(2027, 3, 3),
        )
        for invitation_id, email in invitations
    ]
    store_responses(survey.id, survey.instrument_version_id, document, submissions)
    db_session.commit()
    return survey


@pytest.fixture
def hr(auth: AuthActions, make_user: Any) -> Any:
    user = make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    return user


def test_one_item_dimension_reads_not_computed_with_its_reason(
    client: FlaskClient, db_session: Any, hr: Any
) -> None:
    publish_instrument_version(one_item_instrument())
    db_session.commit()
    survey = fill(db_session, "one-item")
    release(survey)
    page = client.get(f"/reports/surveys/{survey.id}/reliability")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "one item: internal consistency needs at least two items" in html


ITEMS = ("ea_1", "ea_2", "ea_3", "ea_4")


def raw_answers(db_session: Any, survey: Survey, team: int, items: Sequence[str]) -> np.ndarray:
    """A team's answers to `items`, read from the answer table (one row per response)."""
    rows: dict[int, dict[str, int]] = {}
    for response_id, key, value in db_session.execute(
        select(Answer.response_id, Answer.item_key, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.survey_id == survey.id, Response.team_id == team)
    ):
        rows.setdefault(response_id, {})[key] = value
    return np.array([[row[k] for k in items] for row in rows.values()], dtype=float)


def _tables(html: str) -> list[list[list[str]]]:
    """Every data table of a page, as rows of cell texts."""
    tables = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", html, re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
        tables.append(
            [
                [
                    re.sub(r"<[^>]+>", "", c).strip()
                    for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
                ]
                for r in rows
            ]
        )
    return tables


def test_reliability_follows_the_team_and_level_filters(
    client: FlaskClient, db_session: Any, hr: Any, bundled_version: Any
) -> None:
    survey = fill(db_session, "relational-climate")
    published = release(survey)
    teams = {t.path: t.id for t in db_session.scalars(select(Team))}
    base = f"/reports/surveys/{survey.id}/reliability"
    org = _tables(client.get(base).get_data(as_text=True))
    alphas = {row[0]: row for row in org[0]}
    assert len(alphas) == 13
    first = alphas["Empathic attunement"]
    assert first[3] == "72"  # complete answers: everybody
    assert first[1] != "" and first[5].startswith("ea_1 ")  # alpha and item-rest shown
    # Ops/North (40 people): its own alphas, from its own answers
    north = _tables(client.get(f"{base}?team={teams['Ops/North']}").get_data(as_text=True))
    north_first = {row[0]: row for row in north[0]}["Empathic attunement"]
    assert north_first[3] == "40"
    assert north_first[2] != first[2]  # its own interval (n = 40, not 70)
    # Ops/South (26) and Sales (6) show, with too few complete answers
    for path in ("Ops/South", "Sales"):
        html = client.get(f"{base}?team={teams[path]}").get_data(as_text=True)
        assert {row[1] for row in _tables(html)[0]} == {
            "not computed: fewer than 30 complete answers"
        }
    # Sales' two managers: no number at all
    manager = next(lv.id for lv in survey.levels if lv.key == "manager")
    html = client.get(f"{base}?team={teams['Sales']}&level={manager}").get_data(as_text=True)
    assert not snapshot_of(published).publication().view(teams["Sales"], manager).responses.shown
    assert {row[1] for row in _tables(html)[0]} == {
        "not computed: not shown: fewer than 5 answers in this group"
    }
    # the level filter: the 48 individual contributors have their own alphas
    snapshot = snapshot_of(published)
    stored = snapshot.scales()
    assert stored is not None
    levels = snapshot.publication().levels
    north_alpha = stored.cells[((teams["Ops/North"], None), "empathic_attunement")].alpha
    assert north_alpha is not None
    reference = cronbach_alpha(raw_answers(db_session, survey, teams["Ops/North"], ITEMS))
    assert reference is not None
    assert north_alpha.alpha == pytest.approx(reference.alpha, rel=1e-9)
    individual = [lv for lv in levels if (None, lv) in {c for c, _ in stored.cells}]
    assert individual
    for (team, level), _key in stored.cells:
        assert snapshot.publication().view(team, level).dimensions[_key].shown
        assert stored.cells[((team, level), _key)].n >= 30


def test_shared_climate_reads_icc_rwg_and_the_detectable_difference(
    client: FlaskClient, db_session: Any, hr: Any, bundled_version: Any
) -> None:
    survey = fill(db_session, "relational-climate")
    release(survey)
    html = client.get(f"/reports/surveys/{survey.id}/reliability").get_data(as_text=True)
    assert "Do teams share a climate?" in html
    climate = {row[0]: row for row in _tables(html)[1]}
    row = climate["Empathic attunement"]
    # Dimension, ICC(1), ICC(2), median rwg(J), teams that agree, MDD 5/10/20/50, reading
    assert len(row) == 10
    icc1_value, icc2_value = float(row[1]), float(row[2])
    assert -1 < icc1_value < 1 and icc2_value < 1
    assert row[4].endswith("of 3 teams")
    # reference: scipy's one-way ANOVA of the stored dimension scores per team
    by_team: dict[int, list[float]] = {}
    for team, score in db_session.execute(
        select(Response.team_id, DimensionScore.score)
        .join(Response, Response.id == DimensionScore.response_id)
        .where(
            Response.survey_id == survey.id, DimensionScore.dimension_key == "empathic_attunement"
        )
    ):
        by_team.setdefault(team, []).append(score)
    f = sps.f_oneway(*by_team.values()).statistic
    sizes = [len(v) for v in by_team.values()]
    n0 = (sum(sizes) - sum(n * n for n in sizes) / sum(sizes)) / (len(sizes) - 1)
    assert icc1_value == pytest.approx((f - 1) / (f - 1 + n0), abs=0.005)
    assert icc2_value == pytest.approx((f - 1) / f, abs=0.005)
    mdd = [float(x) for x in row[5:9]]
    assert mdd == sorted(mdd, reverse=True)  # bigger teams: smaller detectable differences
    assert "between teams" in row[9]


def test_earlier_snapshots_read_their_organisation_alpha_and_mark_the_rest(
    client: FlaskClient, db_session: Any, hr: Any, bundled_version: Any
) -> None:
    survey = fill(db_session, "relational-climate")
    stored = release(survey).snapshot
    sections = read_sections(stored)
    assert "reliability" in sections and sections["core"]["reliability"] is None
    current = decode(stored).scales()
    assert current is not None
    org_alpha = current.cells[((None, None), "empathic_attunement")].alpha
    assert org_alpha is not None
    # a format-1 document held the organisation's alpha per dimension in its core
    core = {
        **sections["core"],
        "reliability": {
            "empathic_attunement": [
                org_alpha.alpha,
                org_alpha.lower,
                org_alpha.upper,
                0.95,
                org_alpha.n,
                4,
                False,
            ],
            "authenticity": None,
        },
    }
    document = {
        **core,
        "format": 1,
        "items": sections["items"]["counts"],
        "shown": {**core["shown"], "items": sections["items"]["shown"]},
        "comments": {},
    }
    old = decode(zlib.compress(json.dumps(document).encode())).scales()
    assert old is not None and not old.complete
    found = old.of((None, None), "empathic_attunement", shown=True, k=5)
    assert found.alpha == org_alpha and found.item_rest is None
    north = old.of((1, None), "empathic_attunement", shown=True, k=5)
    assert north.alpha is None and north.reason is not None and "not stored" in north.reason
    # a sections snapshot without the section (and no organisation alpha) holds none
    assert (
        decode(zlib.compress(json.dumps({**document, "reliability": None}).encode())).scales()
        is None
    )


def test_bad_item_sums_are_refused() -> None:
    with pytest.raises(ValueError, match="square"):
        ItemSums(3, (1.0, 2.0), ((1.0, 2.0),))
    with pytest.raises(ValueError, match="finite"):
        ItemSums(3, (1.0, float("nan")), ((1.0, 2.0), (2.0, 1.0)))
    with pytest.raises(ValueError, match=">= 0"):
        ItemSums(-1, (1.0,), ((1.0,),))
    with pytest.raises(ValueError, match="different lengths"):
        _ = ItemSums(1, (1.0,), ((1.0,),)) + ItemSums(1, (1.0, 1.0), ((1.0, 1.0), (1.0, 1.0)))
