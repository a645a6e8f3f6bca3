"""The one text rule (app.input_rules) at each boundary: forms, URLs, commands, instrument
documents. Participants files: tests/surveys/test_participants_file.py."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.auth.models import Role
from app.forms_base import SafeForm, SafeQueryForm
from app.input_rules import (
    TextRefused,
    check_text,
    refused_character,
    strip_control_characters,
    text_problem,
)
from app.instruments.validation import validate_instrument_text
from app.surveys.models import Survey
from tests.conftest import BUNDLED_INSTRUMENT, AuthActions, csrf_token_from


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\ud800"])
def test_control_characters_and_surrogates_are_refused_everywhere(char: str) -> None:
    for multiline in (False, True):
        assert refused_character(f"ab{char}c", multiline=multiline) == (2, char)


@pytest.mark.parametrize("char", ["\t", "\n", "\r"])
def test_tab_and_line_breaks_only_in_multi_line_text(char: str) -> None:
    assert refused_character(f"a{char}b", multiline=True) is None
    assert refused_character(f"a{char}b") == (1, char)


def test_the_message_names_the_field_the_character_and_where() -> None:
    assert text_problem("Spring\x00", "Title") == (
        "Title contains a control character, U+0000 (NUL), at character 7. Remove it and try again."
    )
    with pytest.raises(TextRefused, match=re.escape("Email contains a control character, U+0009")):
        check_text("a\tb@example.org", "Email")
    assert check_text("Zoë – 東京 🙂", "Title") == "Zoë – 東京 🙂"


@given(st.text())
def test_stripping_leaves_nothing_the_rule_refuses(text: str) -> None:
    assert refused_character(strip_control_characters(text), multiline=True) is None


def test_every_staff_form_applies_the_rule() -> None:
    """Every form class of the app descends from the safe bases, apart from the employee's
    survey form, whose comments have control characters removed (open_text)."""
    from wtforms import Form

    import app.admin.audit
    import app.admin.forms
    import app.admin.forms_surveys
    import app.admin.forms_users
    import app.auth.forms  # noqa: F401 - the forms register as subclasses
    from app.taking.forms import ResponseFormBase

    def subclasses(cls: type) -> set[type]:
        return {cls} | {s for sub in cls.__subclasses__() for s in subclasses(sub)}

    ours = {c for c in subclasses(Form) if c.__module__.startswith("app.")}
    unsafe = {
        c
        for c in ours
        if not issubclass(c, SafeForm | SafeQueryForm) and not issubclass(c, ResponseFormBase)
    }
    assert {c.__name__ for c in unsafe} <= {"FilterForm", "SafeForm", "SafeQueryForm"}


def test_a_nul_in_a_survey_title_is_refused_naming_the_field(
    client: FlaskClient, auth: AuthActions, make_user: Any, bundled_version: Any, db_session: Any
) -> None:
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")
    token = csrf_token_from(client.get("/admin/surveys/new").get_data(as_text=True))
    response = client.post(
        "/admin/surveys/new",
        data={
            "csrf_token": token,
            "title": "Spring\x00wave",
            "levels": "ic = IC",
            "teams": "Sales\tEast",  # a tab in a text area is allowed
            "k_scores": "5",
            "k_comments": "10",
            "version_id": str(bundled_version.id),
        },
    )
    assert response.status_code == 400
    assert "Title contains a control character, U+0000 (NUL), at character 7" in (
        response.get_data(as_text=True)
    )
    assert db_session.scalar(select(func.count()).select_from(Survey)) == 0


def test_a_nul_in_the_sign_in_email_is_refused(client: FlaskClient) -> None:
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"csrf_token": token, "email": "a\x00@example.org", "password": "x" * 12}
    )
    assert response.status_code in (200, 400)
    assert "Email contains a control character, U+0000 (NUL)" in response.get_data(as_text=True)


def test_a_nul_in_an_audit_filter_matches_nothing_and_says_why(
    client: FlaskClient, auth: AuthActions, make_user: Any
) -> None:
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")
    response = client.get("/admin/audit/", query_string={"actor": "adm\x00", "page": "²"})
    assert response.status_code == 200
    assert "Actor contains a control character, U+0000 (NUL)" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    ["/admin/instruments/%00/edit", "/admin/surveys/99999999999", "/admin/users/4294967296"],
)
def test_url_segments_no_column_holds_are_not_found(
    client: FlaskClient, auth: AuthActions, make_user: Any, url: str
) -> None:
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")
    assert client.get(url).status_code == 404


def test_commands_refuse_control_characters_naming_the_option(
    runner: FlaskCliRunner, bundled_version: Any, db_session: Any
) -> None:
    result = runner.invoke(
        args=["surveys", "create", "--instrument", "relational-climate", "--title", "a\x00b"]
    )
    assert result.exit_code == 2
    assert "'--title' contains a control character, U+0000 (NUL), at character 2" in (result.output)
    result = runner.invoke(args=["users", "create", "a\x1b@example.org", "--role", "hr"])
    assert result.exit_code == 2
    assert "'email' contains a control character, U+001B, at character 2" in result.output
    assert db_session.scalar(select(func.count()).select_from(Survey)) == 0


def test_commands_refuse_text_longer_than_its_column(
    runner: FlaskCliRunner, bundled_version: Any
) -> None:
    base = ["surveys", "create", "--instrument", "relational-climate"]
    long_title = runner.invoke(args=[*base, "--title", "t" * 201])
    assert long_title.exit_code == 1
    assert "Error: The title has 201 characters; at most 200." in long_title.output
    long_level = runner.invoke(args=[*base, "--title", "T", "--level", "k" * 65])
    assert long_level.exit_code == 1
    assert "a key has 1 to 64 characters" in long_level.output
    long_path = runner.invoke(args=[*base, "--title", "T", "--team", "/".join(["t" * 100] * 11)])
    assert long_path.exit_code == 1
    assert "is over 1000 characters" in long_path.output


def test_an_escaped_nul_in_an_instrument_is_reported_with_its_pointer() -> None:
    document = json.loads(BUNDLED_INSTRUMENT.read_text(encoding="utf-8"))
    document["title"] = {key: f"{value}\u0000" for key, value in document["title"].items()}
    result = validate_instrument_text(json.dumps(document))
    assert not result.ok
    assert [e.pointer for e in result.errors] == ["/title/en", "/title/es"]
    assert all("U+0000 (NUL)" in e.message for e in result.errors)
