"""The item report: stored with the release, read back, disclosed like everything else, and
its page and export for HR, admins and scoped managers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import random
import re
from collections.abc import Collection
from typing import Any

import numpy as np
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.models import Role
from app.instruments.queries import document_of
from app.org.models import Team
from app.reports import queries, snapshot_format
from app.reports import releases as releases_module
from app.reports.item_report_view import DimensionItems, item_report, item_report_table
from app.reports.queries import latest_release, snapshot_of
from app.reports.snapshot_format import decode, read_sections
from app.reports.stats import ItemSums, cronbach_alpha
from app.reports.stats.items import item_analysis
from app.reports.warm import prepare_worker
from app.surveys.models import Invitation, Level, Survey
from app.surveys.services import create_survey, import_participants, open_survey
from app.taking.models import Answer, Response
from app.taking.services import BatchSubmission, store_responses
from tests.conftest import AuthActions
from tests.reports.answering import release
from tests.reports.test_reliability_page import answers_for

# team path -> people; every third person (i = 0, 3, 6, ...) is a manager
TEAMS = {"Ops/North": 40, "Ops/South": 26, "Sales": 6}
# Items treated as being about the group's leader: not asked of managers (no answer row).
LED = ("ea_4", "ac_4")
DIMENSION = "empathic_attunement"
EA = ("ea_1", "ea_2", "ea_3", "ea_4")


def fill(
    db_session: Any,
    *,
    not_asked_of_managers: Collection[str] = (),
    pna: float = 0.15,
    seed: int = 7,
    teams: dict[str, int] | None = None,
) -> Survey:
    """A survey of the bundled instrument answered by everybody in `TEAMS`, a share `pna`
    choosing "prefer not to answer" on ea_2; managers are not asked `not_asked_of_managers`."""
    survey = create_survey(
        instrument_key="relational-climate", title="Pilot", k_scores=5, k_comments=3
    )
    lines = ["email,team,level"]
    for team, count in (teams or TEAMS).items():
        for i in range(count):
            level = "manager" if i % 3 == 0 else "individual_contributor"
            lines.append(f"{team.replace('/', '-')}-{i}@example.org,{team},{level}")
    import_participants(survey.id, "\n".join(lines) + "\n")
    open_survey(survey.id)
    document = document_of(survey.instrument_version)
    rng = random.Random(seed)
    rows = db_session.execute(
        select(Invitation.id, Invitation.email, Level.key)
        .join(Level, Level.id == Invitation.level_id)
        .where(Invitation.survey_id == survey.id)
    ).all()
    submissions = []
    for invitation_id, _email, level in rows:
        answers: dict[str, int | None] = dict(answers_for(document, rng, 0.0))
        if rng.random() < pna:
            answers["ea_2"] = None  # prefer not to answer
        if level == "manager":
            for key in not_asked_of_managers:
                answers.pop(key)
        submissions.append(BatchSubmission(invitation_id, answers, {}, dt.date(2027, 3, 3)))
    store_responses(survey.id, survey.instrument_version_id, document, submissions)
    db_session.commit()
    return survey


def team_id(db_session: Any, path: str) -> int:
    return int(db_session.scalar(select(Team.id).where(Team.path == path)))


def level_id(survey: Survey, key: str) -> int:
    return next(lv.id for lv in survey.levels if lv.key == key)


def report_of(
    db_session: Any, survey: Survey, team: int | None, level: int | None
) -> list[DimensionItems]:
    """The item report of one cell of the survey's latest release."""
    found = latest_release(survey.id)
    assert found is not None
    snapshot = snapshot_of(found)
    stored = snapshot.items_report()
    assert stored is not None
    return item_report(
        snapshot.publication(),
        snapshot.item_publication(),
        stored,
        (team, level),
        document_of(survey.instrument_version),
        "en",
    )


def raw(db_session: Any, survey: Survey, items: Collection[str]) -> np.ndarray:
    """Every response's answers to `items` (NaN: missing), from the answer table."""
    rows: dict[Any, dict[str, int | None]] = {}
    for response_id, key, value in db_session.execute(
        select(Answer.response_id, Answer.item_key, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.survey_id == survey.id, Answer.item_key.in_(list(items)))
    ):
        rows.setdefault(response_id, {})[key] = value
    return np.array(
        [[np.nan if row.get(k) is None else row[k] for k in items] for row in rows.values()]
    )


