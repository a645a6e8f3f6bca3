"""An instrument's status where admins pick and read instruments, the diff page's reasons
and comparability for version 1 -> version 2, and the rule trends follow across them."""

from __future__ import annotations

import html as html_lib
import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.models import Role
from app.instruments.diff import diff_versions, dimension_comparability, family_comparability
from app.instruments.document import InstrumentDocument
from app.instruments.models import InstrumentVersion
from app.instruments.services import publish_instrument_version
from app.instruments.validation import validate_instrument_data
from app.reports.registry import score_comparability
from app.surveys.models import Survey
from tests.conftest import BUNDLED_INSTRUMENT, BUNDLED_INSTRUMENT_V2, AuthActions, csrf_token_from
from tests.instruments.versions import (
    LEADER_ITEM,
    REASONS,
    REMOVED,
    RENAMED,
    REWORDED,
    v1_data,
    v2_data,
)

BASE = "/admin/instruments"
ADMIN = "admin@example.org"
REPORT = {
    "date": "2027-03-01",
    "sample": "812 respondents in 9 organisations.",
    "factor_structure": "Thirteen correlated factors held.",
    "invariance_levels": "Scalar invariance across the three levels.",
    "invariance_languages": "Metric invariance between English and Spanish.",
    "reliability": "Omega from .78 to .89.",
    "url": "https://example.org/validation",
}


@pytest.fixture
def admin(auth: AuthActions, make_user: Any, bundled_version: InstrumentVersion) -> Any:
    user = make_user(ADMIN, Role.ADMIN)
    assert auth.login(ADMIN).status_code == 302
    return user


def publish(db_session: Any, data: dict[str, Any]) -> InstrumentVersion:
    assert validate_instrument_data(data).ok
    version = publish_instrument_version(data).version
    db_session.commit()
    return version


def text(response: Any) -> str:
    assert response.status_code == 200
    return html_lib.unescape(response.get_data(as_text=True))


def parsed(data: dict[str, Any]) -> InstrumentDocument:
    result = validate_instrument_data(data)
    assert result.document is not None, [str(e) for e in result.errors]
    return result.document


# --- status ---------------------------------------------------------------------------------


def test_the_list_and_the_versions_show_the_status(
    client: FlaskClient, admin: Any, db_session: Any
) -> None:
    listing = text(client.get(f"{BASE}/"))
    assert '<span class="badge status-draft">draft</span>' in listing
    publish(db_session, v2_data("pilot"))
    listing = text(client.get(f"{BASE}/"))  # the newest version's status
    assert '<span class="badge status-pilot">pilot</span>' in listing
    assert "status-draft" not in listing
    assert "a pilot is being tried out" in listing
    versions = text(client.get(f"{BASE}/relational-climate/versions"))
    assert versions.count("status-pilot") == 1 and versions.count("status-draft") == 1


def test_the_version_page_says_what_draft_and_pilot_mean(
    client: FlaskClient, admin: Any, db_session: Any
) -> None:
    draft = text(client.get(f"{BASE}/relational-climate/versions/1"))
    assert "The items are still being written and have not been tried out" in draft
    assert "Validation report" not in draft
    publish(db_session, v2_data("pilot", varieties={"en": "International English", "es": "es-419"}))
    pilot = text(client.get(f"{BASE}/relational-climate/versions/2"))
    assert "results are for testing the items, not for decisions" in pilot
    assert "es-419" in pilot  # the target varieties
    row = re.search(rf"<li><code>{LEADER_ITEM}</code>(.*?)</li>", pilot, re.S)
    assert row and "about the leader" in row.group(1)
    assert "asked only of those the leader leads" in row.group(1)


def test_a_validated_version_shows_its_report_sections(
    client: FlaskClient, admin: Any, db_session: Any
) -> None:
    publish(
        db_session,
        v2_data(
            "validated",
            validation_report=REPORT,
            definitions={"mutuality": "Mutuality is growth in connection, both ways."},
        ),
    )
    page = text(client.get(f"{BASE}/relational-climate/versions/2"))
    assert "A validation study supports the scores" in page
    section = page[page.index("Validation report") :]
    for label in (
        "Sample",
        "Factor structure",
        "Invariance across levels",
        "Invariance across languages",
        "Reliability",
    ):
        assert f"<dt>{label}</dt>" in section
    for value in REPORT.values():
        assert value in section
    assert f'<a href="{REPORT["url"]}" rel="noopener noreferrer">' in section
    assert "Mutuality is growth in connection, both ways." in page  # the family's definition


