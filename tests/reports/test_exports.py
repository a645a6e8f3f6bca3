"""Exports per page (issue 13): each report page exports what it shows, under the same
disclosure, as a typed table; numbers stay numbers, markers have their own column, and no
cell ever becomes a formula in CSV or XLSX."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.instruments.models import InstrumentVersion
from app.org.models import Team
from app.reports.page_exports import EXPORTERS
from app.reports.registry import REPORT_PAGES
from app.reports.tables import Column, Table
from app.surveys.services import create_survey, import_participants, open_survey
from tests.conftest import AuthActions
from tests.reports import test_change, test_pages
from tests.reports.answering import answer, release
from tests.reports.test_pages import HOSTILE_TEAM, ReportSurvey

report_survey = test_pages.report_survey
hr = test_pages.hr
HIDDEN = "fewer than 5*"


# --- reading the exports --------------------------------------------------------------


def _csv(client: FlaskClient, url: str) -> tuple[list[dict[str, str]], list[list[str]]]:
    """The data rows by column name, and the legend's rows (after the empty line)."""
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.is_streamed
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    end = lines.index([])
    header = lines[0]
    return [dict(zip(header, line, strict=True)) for line in lines[1:end]], lines[end + 1 :]


NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@dataclass(frozen=True)
class Cell:
    kind: str  # the type as stored: "s" (shared string), "inlineStr", "n" (number), ...
    value: str
    formula: bool


def _column_index(ref: str) -> int:
    index = 0
    for letter in re.match(r"[A-Z]+", ref)[0]:  # type: ignore[index]
        index = index * 26 + ord(letter) - 64
    return index - 1


def _xml(data: bytes | str) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314 (our own export, written by XlsxWriter)


