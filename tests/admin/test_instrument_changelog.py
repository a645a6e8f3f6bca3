"""Publishing a version asks for a changelog line, and warns first when the new text stops
a family's comparison with the published version (the reports' comparability rule)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from markupsafe import escape

from app.instruments.drafts import pretty_json
from app.instruments.models import InstrumentVersion
from tests.admin.test_instrument_editor import (
    EDIT,
    bundled_data,
    page_token,
    reworded_text,
    version_numbers,
)


def post(client: FlaskClient, text: str, **fields: str) -> Any:
    data = {
        "csrf_token": page_token(client),
        "document": text,
        "base_version": "1",
        "publish": "Publish",
        **fields,
    }
    return client.post(EDIT, data=data)


def unbroken_text() -> str:
    data = bundled_data()
    data["metadata"]["notes"] = "Same questions, a new note."
    return pretty_json(data)


def test_a_breaking_change_is_named_before_anything_is_published(
    client: FlaskClient, admin: Any, bundled_version: Any, db_session: Any
) -> None:
    warned = post(client, reworded_text(), changelog="Reworded ea_1")
    assert warned.status_code == 409
    html = warned.get_data(as_text=True)
    assert "stops these indices from being compared with version 1" in html
    assert "<strong>mutuality</strong>" in html
    assert str(escape("item ea_1: text in 'en' changed")) in html
    assert "Publish anyway" in html
    assert version_numbers(db_session) == [1]
    published = post(client, reworded_text(), changelog="Reworded ea_1", accept_break="y")
    assert published.status_code == 302
    assert version_numbers(db_session) == [1, 2]


def test_the_changelog_line_is_stored_and_listed(
    client: FlaskClient, admin: Any, bundled_version: Any, db_session: Any
) -> None:
    response = post(client, unbroken_text(), changelog="  A note about the questions  ")
    assert response.status_code == 302  # no family broken: no warning
    stored = db_session.query(InstrumentVersion).filter_by(version=2).one()
    assert stored.changelog == "A note about the questions"
    listed = client.get("/admin/instruments/relational-climate/versions").get_data(as_text=True)
    assert "A note about the questions" in listed


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "Say in one line what this version changes"),
        ("   ", "Say in one line what this version changes"),
        ("Reworded\x00ea_1", "contains a control character, U+0000 (NUL)"),
        ("two\nlines", "contains a control character, U+000A (line feed)"),
        ("x" * 301, "The changelog line has 301 characters; at most 300."),
    ],
)
def test_a_bad_changelog_line_is_refused_and_nothing_is_stored(
    client: FlaskClient, admin: Any, bundled_version: Any, db_session: Any, line: str, message: str
) -> None:
    response = post(client, unbroken_text(), changelog=line)
    assert response.status_code == 400
    assert str(escape(message)) in response.get_data(as_text=True)
    assert version_numbers(db_session) == [1]
    assert "Same questions, a new note." in response.get_data(as_text=True)  # draft kept


def test_publishing_without_the_field_asks_for_it(
    client: FlaskClient, admin: Any, bundled_version: Any, db_session: Any
) -> None:
    response = post(client, unbroken_text())
    assert response.status_code == 400
    assert "Say in one line what this version changes" in response.get_data(as_text=True)
    assert version_numbers(db_session) == [1]