@pytest.fixture
def hr(auth: AuthActions, make_user: Any) -> Any:
    user = make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    return user


# --- the release stores it ---------------------------------------------------------------


def test_the_release_stores_the_item_report_and_reads_it_back(
    db_session: Any, bundled_version: Any
) -> None:
    survey = fill(db_session)
    published = release(survey)
    sections = read_sections(published.snapshot)
    assert "item_report" in sections
    stored = decode(published.snapshot).items_report()
    assert stored is not None
    assert stored.dimensions[DIMENSION] == EA and stored.partial == frozenset()
    org = stored.analysis((None, None), DIMENSION)
    assert org is not None and org.alpha is not None and org.alpha_if_deleted is not None
    # recomputed from the answer table: complete cases of the dimension's four items
    x = raw(db_session, survey, EA)
    complete = x[~np.isnan(x).any(axis=1)]
    expected = item_analysis(ItemSums.from_answers(complete))
    assert org.n == len(complete) == expected.n
    assert org.alpha == pytest.approx(expected.alpha)
    assert org.item_rest == pytest.approx(expected.item_rest)
    for i, value in enumerate(org.alpha_if_deleted):
        without = cronbach_alpha(np.delete(complete, i, axis=1))
        assert without is not None and value == pytest.approx(without.alpha)
    # the same as the reliability page's alpha and item-rest correlations
    reliability = decode(published.snapshot).scales()
    assert reliability is not None
    same = reliability.cells[((None, None), DIMENSION)]
    assert same.alpha is not None and same.alpha.alpha == pytest.approx(org.alpha)
    assert same.item_rest == pytest.approx(org.item_rest)


def test_the_page_reads_pna_midpoint_mean_and_sd_from_the_release(
    db_session: Any, bundled_version: Any
) -> None:
    survey = fill(db_session)
    release(survey)
    tables = report_of(db_session, survey, None, None)
    ea = next(t for t in tables if t.key == DIMENSION)
    row = next(r for r in ea.rows if r.key == "ea_2")
    x = raw(db_session, survey, ["ea_2"])[:, 0]
    answered = x[~np.isnan(x)]
    assert row.answers is not None
    assert row.answers.answered == len(answered)
    assert row.pna_share == pytest.approx(np.isnan(x).mean())
    assert row.answers.midpoint_share == pytest.approx((answered == 3).mean())
    assert row.answers.mean == pytest.approx(answered.mean())
    assert row.answers.sd == pytest.approx(answered.std(ddof=1))
    # a reverse-keyed item's mean is of its scored value
    document = document_of(survey.instrument_version)
    reverse = next(i for i in document.scored_items if i.reverse)
    found = next(r for t in tables for r in t.rows if r.key == reverse.key)
    values = raw(db_session, survey, [reverse.key])[:, 0]
    assert found.answers is not None and found.reverse
    assert found.answers.mean == pytest.approx((6 - values[~np.isnan(values)]).mean())


# --- disclosure ----------------------------------------------------------------------------


def test_a_group_below_k_shows_nothing(db_session: Any, bundled_version: Any) -> None:
    survey = fill(db_session)
    release(survey)
    sales = team_id(db_session, "Sales")
    managers = level_id(survey, "manager")
    for table in report_of(db_session, survey, sales, managers):  # 2 people
        assert table.alpha is None and table.n is None
        for row in table.rows:
            assert row.answers is None and row.pna_share is None
            assert row.item_rest is None and row.alpha_if_deleted is None
            assert row.hidden
    exported = item_report_table(report_of(db_session, survey, sales, managers))
    for cells in exported.checked_rows():
        assert all(v is None or isinstance(v, str) for v in cells)
    # Sales as a whole (6 people) shows answers, but too few for alpha (30)
    whole = report_of(db_session, survey, sales, None)
    assert all(r.answers is not None for t in whole for r in t.rows)
    assert all(t.alpha is None and t.note for t in whole)