def _workbook(data: bytes) -> dict[str, tuple[str, list[list[Cell | None]]]]:
    """Each sheet's XML and cells (typed as stored), read with zipfile as a spreadsheet
    would (openpyxl is not a dependency)."""
    sheets = {}
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in book.namelist():
            root = _xml(book.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root]
        rels = _xml(book.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        for sheet in _xml(book.read("xl/workbook.xml")).iterfind("m:sheets/m:sheet", NS):
            xml = book.read(f"xl/{targets[sheet.get(REL)]}").decode()
            rows: list[list[Cell | None]] = []
            for row in _xml(xml).iterfind("m:sheetData/m:row", NS):
                cells: list[Cell | None] = []
                for c in row.iterfind("m:c", NS):
                    at = _column_index(c.get("r", "A1"))
                    cells += [None] * (at + 1 - len(cells))
                    kind, v = c.get("t", "n"), c.find("m:v", NS)
                    text = "".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t"))
                    value = shared[int(v.text or 0)] if kind == "s" and v is not None else text
                    if kind not in ("s", "inlineStr"):
                        value = v.text or "" if v is not None else ""
                    cells[at] = Cell(kind, value, c.find("m:f", NS) is not None)
                rows.append(cells)
            sheets[str(sheet.get("name"))] = (xml, rows)
    return sheets


def _table_rows(page: str) -> list[list[str]]:
    """Every row of the page's tables (row heading first), text only."""
    return [
        [html_lib.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
        for cells in (
            re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)
        )
    ]


def _two(x: str) -> str:
    return f"{float(x):.2f}".replace("-", "\u2212")


# --- every page has an export, and it shows what the page shows -----------------------


def test_every_report_page_has_its_own_export() -> None:
    assert set(EXPORTERS) == {page.key for page in REPORT_PAGES}


def test_overview_export_gives_each_statistic_its_own_n_and_the_verdicts(
    client: FlaskClient, hr: Any, report_survey: ReportSurvey
) -> None:
    base = f"/reports/surveys/{report_survey.id}"
    rows, legend = _csv(client, f"{base}/export.csv")
    page = client.get(f"{base}/").get_data(as_text=True)
    org = [r for r in rows if r["group"] == "(whole organisation)"]
    assert [r["family"] for r in org] == ["Mutuality", "Power-over", "Relational outcomes"]
    for row in org:
        assert row["responses"] == "18" and row["note"] == ""
        assert int(row["n"]) <= 18  # the responses that have this index, not the cell's
        (shown,) = [r for r in _table_rows(page) if r[0].startswith(row["family"] + " ")]
        assert shown[1] == _two(row["mean"])
        assert _two(row["ci_lower"]) in shown[2] and _two(row["ci_upper"]) in shown[2]
        answers = f"{int(row['favourable_answers']):,}"
        assert shown[3] == f"{float(row['favourable_pct']):.0f}% of {answers} answers"
        assert row["verdict"] == ""  # the organisation is not compared with itself
    platform = [r for r in rows if r["group"] == "Engineering/Platform"]
    assert all(r["verdict"] in ("better", "worse", "no clear difference") for r in platform)
    assert all(float(r["q"]) <= 1 for r in platform)
    hostile = [r for r in rows if r["group"] == f"Sales/{HOSTILE_TEAM}"]
    assert hostile and all(r["note"] == HIDDEN for r in hostile)
    numeric = ("responses", "n", "mean", "ci_lower", "ci_upper", "favourable_pct", "q")
    assert all(r[c] == "" for r in hostile for c in numeric)
    assert "3.000" not in str(hostile)  # the small team's mean (all 3s) is nowhere
    terms = {line[0]: line[1] for line in legend}
    # each marker of a hidden cell with its meaning
    assert terms["fewer than 5"] == "fewer than 5 responses."
    assert terms["withheld"].startswith("5 or more responses, withheld")
    assert terms["n"].startswith("integer: ")
    assert "single quote" in terms["csv"]


def test_heatmap_export_has_difference_g_q_and_the_page_s_verdict(
    client: FlaskClient, hr: Any, report_survey: ReportSurvey
) -> None:
    base = f"/reports/surveys/{report_survey.id}"
    rows, _ = _csv(client, f"{base}/heatmap/export.csv")
    page = client.get(f"{base}/heatmap").get_data(as_text=True)
    table = {r[0]: r[1:] for r in _table_rows(page) if r}
    header = next(r for r in _table_rows(page) if r and r[0] == "Team")
    shown = 0
    for row in rows:
        cell = table[row["team"]][header.index(row["dimension"]) - 1]
        if row["note"]:
            assert all(row[c] == "" for c in ("difference", "g", "q", "flagged", "n_team"))
            assert "\u2212" not in cell and not re.search(r"\d\.\d", cell)
            continue
        shown += 1
        assert float(row["difference_lower"]) <= float(row["difference"])
        assert float(row["difference"]) <= float(row["difference_upper"])
        assert int(row["n_team"]) >= 5 and int(row["n_rest"]) >= 5
        assert _two(row["difference"]).lstrip("\u2212") in cell
        assert ("\u2022" in cell) == (row["flagged"] == "yes")
    assert shown > 0
    assert {r["note"] for r in rows if r["team"] == f"Sales/{HOSTILE_TEAM}"} == {HIDDEN}


def test_items_export_gives_raw_answers_and_percent_favourable_as_the_page(
    client: FlaskClient, hr: Any, report_survey: ReportSurvey
) -> None:
    base = f"/reports/surveys/{report_survey.id}"
    platform = report_survey.teams["Engineering/Platform"]
    rows, _ = _csv(client, f"{base}/items/export.csv?team={platform}")
    page = client.get(f"{base}/items?team={platform}").get_data(as_text=True)
    table = {r[0]: r for r in _table_rows(page) if r}
    points = [c for c in rows[0] if c.startswith("answers: ")]
    assert len(points) == 5
    for row in rows:
        (shown,) = [v for k, v in table.items() if k.startswith(row["statement"])]
        assert shown[1] == row["answers"] == str(sum(int(row[p]) for p in points))
        assert shown[-2] == f"{float(row['favourable_pct']):.0f}%"
        assert shown[-1] == row["favourable_end"]
    hostile = report_survey.teams[f"Sales/{HOSTILE_TEAM}"]
    hidden, _ = _csv(client, f"{base}/items/export.csv?team={hostile}")
    assert {r["note"] for r in hidden} == {HIDDEN}
    assert {r["answers"] for r in hidden} == {""}


def test_standpoint_trends_and_reliability_export_their_page(
    client: FlaskClient, hr: Any, report_survey: ReportSurvey
) -> None:
    base = f"/reports/surveys/{report_survey.id}"
    for path, label in (("standpoint", "level"), ("trends", "wave")):
        rows, _ = _csv(client, f"{base}/{path}/export.csv")
        page = client.get(f"{base}/{path}").get_data(as_text=True)
        assert rows and all(r[label] for r in rows)
        for row in rows:
            if row["mean"] and not row[label].startswith("gap"):
                assert _two(row["mean"]) in page
                assert row["note"] == ""
            elif not row[label].startswith("gap"):
                assert row["note"]
    rows, _ = _csv(client, f"{base}/reliability/export.csv")
    dimensions = [r for r in rows if not r["item"]]
    assert len(dimensions) == len({r["dimension"] for r in rows})
    # 18 responses: fewer than the 30 complete answers alpha needs, and it says so
    assert all(r["alpha"] == "" and r["note"] for r in dimensions)


def test_response_rates_export_is_the_page_s_and_for_hr_and_admins_only(
    client: FlaskClient, auth: AuthActions, make_user: Any, report_survey: ReportSurvey
) -> None:
    make_user("hr@example.org", Role.HR)
    make_user("lead@example.org", Role.MANAGER, ["Engineering/Data"])
    auth.login("hr@example.org")
    base = f"/reports/surveys/{report_survey.id}"
    rows, _ = _csv(client, f"{base}/response-rates/export.csv")
    by_team = {r["team"]: r for r in rows}
    assert by_team["(whole organisation)"]["responded"] == "18"
    assert by_team["Engineering/Platform"]["rate_pct"] == "100.0"
    assert by_team[f"Sales/{HOSTILE_TEAM}"]["responded"] == ""
    assert by_team[f"Sales/{HOSTILE_TEAM}"]["note"] == HIDDEN
    auth.logout()
    auth.login("lead@example.org")
    refused = client.get(f"{base}/response-rates/export.csv")
    assert refused.status_code == 403
    assert "Response rates are for HR and admins." in refused.get_data(as_text=True)


def test_comments_export_follows_who_reads_them(
    client: FlaskClient, auth: AuthActions, make_user: Any, report_survey: ReportSurvey
) -> None:
    make_user("hr@example.org", Role.HR)
    make_user("lead@example.org", Role.MANAGER, ["Engineering/Platform"])
    base = f"/reports/surveys/{report_survey.id}"
    platform = report_survey.teams["Engineering/Platform"]
    auth.login("hr@example.org")
    rows, legend = _csv(client, f"{base}/comments/export.csv")
    listed = [r for r in rows if r["comment"]]
    assert len(listed) == 9 and {r["comments"] for r in listed} == {"9"}
    assert listed[0]["comment"] == test_pages.HOSTILE_COMMENT  # word for word
    assert any(line[0] == "k_comments" for line in legend)
    auth.logout()
    auth.login("lead@example.org")
    organisation = client.get(f"{base}/comments/export.csv")
    assert organisation.status_code == 403
    assert "own teams only" in organisation.get_data(as_text=True)
    own, _ = _csv(client, f"{base}/comments/export.csv?team={platform}")
    assert len([r for r in own if r["comment"]]) == 9
    data = report_survey.teams["Engineering/Data"]
    assert client.get(f"{base}/comments/export.csv?team={data}").status_code == 403


# --- bad input: 403 or 404 with a clear message, never 500 ----------------------------


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/no-such-page/export.csv", 404, "There is no such report page to export."),
        ("/heatmap/export.pdf", 404, "Exports are available as .csv and .xlsx."),
        ("/export.json", 404, "Exports are available as .csv and .xlsx."),
        ("/items/export.xlsx?release=99", 404, "has no release 99"),
        ("/teams/export.csv", 404, "There is no such report page to export."),
    ],
)
def test_bad_export_requests_are_refused_with_a_reason(
    client: FlaskClient, hr: Any, report_survey: ReportSurvey, url: str, status: int, message: str
) -> None:
    response = client.get(f"/reports/surveys/{report_survey.id}{url}")
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_a_filter_outside_the_manager_s_scope_is_forbidden(
    client: FlaskClient, auth: AuthActions, make_user: Any, report_survey: ReportSurvey
) -> None:
    make_user("lead@example.org", Role.MANAGER, ["Engineering/Data"])
    auth.login("lead@example.org")
    base = f"/reports/surveys/{report_survey.id}"
    platform = report_survey.teams["Engineering/Platform"]
    for path in ("", "/heatmap", "/items", "/standpoint", "/reliability"):
        response = client.get(f"{base}{path}/export.xlsx?team={platform}")
        assert response.status_code == 403, path
        assert "outside the teams you can see" in response.get_data(as_text=True)
    rows, _ = _csv(client, f"{base}/heatmap/export.csv")
    assert {r["team"] for r in rows} == {"Engineering/Data"}  # the manager's scope only


