"""What people answered and what counts as favourable, through the real pages: items show
raw answers under their raw statement (reverse-keyed items included), and "% favourable"
means one thing everywhere (answers at the desirable end of the keyed value)."""

from __future__ import annotations

import datetime as dt
import hashlib
import html as html_lib
import json
import re
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from app.auth.models import Role
from app.instruments.document import InstrumentDocument
from app.instruments.models import InstrumentVersion
from app.instruments.queries import document_of
from app.org.models import Team
from app.reports.models import Release
from app.reports.publication import (
    CellKey,
    FavourableShare,
    ItemKeying,
    ItemPublication,
    Publication,
    ScoreSums,
    favourable_shares,
)
from app.reports.queries import snapshot_of
from app.reports.snapshot_format import MAGIC, decode, read_sections
from app.surveys.models import Invitation
from app.surveys.services import create_survey, import_participants, open_survey
from app.taking.services import BatchSubmission, store_responses
from tests.conftest import AuthActions
from tests.reports.answering import release

Answers = Callable[[InstrumentDocument, int], Mapping[str, int | None]]
ItemCounts = dict[tuple[int, int], dict[str, dict[int | None, int]]]


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
    """The tables' rows of a page, by their heading cell (text only, unescaped)."""
    rows: dict[str, list[str]] = {}
    for heading, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', page, re.S):
        rows[html_lib.unescape(heading)] = [
            html_lib.unescape(re.sub(r"<[^>]+>", "", c))
            for c in re.findall(r"<td>(.*?)</td>", cells, re.S)
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


# --- percent favourable from the items' answer counts (pure) --------------------------------

# Department 10 with teams 1 and 2, one level. Family "m" has dimension "d" with items "a"
# (favourable agree: 4, 5) and "r" (reverse-worded: favourable disagree, 1, 2).
TREE: dict[int, int | None] = {10: None, 1: 10, 2: 10}
KEYING = {
    "a": ItemKeying(("d", "m"), frozenset({4, 5})),
    "r": ItemKeying(("d", "m"), frozenset({1, 2})),
}


def _shares(
    responses: Mapping[tuple[int, int], int],
    items: Mapping[tuple[int, int], Mapping[str, Mapping[int | None, int]]],
) -> tuple[Publication, ItemPublication, dict[str, dict[CellKey, FavourableShare]]]:
    sums = {atom: {"m": ScoreSums(n, 3.0 * n, 9.0 * n + 1, 0)} for atom, n in responses.items()}
    dims = {atom: {"d": ScoreSums(n, 3.0 * n, 9.0 * n + 1, 0)} for atom, n in responses.items()}
    publication = Publication(
        TREE, responses, sums, dims, k=5, family_keys=["m"], dimension_keys=["d"]
    )
    published = ItemPublication(publication, items, ["a", "r"])
    return publication, published, favourable_shares(publication, published, KEYING)


def test_percent_favourable_counts_answers_at_the_keyed_favourable_end() -> None:
    items: ItemCounts = {
        (1, 1): {"a": {5: 4, 1: 2}, "r": {1: 5, 5: 1}},  # 4 + 5 favourable of 12
        (2, 1): {"a": {4: 3, 3: 3}, "r": {2: 6}},  # 3 + 6 of 12
    }
    _, _, shares = _shares({(1, 1): 6, (2, 1): 6}, items)
    assert shares["m"][(1, None)] == FavourableShare(9, 12)
    assert shares["d"][(2, None)] == FavourableShare(9, 12)
    assert shares["m"][(None, None)] == FavourableShare(18, 24)
    assert shares["m"][(None, None)].estimate == pytest.approx(0.75)


def test_no_percent_favourable_where_an_item_is_withheld() -> None:
    """Team 2's six people answer "r", only three of them "a" (the rest prefer not to):
    "a" is hidden for team 2 (and for the department, which would give it away), so
    neither shows a percent favourable, whose answer count would tell "a"'s count."""
    items: ItemCounts = {
        (1, 1): {"a": {5: 6}, "r": {1: 6}},
        (2, 1): {"a": {5: 3, None: 3}, "r": {1: 6}},
    }
    publication, published, shares = _shares({(1, 1): 6, (2, 1): 6}, items)
    assert publication.measure_shown(2, None, "m")
    assert not published.shown_in("a", 2, None)
    assert (2, None) not in shares["m"]
    for key, cells in shares.items():
        for (team, level), share in cells.items():
            assert publication.measure_shown(team, level, key)
            shown = [published.distribution(item, team, level) for item in KEYING]
            assert all(d is not None for d in shown)  # every item's count is shown ...
            assert share.answers == sum(sum(d.values()) for d in shown if d)  # ... and adds up


def test_an_item_nobody_answered_withholds_its_family_share() -> None:
    """Everybody prefers not to answer "a": its count (0) is hidden like any small count,
    so no cell shows a percent favourable of "d" or "m" (the answers would show the 0)."""
    items: ItemCounts = {
        (1, 1): {"a": {None: 6}, "r": {1: 6}},
        (2, 1): {"a": {None: 6}, "r": {2: 6}},
    }
    publication, published, shares = _shares({(1, 1): 6, (2, 1): 6}, items)
    assert publication.measure_shown(None, None, "m")
    assert published.distribution("a") is None
    assert shares == {}
    with pytest.raises(ValueError, match="answers"):
        FavourableShare(0, 0)


# --- one meaning of "% favorable" on every page -------------------------------------------


def _agree_with_everything(document: InstrumentDocument, _i: int) -> Mapping[str, int | None]:
    """Everyone answers "agree" (4) to every statement: the reverse-worded mutuality items
    (au_4, me_4) are then unfavourable, and each person's mutuality index is 3.8, below the
    favourable band (>= 4) that the overview used to count people in."""
    return {item.key: 4 for item in document.scored_items}


def _family_items(document: InstrumentDocument, family: str) -> list[str]:
    return [
        item.key
        for item in document.scored_items
        if item.dimension and document.dimension(item.dimension).family == family
    ]


def test_percent_favourable_means_answers_on_the_overview_items_and_export(
    client: FlaskClient, hr: Any, db_session: Any, bundled_version: InstrumentVersion
) -> None:
    wave = _wave(db_session, bundled_version, {"Ops": (6, _agree_with_everything)})
    base = f"/reports/surveys/{wave.id}"
    items_page = client.get(f"{base}/items").get_data(as_text=True)
    mutuality = _family_items(wave.document, "mutuality")
    favourable = answers = 0
    for key in mutuality:
        row = _item_row(wave, items_page, key)
        answers += int(row["Answers"])
        favourable += round(int(row["Favourable"].rstrip("%")) * int(row["Answers"]) / 100)
    assert answers == 6 * len(mutuality)
    assert favourable == 6 * (len(mutuality) - 2)  # all but au_4 and me_4
    expected = f"{100 * favourable / answers:.0f}%"
    overview = client.get(f"{base}/").get_data(as_text=True)
    cells = _table_rows(overview)
    (heading,) = [h for h in cells if h.startswith("Mutuality")]
    mean, _interval, share = cells[heading]
    assert mean == "3.80"
    assert share == f"{expected} of {answers} answers"  # before: 0% (people with index >= 4)
    assert "% favorable answers" in overview
    assert "It counts answers, not people." in overview
    assert "agree for mutuality and outcomes, disagree for power-over" in overview
    export = client.get(f"{base}/export.csv").get_data(as_text=True).splitlines()
    columns = export[0].split(",")
    (org_row,) = [
        dict(zip(columns, line.split(","), strict=False))
        for line in export
        if line.startswith("(whole organisation),Mutuality,")
    ]
    assert org_row["favourable_answers"] == str(answers)
    assert float(org_row["favourable_pct"]) == pytest.approx(100 * favourable / answers, abs=0.05)
    team = client.get(f"{base}/teams/{wave.teams['Ops']}").get_data(as_text=True)
    (heading,) = [h for h in _table_rows(team) if h.startswith("Mutuality")]
    assert _table_rows(team)[heading][2] == f"{expected} of {answers} answers"


def test_a_release_stored_without_percent_favourable_computes_it_when_read(
    db_session: Any, bundled_version: InstrumentVersion
) -> None:
    wave = _wave(db_session, bundled_version, {"Ops": (6, _agree_with_everything)})
    stored = db_session.scalars(select(Release).where(Release.survey_id == wave.id)).one()
    sections = read_sections(stored.snapshot)
    assert "favourable" in sections["core"]
    current = snapshot_of(stored).publication().view().families["mutuality"].favorable
    assert current is not None
    del sections["core"]["favourable"]
    # The sectioned format as stored before this field, and the single document before it.
    older = _sectioned(sections)
    document = {
        **sections["core"],
        "format": 1,
        "items": sections["items"]["counts"],
        "shown": {**sections["core"]["shown"], "items": sections["items"]["shown"]},
        "comments": {},
    }
    oldest = zlib.compress(json.dumps(document).encode())
    for blob in (older, oldest):
        assert decode(blob).favourable is None
        transient = Release(
            survey_id=wave.id, digest=hashlib.sha256(blob).hexdigest(), snapshot=blob
        )
        read = snapshot_of(transient).publication().view().families["mutuality"].favorable
        assert read == current


def _sectioned(sections: Mapping[str, Any]) -> bytes:
    packed = {name: zlib.compress(json.dumps(value).encode()) for name, value in sections.items()}
    header = json.dumps({"sections": [[name, len(p)] for name, p in packed.items()]}).encode()
    return b"".join([MAGIC, len(header).to_bytes(4, "big"), header, *packed.values()])


def test_a_withheld_item_withholds_its_familys_share_on_the_overview(
    client: FlaskClient, hr: Any, db_session: Any, bundled_version: InstrumentVersion
) -> None:
    """Five people; one prefers not to answer zw_1, whose count (4) is then hidden: the
    outcomes index still shows its mean, but not its percent favourable (its 24 answers
    would give zw_1's count away). Mutuality keeps its share."""

    def answers(document: InstrumentDocument, i: int) -> Mapping[str, int | None]:
        values: dict[str, int | None] = dict(_agree_with_everything(document, i))
        if i == 0:
            values["zw_1"] = None
        return values

    wave = _wave(db_session, bundled_version, {"Ops": (5, answers)})
    base = f"/reports/surveys/{wave.id}"
    items_page = client.get(f"{base}/items").get_data(as_text=True)
    assert _item_row(wave, items_page, "zw_1")["Answers"] == "fewer than 5*"
    rows = _table_rows(client.get(f"{base}/").get_data(as_text=True))
    (outcomes,) = [v for h, v in rows.items() if h.startswith("Relational outcomes")]
    (mutuality,) = [v for h, v in rows.items() if h.startswith("Mutuality")]
    assert re.fullmatch(r"\d\.\d\d", outcomes[0])
    assert outcomes[2] == "not shown (an item is withheld here)"
    assert mutuality[2].endswith(f"of {5 * len(_family_items(wave.document, 'mutuality'))} answers")


def test_everybody_preferring_not_to_answer_shows_no_number(
    client: FlaskClient, hr: Any, db_session: Any, bundled_version: InstrumentVersion
) -> None:
    wave = _wave(db_session, bundled_version, {"Ops": (6, _everyone(None))})
    base = f"/reports/surveys/{wave.id}"
    for url in ("/", "/items", f"/teams/{wave.teams['Ops']}"):
        page = client.get(base + url)
        assert page.status_code == 200, url
        assert "answers</span>" not in page.get_data(as_text=True)
    items_page = client.get(f"{base}/items").get_data(as_text=True)
    assert _item_row(wave, items_page, "zw_4")["Answers"] == "fewer than 5*"
    assert "0 items shown" in items_page


@given(
    st.dictionaries(
        st.tuples(st.sampled_from([1, 2]), st.sampled_from([1, 2])),
        st.fixed_dictionaries(
            {
                "a": st.dictionaries(st.sampled_from([1, 2, 3, 4, 5, None]), st.integers(1, 9)),
                "r": st.dictionaries(st.sampled_from([1, 2, 3, 4, 5, None]), st.integers(1, 9)),
            }
        ),
        min_size=1,
    )
)
def test_item_distributions_roll_up_to_the_sum_of_their_atoms(items: ItemCounts) -> None:
    # The rollup is one sparse product for every cell; each shown cell must read exactly
    # the sum of its atoms' answers per scale value ("prefer not to answer" left out).
    responses = dict.fromkeys(items, 9)
    publication, published, _ = _shares(responses, items)
    for cell, members in publication.cells.items():
        for key in ("a", "r"):
            found = published.distribution(key, cell.team, cell.level)
            if not published.shown_in(key, cell.team, cell.level):
                assert found is None
                continue
            expected: dict[int, int] = {}
            for team, level, _wave in members:
                for value, n in items.get((team, level), {}).get(key, {}).items():
                    if value is not None:
                        expected[value] = expected.get(value, 0) + n
            assert found == expected
