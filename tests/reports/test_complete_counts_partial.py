"""Complete-answer counts of dimensions holding items not asked of everybody.

Managers are not asked the items about the leader (ea_4, ac_4: empathic attunement and
accountability), so they never have a complete case of those dimensions: a shown count of
complete answers would be the number asked, and the response count minus it the managers,
a group the release may hide. Sales has 8 people, 3 of them managers (a level cell below
k); the count of people asked is hidden in Ops and in Sales (app.reports.item_release), so
there the reliability page and the item report show no complete count, no alpha and no
item-rest for those two dimensions, and still do for the others.
"""

from __future__ import annotations

import csv
import io
import itertools
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.models import Role
from app.org.models import Team
from app.reports.item_report import complete_cells
from app.reports.queries import snapshot_of
from app.reports.reliability import WITHHELD, ReleaseReliability, reason_text
from app.reports.snapshot import Snapshot
from app.surveys.models import Survey
from tests.conftest import AuthActions
from tests.reports.answering import release
from tests.reports.test_item_report import LED, TEAMS, fill, report_of
from tests.reports.test_reliability_page import _tables

GUARDED = ("empathic_attunement", "accountability")  # each holds one item about the leader
OPEN = "authenticity"  # asked of everybody
WHY = "not asked its items about the leader"


@pytest.fixture
def hr(auth: AuthActions, make_user: Any) -> Any:
    user = make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    return user


@pytest.fixture
def published(db_session: Any, bundled_version: Any) -> tuple[Survey, Snapshot]:
    # nobody prefers not to answer: every person asked has a complete case, so a complete
    # count would equal the number asked exactly
    survey = fill(db_session, not_asked_of_managers=LED, pna=0.0, teams={**TEAMS, "Sales": 8})
    return survey, snapshot_of(release(survey))


def teams_by_path(db_session: Any) -> dict[str, int]:
    return {t.path: t.id for t in db_session.scalars(select(Team))}


def stored_reliability(snapshot: Snapshot) -> ReleaseReliability:
    stored = snapshot.scales()
    assert stored is not None
    return stored


def test_the_rule_is_the_asked_counts_rule(
    db_session: Any, published: tuple[Survey, Snapshot]
) -> None:
    _survey, snapshot = published
    report = snapshot.items_report()
    assert report is not None and report.partial == frozenset(LED)
    guarded = complete_cells(report.dimensions, report.partial, report.asked_shown)
    assert set(guarded) == set(GUARDED)  # the dimensions asked of everybody have no limit
    assert guarded["empathic_attunement"] == report.asked_shown["ea_4"]
    stored = stored_reliability(snapshot)
    assert stored.complete_shown == guarded  # stored with the release, read back
    ops = teams_by_path(db_session)["Ops"]
    assert (ops, None) not in report.asked_shown["ea_4"]
    assert (None, None) in report.asked_shown["ea_4"]
    # nothing computed on complete cases is stored where the count asked is hidden
    for (cell, key), found in stored.cells.items():
        assert key not in guarded or cell in guarded[key], (cell, key, found.n)
    for (cell, key), _analysis in report.cells.items():
        assert key not in guarded or cell in guarded[key], (cell, key)
    for level, key in stored.agreement:
        assert key not in guarded or (None, level) in guarded[key]


def test_the_reliability_page_hides_the_count_where_the_number_asked_is_hidden(
    client: FlaskClient, db_session: Any, hr: Any, published: tuple[Survey, Snapshot]
) -> None:
    survey, _snapshot = published
    teams = teams_by_path(db_session)
    base = f"/reports/surveys/{survey.id}/reliability"
    labels = {"empathic_attunement": "Empathic attunement", "accountability": "Accountability"}
    # Ops (66 people, 43 asked): a score shown, the number asked hidden
    rows = {row[0]: row for row in _tables(client.get(f"{base}?team={teams['Ops']}").text)[0]}
    for key in GUARDED:
        row = rows[labels[key]]
        assert WHY in row[1] and "fewer than 5*" in row[1], row
        assert "43" not in row
    assert rows["Authenticity"][3] == "66"  # asked of everybody: still counted
    # the organisation: the number asked (48) is shown, and so is the complete count
    rows = {row[0]: row for row in _tables(client.get(base).text)[0]}
    assert rows["Empathic attunement"][3] == "48" and rows["Authenticity"][3] == "74"
    # the export says the same
    text = client.get(f"{base}/export.csv?team={teams['Ops']}").text
    found = list(csv.reader(io.StringIO(text)))
    header = next(r for r in found if r and r[0] == "dimension")
    by_label = {r[0]: r for r in found if len(r) == len(header) and r[1] == ""}
    for key in GUARDED:
        row = by_label[labels[key]]
        assert row[header.index("n")] == "" and row[header.index("alpha")] == ""
        assert WHY in row[-1]
    assert by_label["Authenticity"][header.index("n")] == "66"
    assert not [r for r in found if len(r) == len(header) and r[1] in ("ea_1", "ac_1")]