def test_each_page_links_to_its_own_export_with_its_filters(
    client: FlaskClient, hr: Any, report_survey: ReportSurvey, db_session: Any
) -> None:
    base = f"/reports/surveys/{report_survey.id}"
    platform = report_survey.teams["Engineering/Platform"]
    page = client.get(f"{base}/heatmap?team={platform}&level=1").get_data(as_text=True)
    assert f'href="{base}/heatmap/export.csv?team={platform}&amp;level=1"' in page
    team_page = client.get(f"{base}/teams/{platform}").get_data(as_text=True)
    assert f'href="{base}/export.xlsx?team={platform}"' in team_page
    client.get(f"{base}/heatmap/export.xlsx?team={platform}")
    event = db_session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "report.export"
    assert (event.detail["page"], event.detail["format"], event.detail["team"]) == (
        "heatmap",
        "xlsx",
        platform,
    )


# --- no cell ever becomes a formula -----------------------------------------------------

FORMULA_TEAMS = ('=HYPERLINK("evil.example","click")', "+1", "@SUM(A1)", "-2+3")


@pytest.fixture
def formula_survey(db_session: Any, bundled_version: InstrumentVersion) -> int:
    survey = create_survey(
        instrument_key="relational-climate", title="=1+1 wave", k_scores=5, k_comments=3
    )
    lines = ["email,team,level"]
    emails: dict[str, int] = {}
    for t, team in enumerate(FORMULA_TEAMS):
        quoted = '"' + team.replace('"', '""') + '"'
        for i in range(6):
            emails[f"p{t}-{i}@example.org"] = 1 + (t + i) % 5
            lines.append(f"p{t}-{i}@example.org,{quoted},manager")
    import_participants(survey.id, "\n".join(lines) + "\n")
    open_survey(survey.id)
    hostile = {"change_together": "=cmd|' /C calc'!A0"}
    answer(survey, emails, {f"p{t}-0@example.org": hostile for t in range(3)})
    db_session.commit()
    release(survey)
    assert {t.path for t in db_session.scalars(select(Team))} >= set(FORMULA_TEAMS)
    return survey.id