def test_the_survey_form_shows_the_status_and_a_draft_warns(
    client: FlaskClient, admin: Any, db_session: Any
) -> None:
    pilot = publish(db_session, v2_data("pilot"))
    page = text(client.get("/admin/surveys/new"))
    assert re.search(r"version 1, draft, published", page)
    assert re.search(r"version 2, pilot, published", page)
    assert "A draft version is still being written" in page  # before choosing
    draft = db_session.scalars(select(InstrumentVersion).where(InstrumentVersion.version == 1))
    warned = _create(client, page, draft.one().id, "On the draft")
    assert "Its instrument version is a draft" in warned
    quiet = _create(client, text(client.get("/admin/surveys/new")), pilot.id, "On the pilot")
    assert "Its instrument version is a draft" not in quiet
    assert db_session.scalars(select(Survey.title).order_by(Survey.id)).all() == [
        "On the draft",
        "On the pilot",
    ]


def _create(client: FlaskClient, page: str, version_id: int, title: str) -> str:
    data = {
        "csrf_token": csrf_token_from(page),
        "version_id": str(version_id),
        "title": title,
        "teams": "Sales",
        "levels": "ic = Individual contributor\nlead = Team lead",
        "k_scores": "5",
        "k_comments": "10",
    }
    created = client.post("/admin/surveys/new", data=data, follow_redirects=True)
    return text(created)


# --- the diff page --------------------------------------------------------------------------


def test_the_diff_page_gives_each_change_its_reason(
    client: FlaskClient, admin: Any, db_session: Any
) -> None:
    publish(db_session, v2_data())
    page = text(client.get(f"{BASE}/relational-climate/diff?from=1&to=2"))
    assert "Each change shows the reason version 2 gives for it." in page
    added = page[page.index("Added (1)") : page.index("Removed (1)")]
    assert LEADER_ITEM in added and REASONS[LEADER_ITEM] in added
    removed = page[page.index("Removed (1)") : page.index("Reworded (1)")]
    assert REMOVED in removed and REASONS[REMOVED] in removed
    reworded = page[page.index("Reworded (1)") :]
    assert REASONS[REWORDED] in reworded[: reworded.index("</div>")]
    # Reasons for keys shown nowhere else (a kept item) are listed apart.
    others = page[page.index("Other reasons given") :]
    assert "ea_2" in others and REASONS["ea_2"] in others


def test_the_diff_page_says_which_families_and_dimensions_stay_comparable(
    client: FlaskClient, admin: Any, db_session: Any
) -> None:
    publish(db_session, v2_data())
    page = text(client.get(f"{BASE}/relational-climate/diff?from=1&to=2"))
    section = page[page.index("Families and dimensions across the two versions") :]

    def verdict(key: str) -> tuple[str, str]:
        row = re.search(
            rf"<code>{key}</code>.*?</th>\s*<td>(yes|no)</td>\s*<td>(.*?)</td>", section, re.S
        )
        assert row, key
        return row.group(1), row.group(2)

    assert verdict("power_over") == ("yes", "")
    assert verdict("outcomes") == ("yes", "")
    comparable, why = verdict("mutuality")
    assert comparable == "no" and f"item {LEADER_ITEM} is new" in why
    assert verdict("silencing") == ("yes", "")
    assert verdict("empathic_attunement")[0] == "no"
    old, new = RENAMED
    assert verdict(old) == ("no", "the later version has no such dimension")
    assert verdict(new) == ("no", "the earlier version has no such dimension")
    # The reason the newer version gives for a family or dimension sits in its row.
    assert REASONS["power_over"] in section and REASONS[new] in section


def test_reasons_are_shown_only_against_the_version_they_explain(
    client: FlaskClient, admin: Any, db_session: Any
) -> None:
    publish(db_session, v2_data())
    backwards = text(client.get(f"{BASE}/relational-climate/diff?from=2&to=1"))
    assert REASONS[REMOVED] not in backwards
    third = v2_data()
    third["items"][1]["text"]["en"] = "In my work group, people ask how others are doing."
    third["metadata"]["revision"] = {"from_version": 2, "reasons": {"ea_2": "Shorter."}}
    publish(db_session, third)
    skipping = text(client.get(f"{BASE}/relational-climate/diff?from=1&to=3"))
    assert "Version 3 gives the reasons for its changes from version 2" in skipping
    assert "Shorter." not in skipping


