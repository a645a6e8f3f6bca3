"""Hypothesis-generated hostile input: a clear 4xx (or a clean refusal), never a 500, and
nothing half stored. Every staff form and upload, the URLs' segments, the employee's survey
page, instrument documents, participants files and the commands that take text; run on
both engines (PostgreSQL refuses NUL in text, SQLite stores it)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.auth.models import Role
from app.instruments.validation import validate_instrument_text
from app.surveys.models import Invitation
from app.surveys.services import ParticipantsInvalid, create_survey, import_participants
from app.taking.models import Answer, Comment, Response
from tests.conftest import BUNDLED_INSTRUMENT, AuthActions, OpenSurvey, csrf_token_from

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

field_names = st.one_of(
    st.sampled_from(["item_ea_1", "item_si_4", "prompt_change_together", "lang", "csrf_token"]),
    st.text(min_size=0, max_size=12),
)
field_values = st.one_of(
    st.sampled_from(["1", "5", "na", "0", "6", "-1", "3.5", "", "es", "xx"]),
    st.text(max_size=40),
    st.binary(max_size=24).map(lambda b: b.decode("latin-1")),
)


def _stored(db: Any) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        db.scalar(select(func.count()).select_from(model)) for model in (Response, Answer, Comment)
    )


@FUZZ
@given(
    pairs=st.lists(st.tuples(field_names, field_values), max_size=12), raw=st.binary(max_size=64)
)
def test_random_submissions_get_a_4xx_and_store_nothing(
    client: FlaskClient,
    open_survey: OpenSurvey,
    db_session: Any,
    pairs: list[tuple[str, str]],
    raw: bytes,
) -> None:
    token = open_survey.token("ana@example.org")
    csrf = csrf_token_from(client.get(f"/s/{token}").get_data(as_text=True))
    body = "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs).encode() + raw
    for data in (body, body + f"&csrf_token={csrf}".encode()):
        response = client.post(
            f"/s/{token}", data=data, content_type="application/x-www-form-urlencoded"
        )
        assert 400 <= response.status_code < 500, response.status_code
    assert _stored(db_session) == (0, 0, 0)
    responded = db_session.scalar(
        select(Invitation.responded).where(Invitation.email == "ana@example.org")
    )
    assert responded is False


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(document=json_values)
# "²" is a digit to str.isdigit but not to int(): the errors' sort read it as an array index.
@example(document=[{"²": {"\x1f": None}}])
def test_random_json_documents_are_reported_not_raised(document: object) -> None:
    result = validate_instrument_text(json.dumps(document))
    assert not result.ok
    assert result.errors
    assert all(isinstance(e.message, str) and e.message for e in result.errors)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_mutated_instruments_are_reported_not_raised(data: st.DataObject) -> None:
    text = BUNDLED_INSTRUMENT.read_text(encoding="utf-8")
    start = data.draw(st.integers(0, len(text) - 1))
    length = data.draw(st.integers(0, 40))
    insert = data.draw(st.text(max_size=10))
    mutated = text[:start] + insert + text[start + length :]
    result = validate_instrument_text(mutated.encode("utf-8", "surrogatepass"))
    assert result.ok or result.errors
    if result.ok:
        assert result.document is not None


csv_cells = st.one_of(
    st.sampled_from(
        ["ok@example.org", "Sales", "Engineering/Platform", "manager", "es", "", "a//b"]
    ),
    st.text(max_size=15),
)


@FUZZ
@given(
    rows=st.lists(st.lists(csv_cells, min_size=0, max_size=5), max_size=6),
    header=st.sampled_from(["email,team,level", "email,team,level,language", "email,team", ""]),
    raw=st.binary(max_size=16),
)
def test_random_participant_files_are_all_or_nothing(
    db_session: Any, open_survey: OpenSurvey, rows: list[list[str]], header: str, raw: bytes
) -> None:
    before = db_session.scalar(select(func.count()).select_from(Invitation))
    lines = [header, *(",".join(row) for row in rows)]
    content = ("\n".join(lines) + "\n").encode() + raw
    savepoint = db_session.begin_nested()
    refused: ParticipantsInvalid | None = None
    invited = 0
    try:
        invited = import_participants(open_survey.survey.id, content).invited
    except ParticipantsInvalid as exc:  # any other exception fails the test
        refused = exc
    after = db_session.scalar(select(func.count()).select_from(Invitation))
    savepoint.rollback()
    if refused is not None:
        assert refused.errors
        assert all(e.reason for e in refused.errors)
        assert after == before  # the refused rows left nothing behind
    else:
        assert invited > 0
        assert after == before + invited


# --- every staff form and upload, and the URLs' segments -------------------------------------

# Text no browser form should send but anyone can: control characters (NUL first), long
# runs, numbers no column holds, characters outside the BMP. (Unpaired surrogates cannot be
# sent: the client encodes UTF-8; invalid UTF-8 bytes arrive as U+FFFD.)
hostile_text = st.one_of(
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "Sales\x00/East",
            "x" * 5000,
            "a/" * 600,
            "99999999999999999999",
            "-1",
            "²",
            "2026-01-01T10:00",
            "ic = IC\nmanager = Manager",
            "ok@example.org",
            "o\x00k@example.org",
            '{"key": "k\\u0000"}',
            "",
        ]
    ),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=60),
)

EDITOR_FIELDS = ["document", "base_version", "overwrite", "preview_lang", "load", "publish"]
SURVEY_FIELDS = ["title", "teams", "levels", "opens_at", "closes_at", "k_scores", "k_comments"]
FORMS: dict[str, tuple[str, str, list[str]]] = {
    "sign-in": ("POST", "/login", ["email", "password"]),
    "new survey": ("POST", "/admin/surveys/new", [*SURVEY_FIELDS, "version_id"]),
    "survey settings": ("POST", "/admin/surveys/{draft}/edit", SURVEY_FIELDS),
    "new link": ("POST", "/admin/surveys/{open}/email/link", ["email"]),
    "new user": (
        "POST",
        "/admin/users/new",
        ["email", "password", "password_again", "role", "teams"],
    ),
    "user's role": ("POST", "/admin/users/{other}", ["role", "teams"]),
    "password reset": ("POST", "/admin/users/{other}/password", ["password", "password_again"]),
    "new instrument": ("POST", "/admin/instruments/new", EDITOR_FIELDS),
    "instrument editor": ("POST", "/admin/instruments/relational-climate/edit", EDITOR_FIELDS),
    "draft check": ("POST", "/admin/instruments/validate", ["document", "instrument"]),
    "draft preview": ("POST", "/admin/instruments/preview", ["document", "preview_lang"]),
    "audit filters": (
        "GET",
        "/admin/audit/",
        ["actor", "action", "object_type", "since", "until", "page"],
    ),
    "version diff": ("GET", "/admin/instruments/relational-climate/diff", ["from", "to"]),
    "report filters": ("GET", "/reports/surveys/{open}/", ["team", "level", "release"]),
}


@pytest.fixture
def targets(
    client: FlaskClient, make_user: Any, open_survey: OpenSurvey, db_session: Any
) -> dict[str, Any]:
    """An admin signed in, a draft and an open survey, another staff account."""
    make_user("admin@example.org", Role.ADMIN)
    other = make_user("hr@example.org", Role.HR)
    AuthActions(client).login("admin@example.org")
    draft = create_survey(instrument_key="relational-climate", title="Draft", team_paths=["S"])
    db_session.commit()
    page = client.get(f"/admin/surveys/{draft.id}").get_data(as_text=True)
    return {
        "draft": draft.id,
        "open": open_survey.survey.id,
        "other": other.id,
        "csrf": csrf_token_from(page),
    }


def _no_server_error(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"
    assert response.headers.get("Content-Security-Policy"), what


@FUZZ
@given(
    form=st.sampled_from(sorted(FORMS)),
    values=st.lists(hostile_text, min_size=8, max_size=8),
    extra=st.tuples(st.text(max_size=8), hostile_text),
)
def test_no_staff_form_answers_500(
    app: Flask,
    client: FlaskClient,
    targets: dict[str, Any],
    form: str,
    values: list[str],
    extra: tuple[str, str],
) -> None:
    method, url, fields = FORMS[form]
    url = url.format(**targets)
    data = dict(zip(fields, values, strict=False)) | dict([extra])
    if method == "GET":
        response = client.get(url, query_string=data)
    else:
        client_ = app.test_client() if form == "sign-in" else client
        response = client_.post(url, data=data | {"csrf_token": targets["csrf"]})
    _no_server_error(response, form)


@FUZZ
@given(text=hostile_text, segment=st.sampled_from(["instrument", "survey", "user", "token"]))
def test_no_url_segment_answers_500(
    client: FlaskClient, targets: dict[str, Any], text: str, segment: str
) -> None:
    quoted = quote(text, safe="")
    url = {
        "instrument": f"/admin/instruments/{quoted}/edit",
        "survey": f"/admin/surveys/{quoted}",
        "user": f"/admin/users/{quoted}/password",
        "token": f"/s/{quoted}",
    }[segment]
    _no_server_error(client.get(url), url)


participant_lines = st.one_of(
    st.sampled_from(
        [
            "ok@example.org,Sales,manager",
            'ok@example.org,"Sales,manager',
            'a"b@example.org,Sales,manager',
            "n\x00l@example.org,Sales,manager",
            # Over the line and field limits, yet a body under 500 kB: above that, the
            # test client spools the request to a temporary file it never closes (a
            # ResourceWarning of the client's, not the app's). Large files: test_imports.
            "ok@example.org,Sales," + "x" * 5_000,
            "ok@example.org,Sales,manager,es,extra",
            '"',
        ]
    ),
    st.lists(hostile_text, max_size=4).map(",".join),
)


@FUZZ
@given(
    lines=st.lists(participant_lines, max_size=6),
    raw=st.binary(max_size=32),
    target=st.sampled_from(["draft", "open"]),
)
def test_no_participants_upload_answers_500(
    client: FlaskClient, targets: dict[str, Any], lines: list[str], raw: bytes, target: str
) -> None:
    content = ("\n".join(["email,team,level", *lines]) + "\n").encode() + raw
    response = client.post(
        f"/admin/surveys/{targets[target]}/participants",
        data={"csrf_token": targets["csrf"], "file": (io.BytesIO(content), "people.csv")},
        content_type="multipart/form-data",
    )
    _no_server_error(response, "participants upload")
    if response.status_code == 400:  # the table of problems, by line
        assert '<th scope="col">Line</th>' in response.get_data(as_text=True)


@FUZZ
@given(
    title=hostile_text,
    team=hostile_text,
    level=hostile_text,
    lines=st.lists(participant_lines, max_size=4),
)
def test_no_command_answers_with_a_traceback(
    runner: FlaskCliRunner,
    bundled_version: Any,
    tmp_path: Path,
    title: str,
    team: str,
    level: str,
    lines: list[str],
) -> None:
    created = runner.invoke(
        args=[
            *("surveys", "create", "--instrument", "relational-climate"),
            *("--title", title, "--team", team, "--level", level),
        ]
    )
    assert created.exit_code in (0, 1, 2), created.output
    assert created.exception is None or isinstance(created.exception, SystemExit)
    if created.exit_code:
        assert "Error" in created.output
        return
    people = tmp_path / "people.csv"
    people.write_text("\n".join(["email,team,level", *lines]) + "\n", encoding="utf-8")
    imported = runner.invoke(args=["participants", "import", created.output.strip(), str(people)])
    assert imported.exit_code in (0, 1), imported.output
    assert imported.exception is None or isinstance(imported.exception, SystemExit)
    if imported.exit_code:
        assert imported.output.startswith("Error: ")
        assert "line " in imported.output