def test_formula_like_text_stays_inert_in_csv(
    client: FlaskClient, hr: Any, formula_survey: int
) -> None:
    base = f"/reports/surveys/{formula_survey}"
    rows, legend = _csv(client, f"{base}/export.csv")
    groups = {r["group"] for r in rows}
    assert groups >= {"'" + team for team in FORMULA_TEAMS}
    assert not any(g.startswith(("=", "+", "-", "@")) for g in groups)
    assert ["survey", "'=1+1 wave"] in [line[:2] for line in legend]
    # Numbers are written as numbers, a negative one without a quote.
    heat, _ = _csv(client, f"{base}/heatmap/export.csv")
    assert any(r["difference"].startswith("-") for r in heat)
    assert all(isinstance(float(r["difference"]), float) for r in heat if r["difference"])


def test_formula_like_text_stays_a_string_in_xlsx(
    client: FlaskClient, hr: Any, formula_survey: int
) -> None:
    base = f"/reports/surveys/{formula_survey}"
    for path in ("", "/heatmap", "/items", "/comments"):
        response = client.get(f"{base}{path}/export.xlsx")
        assert response.status_code == 200
        sheets = _workbook(response.get_data())
        assert list(sheets)[-1] == "Legend"
        xml, rows = next(iter(sheets.values()))
        assert '<pane ySplit="1"' in xml and "<autoFilter" in xml and "<cols>" in xml
        cells = [c for row in rows for c in row if c is not None]
        assert not any(c.formula for c in cells)
        assert "<f>" not in xml
        header = [c.value for c in rows[0] if c is not None]
        types: dict[object, set[str]] = {name: set() for name in header}
        for row in rows[1:]:
            for name, c in zip(header, row, strict=False):
                if c is not None:
                    types[name].add(c.kind)
        for name, kinds in types.items():
            assert len(kinds) <= 1, (path, name, kinds)  # never numbers mixed with text
        if path == "":
            assert types["mean"] == {"n"} and types["group"] <= {"s", "inlineStr"}
            groups = {row[0].value for row in rows[1:] if row and row[0] is not None}
            assert groups >= set(FORMULA_TEAMS)  # as written, and text
        if path == "/comments":
            assert "=cmd|' /C calc'!A0" in {c.value for c in cells}
        legend = sheets["Legend"][1]
        assert ["survey", "=1+1 wave"] in [[c.value for c in row[:2] if c] for row in legend]