def test_the_item_report_hides_the_count_where_the_number_asked_is_hidden(
    client: FlaskClient, db_session: Any, hr: Any, published: tuple[Survey, Snapshot]
) -> None:
    survey, snapshot = published
    teams = teams_by_path(db_session)
    report = snapshot.items_report()
    assert report is not None
    publication = snapshot.publication()
    levels = [None, *publication.levels]
    checked = 0
    for team, level in itertools.product([None, *teams.values()], levels):
        if not publication.responded(team, level).shown:
            continue
        hidden_here = (team, level) not in report.asked_shown["ea_4"]
        for table in report_of(db_session, survey, team, level):
            if table.key in GUARDED and hidden_here:
                checked += 1
                assert table.n is None and table.alpha is None
                assert table.note is not None and WHY in table.note
                assert all(r.item_rest is None and r.alpha_if_deleted is None for r in table.rows)
            elif table.key == OPEN and publication.responded(team, level).n >= 30:
                assert table.n == publication.responded(team, level).n
    assert checked  # Ops shows its scores and hides the number asked
    page = client.get(f"/reports/surveys/{survey.id}/item-report?team={teams['Ops']}").text
    assert WHY in page and "from 66 people who answered every item" in page
    assert "from 43 people" not in page
    text = client.get(
        f"/reports/surveys/{survey.id}/item-report/export.csv?team={teams['Ops']}"
    ).text
    found = list(csv.reader(io.StringIO(text)))
    header = next(r for r in found if r and r[0] == "dimension")
    complete = {r[1]: r[header.index("complete_answers")] for r in found if len(r) == len(header)}
    assert complete["ea_1"] == "" and complete["ac_1"] == ""
    assert complete["au_1"] == "66"


def test_no_shown_difference_is_the_hidden_count_of_managers(
    db_session: Any, published: tuple[Survey, Snapshot]
) -> None:
    """Every count of people the release shows about any cell (responses, answers, people
    asked, complete answers on both pages): no difference of two of them is a hidden count
    below k (Sales' 3 managers), nor a hidden count the response counts alone do not give."""
    survey, snapshot = published
    teams = teams_by_path(db_session)
    publication = snapshot.publication()
    stored = stored_reliability(snapshot)
    k = publication.k
    counts: set[int] = set()  # response counts
    shown: set[int] = set()  # every other count of people
    hidden: set[int] = set()
    for team, level in itertools.product([None, *teams.values()], [None, *publication.levels]):
        responded = publication.responded(team, level)
        if responded.shown:
            assert responded.n is not None
            counts.add(responded.n)
        else:
            members = publication.cells.get(publication.view(team, level).cell, frozenset())
            n = sum(snapshot.aggregates.responses.get((t, lv), 0) for t, lv, _ in members)
            if n:
                hidden.add(n)
        view = publication.view(team, level)
        for key in stored.items:
            found = stored.of((team, level), key, shown=view.dimensions[key].shown, k=k)
            if found.alpha is not None:
                shown.add(found.alpha.n)
        for table in report_of(db_session, survey, team, level):
            if table.n is not None:
                shown.add(table.n)
            for row in table.rows:
                if row.answers is not None:
                    shown.add(row.answers.answered)
                    if row.pna_share is not None:
                        shown |= {row.answers.asked, row.answers.pna}
    under_k = {n for n in hidden if n < k}
    assert 3 in under_k  # Sales' managers

    def differences(numbers: set[int]) -> set[int]:
        return {abs(a - b) for a, b in itertools.combinations(numbers, 2)}

    before = differences(counts)
    assert not (differences(counts | shown) & under_k)
    assert not ((differences(counts | shown) - before) & hidden)
    # the attack had something to find: Ops' complete answers on empathic attunement (its
    # 43 people asked) would give Ops/North's 40 a difference of 3, and the organisation's
    # 48 asked, Sales' 5 asked (8 responses less its 3 managers)
    ops = publication.cells[publication.view(teams["Ops"], None).cell]
    sums = snapshot.aggregates.items
    ops_asked = sum(sum(sums.get((t, lv), {}).get("ea_4", {}).values()) for t, lv, _ in ops)
    assert ops_asked == 43
    assert (differences(counts | shown | {ops_asked}) - before) & hidden


def test_a_stored_reason_reads_in_spanish(app: Any) -> None:
    reason = WITHHELD.format(k=5)
    with app.test_request_context(headers={"Accept-Language": "es"}):
        translated = reason_text(reason)
    assert translated.startswith("menos de 5*: no se muestra")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert reason_text(reason) == reason