def test_a_hidden_level_cannot_be_recovered_by_subtracting(
    db_session: Any, bundled_version: Any
) -> None:
    """Managers are not asked two items. Their count in a team (hidden where it is under k)
    would be the team's response count minus the number asked those items; every difference
    of the numbers shown about one team must miss every hidden count of that team (nobody
    prefers not to answer here, so no count equals a hidden one by chance)."""
    # Sales: 8 people, 3 of them managers (hidden); 5 asked the items about the leader
    survey = fill(db_session, not_asked_of_managers=LED, pna=0.0, teams={**TEAMS, "Sales": 8})
    published = release(survey)
    snapshot = snapshot_of(published)
    stored = snapshot.items_report()
    assert stored is not None and stored.partial == frozenset(LED)
    publication = snapshot.publication()
    levels = [None, *(lv.id for lv in survey.levels)]
    teams = [None, *(team_id(db_session, p) for p in ("Ops", *TEAMS))]
    sales = team_id(db_session, "Sales")
    checked_hidden = 0
    for team in teams:
        counts: list[int] = []  # the release's response counts about this team
        shown: list[int] = []  # and the item report's numbers
        hidden: set[int] = set()
        for level in levels:
            responded = publication.responded(team, level)
            if responded.shown:
                assert responded.n is not None
                counts.append(responded.n)
            else:
                members = publication.cells.get(publication.view(team, level).cell, frozenset())
                n = sum(snapshot.aggregates.responses.get((t, lv), 0) for t, lv, _ in members)
                if n:
                    hidden.add(n)
            # the items page's answer counts (the same release decisions)
            for key in snapshot.aggregates.item_keys:
                found = snapshot.item_publication().distribution(key, team, level)
                if found:
                    shown.append(sum(found.values()))
            for table in report_of(db_session, survey, team, level):
                for row in table.rows:
                    if row.answers is not None:
                        shown.append(row.answers.answered)
                        if row.pna_share is not None:
                            shown.append(row.answers.asked)
                            shown.append(row.answers.pna)
        # what the response counts alone give away is the release's business (a group of
        # at least k hidden to protect another may be derivable); the item report adds none
        before = {abs(a - b) for a, b in itertools.combinations(counts, 2)}
        after = {abs(a - b) for a, b in itertools.combinations(counts + shown, 2)}
        assert not ((after - before) & hidden), (team, (after - before) & hidden)
        assert not (after & {n for n in hidden if n < publication.k}), team
        checked_hidden += len(hidden)
    assert checked_hidden  # the attack had something to find
    # the items managers are not asked show nothing in Sales, here or on the items page
    rows = {r.key: r for t in report_of(db_session, survey, sales, None) for r in t.rows}
    assert rows["ea_4"].answers is None and rows["ac_4"].answers is None
    assert snapshot.item_publication().distribution("ea_4", sales) is None
    # where the managers not asked are many, both show
    north = team_id(db_session, "Ops/North")
    rows = {r.key: r for t in report_of(db_session, survey, north, None) for r in t.rows}
    assert rows["ea_4"].answers is not None and rows["ea_4"].pna_share is not None
    assert snapshot.item_publication().distribution("ea_4", north) is not None


def test_items_not_asked_are_not_counted_as_missing(db_session: Any, bundled_version: Any) -> None:
    survey = fill(db_session, not_asked_of_managers=LED)
    release(survey)
    north = team_id(db_session, "Ops/North")
    rows = {r.key: r for t in report_of(db_session, survey, north, None) for r in t.rows}
    led = rows["ea_4"]
    assert led.answers is not None and led.pna_share is not None
    assert led.answers.pna == 0 and led.pna_share == 0.0  # 14 managers not asked: not missing
    assert led.answers.asked == 26
    assert rows["ea_1"].answers is not None and rows["ea_1"].answers.asked == 40


# --- the page and its export -------------------------------------------------------------