# --- the writers, on a table of every type ----------------------------------------------


def test_writers_refuse_a_number_as_text_and_keep_types() -> None:
    from app.reports import exports

    columns = (
        Column("name", "text", "a name"),
        Column("count", "integer", "a count"),
        Column("share", "percent", "a share", decimals=1),
    )
    good = Table("T", "T", columns, [("@x", 3, 12.34), ("y", None, None)])
    text = "".join(exports.csv_chunks(good, [("k", "5")]))
    assert text.splitlines()[:3] == ["name,count,share", "'@x,3,12.3", "y,,"]
    sheets = _workbook(b"".join(exports.xlsx_chunks(good, [("k", "5")])))
    row = sheets["T"][1][1]
    assert row[0] is not None and row[0].value == "@x" and row[0].kind in ("s", "inlineStr")
    assert row[2] is not None and row[2].kind == "n" and float(row[2].value) == pytest.approx(0.123)
    bad = Table("T", "T", columns, [("x", "3", None)])
    with pytest.raises(TypeError, match="count"):
        "".join(exports.csv_chunks(bad, []))


# --- change since the last wave and trends, as the overview, team and trends pages ------

waves = test_change.waves


def test_overview_and_trends_exports_carry_the_change_and_the_waves(
    client: FlaskClient, hr: Any, waves: test_change.Waves
) -> None:
    base = f"/reports/surveys/{waves.second.id}"
    alpha = waves.teams["Eng/Alpha"]
    page = client.get(f"{base}/teams/{alpha}").get_data(as_text=True)
    rows, _ = _csv(client, f"{base}/export.csv?team={alpha}")
    focus = [r for r in rows if r["group"] == "Eng/Alpha" and r["change_since"]]
    # The team view's indices come first, then its dimensions (the export is the overview's).
    cells = test_change.change_cells(page)[: len(focus)]
    assert len(focus) == len(cells) > 0
    for row, cell in zip(focus, cells, strict=True):
        assert row["change_since"] == "Wave one (2026-03-01)"
        assert cell.startswith(f"{float(row['change']):+.2f}")
        assert f"({float(row['change_lower']):+.2f} to {float(row['change_upper']):+.2f})" in cell
    north = waves.teams["Ops/North"]
    hidden, _ = _csv(client, f"{base}/export.csv?team={north}")
    assert {r["change_note"] for r in hidden if r["group"] == "Ops/North"} == {
        "not shown in this release"
    }
    assert {r["change"] for r in hidden} == {""}
    trend, _ = _csv(client, f"{base}/trends/export.csv?team={alpha}")
    assert {r["wave"] for r in trend} == {"Wave one (2026-03-01)", "Wave two (2027-03-01)"}
    assert all(r["mean"] and r["n"] == "6" for r in trend)