# --- trends across the two versions ---------------------------------------------------------


def _trend_pairs() -> list[tuple[InstrumentDocument, InstrumentDocument]]:
    pairs = [(parsed(v1_data()), parsed(v2_data()))]
    bundled = json.loads(BUNDLED_INSTRUMENT_V2.read_text(encoding="utf-8"))
    if bundled != v1_data() and validate_instrument_data(bundled).ok:
        pairs.append((parsed(v1_data()), parsed(bundled)))  # the real version 2
    return pairs


@pytest.mark.parametrize("pair", range(2))
def test_a_trend_across_v1_and_v2_compares_only_identical_items(pair: int) -> None:
    pairs = _trend_pairs()
    if pair >= len(pairs):
        pytest.skip("the bundled file is still version 1")
    v1, v2 = pairs[pair]
    changes = diff_versions(v1, v2)
    identical = {
        item.key
        for item in v2.items
        if item.key in {i.key for i in v1.items}
        and v1.item(item.key).text == item.text
        and v1.item(item.key).scale == item.scale
        and v1.item(item.key).reverse == item.reverse
        and v1.item(item.key).dimension == item.dimension
        and v1.item(item.key).audience == item.audience
        and (
            item.dimension is None
            or v1.dimension(item.dimension).family == v2.dimension(item.dimension).family
        )
    }
    assert set(changes.comparable_items()) == identical
    assert identical < {item.key for item in v2.items}  # some are left out

    def members(document: InstrumentDocument, dimension_keys: list[str]) -> set[str]:
        by_dimension = document.items_by_dimension()
        return {item.key for key in dimension_keys for item in by_dimension[key]}

    # The trends read score_comparability: a score is drawn across the versions only when
    # its items are the same identical items in both.
    scores = score_comparability(v1, v2)
    assert scores == {**family_comparability(v1, v2), **dimension_comparability(v1, v2)}
    for family in v2.families:
        dims_before = [d.key for d in v1.dimensions if d.family == family.key]
        dims_after = [d.key for d in v2.dimensions if d.family == family.key]
        before, after = members(v1, dims_before), members(v2, dims_after)
        expected = before == after and after <= identical
        assert scores[family.key].comparable is expected, family.key
    for dimension in v2.dimensions:
        if dimension.key not in {d.key for d in v1.dimensions}:
            assert not scores[dimension.key].comparable
            continue
        before, after = members(v1, [dimension.key]), members(v2, [dimension.key])
        expected = before == after and after <= identical
        assert scores[dimension.key].comparable is expected, dimension.key


def test_the_bundled_files_are_v1_in_the_archive_and_the_current_version() -> None:
    assert BUNDLED_INSTRUMENT.parent.name == "archive"
    assert json.loads(BUNDLED_INSTRUMENT.read_text(encoding="utf-8"))["key"] == "relational-climate"
    assert validate_instrument_data(v1_data()).ok


# --- in Spanish -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{BASE}/", ["Instrumentos y sus versiones más recientes", "piloto", "Nuevo instrumento"]),
        (f"{BASE}/relational-climate/versions", ["Comparar versiones", "Versión 2", "borrador"]),
        (
            f"{BASE}/relational-climate/versions/2",
            ["Los ítems se están poniendo a prueba", "Dimensiones e ítems", "sobre quien dirige"],
        ),
        (
            f"{BASE}/relational-climate/diff?from=1&to=2",
            ["Familias y dimensiones entre las dos versiones", "Motivo:", "Agregados (1)"],
        ),
        (f"{BASE}/relational-climate/edit", ["Está redactando la versión 3", "Estructura"]),
    ],
)
def test_the_instrument_pages_read_in_spanish(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Any,
    db_session: Any,
    bundled_version: InstrumentVersion,
    url: str,
    expected: list[str],
) -> None:
    user = make_user(ADMIN, Role.ADMIN)
    user.language = "es"
    publish(db_session, v2_data("pilot"))
    assert auth.login(ADMIN).status_code == 302
    page = text(client.get(url))
    assert '<html lang="es"' in page
    for fragment in expected:
        assert fragment in page, fragment