def test_the_page_for_hr(
    client: FlaskClient, db_session: Any, hr: Any, bundled_version: Any
) -> None:
    survey = fill(db_session)
    release(survey)
    page = client.get(f"/reports/surveys/{survey.id}/item-report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Item report" in html and 'aria-current="page">Item report' in html
    assert html.index(">Reliability<") < html.index(">Item report<") < html.index(">Comments<")
    assert "Cronbach&#39;s alpha" in html or "Cronbach's alpha" in html
    assert "Review below .30" in html and "Review above 10%" in html
    document = document_of(survey.instrument_version)
    for dimension in document.dimensions:
        assert f'id="item-report-{dimension.key}"' in html
    assert document.text(document.item("ea_1").text, "en") in html


def test_the_export_holds_the_page(
    client: FlaskClient, db_session: Any, hr: Any, bundled_version: Any
) -> None:
    survey = fill(db_session)
    release(survey)
    got = client.get(f"/reports/surveys/{survey.id}/item-report/export.csv")
    assert got.status_code == 200
    text = got.get_data(as_text=True)
    header = next(line for line in csv.reader(io.StringIO(text)) if line and line[0] == "dimension")
    for name in ("item", "prefer_not_pct", "midpoint_pct", "item_rest_r", "alpha_if_deleted"):
        assert name in header
    rows = [r for r in csv.reader(io.StringIO(text)) if len(r) == len(header) and r[1] == "ea_1"]
    assert len(rows) == 1 and rows[0][header.index("answers")] == "72"
    xlsx = client.get(f"/reports/surveys/{survey.id}/item-report/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_admin_and_a_scoped_manager(
    client: FlaskClient, db_session: Any, auth: AuthActions, make_user: Any, bundled_version: Any
) -> None:
    survey = fill(db_session)
    release(survey)
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")
    assert client.get(f"/reports/surveys/{survey.id}/item-report").status_code == 200
    auth.logout()
    make_user("lead@example.org", Role.MANAGER, teams=["Ops/North"])
    auth.login("lead@example.org")
    north, sales = team_id(db_session, "Ops/North"), team_id(db_session, "Sales")
    mine = client.get(f"/reports/surveys/{survey.id}/item-report?team={north}")
    assert mine.status_code == 200 and "Cronbach" in mine.get_data(as_text=True)
    assert client.get(f"/reports/surveys/{survey.id}/item-report?team={sales}").status_code == 403
    assert (
        client.get(f"/reports/surveys/{survey.id}/item-report/export.csv?team={sales}").status_code
        == 403
    )
    page = client.get(f"/reports/surveys/{survey.id}/item-report").get_data(as_text=True)
    assert "Sales" not in page.split("<h1>")[0].split('name="team"')[1].split("</select>")[0]


def test_bad_input_never_fails(
    client: FlaskClient, db_session: Any, hr: Any, bundled_version: Any, monkeypatch: Any
) -> None:
    survey = fill(db_session)
    # a release from before item reports: stored without the section
    monkeypatch.setattr(releases_module, "_item_report", lambda *args: None)
    old = release(survey)
    assert "item_report" not in read_sections(old.snapshot)
    page = client.get(f"/reports/surveys/{survey.id}/item-report")
    assert page.status_code == 200
    assert "This release has no item report" in page.get_data(as_text=True)
    export = client.get(f"/reports/surveys/{survey.id}/item-report/export.csv")
    assert export.status_code == 404
    assert "no item report" in export.get_data(as_text=True)
    # an unknown release, a nonsense filter, a survey that does not exist
    missing = client.get(f"/reports/surveys/{survey.id}/item-report?release=99")
    assert missing.status_code == 404 and "has no release 99" in missing.get_data(as_text=True)
    odd = client.get(f"/reports/surveys/{survey.id}/item-report?team=abc&level=999999")
    assert odd.status_code == 200
    assert client.get("/reports/surveys/999999/item-report").status_code == 404


def test_a_survey_without_a_release(
    client: FlaskClient, db_session: Any, hr: Any, bundled_version: Any
) -> None:
    survey = create_survey(instrument_key="relational-climate", title="Draft")
    db_session.commit()
    page = client.get(f"/reports/surveys/{survey.id}/item-report")
    assert page.status_code == 200


def test_the_page_in_spanish_then_english(
    client: FlaskClient, db_session: Any, hr: Any, bundled_version: Any
) -> None:
    survey = fill(db_session)
    release(survey)
    url = f"/reports/surveys/{survey.id}/item-report"
    spanish = client.get(url, headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Informe de ítems" in spanish and "Qué significa cada columna" in spanish
    assert "What each column means" not in spanish
    assert re.search(r"<td>\d,\d\d</td>", spanish)  # means with a decimal comma
    english = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "What each column means" in english and "Qué significa" not in english
    assert re.search(r"<td>\d\.\d\d</td>", english)


def test_a_prepared_worker_has_the_item_report_decoded(
    app: Any,
    client: FlaskClient,
    db_session: Any,
    hr: Any,
    bundled_version: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    survey = fill(db_session)
    published = release(survey)
    queries._snapshots.clear()
    prepare_worker(app)
    snapshot = snapshot_of(published)
    assert snapshot._memo.get("item_report") is not None  # decoded before any reader

    def decoded(*_args: object) -> None:
        raise AssertionError("the item report was decoded on a page's read")

    monkeypatch.setattr(snapshot_format, "_item_report_from", decoded)
    assert client.get(f"/reports/surveys/{survey.id}/item-report").status_code == 200
