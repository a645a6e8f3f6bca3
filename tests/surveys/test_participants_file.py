"""Reading participants files: one streaming pass, limits, every problem by line; through
the service, the admin page (400 naming the line) and the command (`Error: ... line N`)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from app.auth.models import Role
from app.surveys.models import Invitation, Survey
from app.surveys.participants_file import FileLimits, Record, RowError, read_participants
from app.surveys.services import ParticipantsInvalid, create_survey, import_participants
from tests.conftest import AuthActions, csrf_token_from

HEADER = b"email,team,level\n"


def _read(content: bytes, limits: FileLimits | None = None) -> list[Record | RowError]:
    return list(read_participants(io.BytesIO(content), limits))


def _people(count: int) -> list[bytes]:
    return [f"p{n}@example.org,Sales,manager\n".encode() for n in range(count)]


def test_records_come_with_their_line_numbers() -> None:
    content = (
        b"\xef\xbb\xbfEmail, Team ,LEVEL\r\n" + b"a@x.org,Sales,ic\r\n\r\n" + b'"b@x.org","S,1",m'
    )
    assert _read(content) == [
        Record(2, {"email": "a@x.org", "team": "Sales", "level": "ic"}),
        Record(4, {"email": "b@x.org", "team": "S,1", "level": "m"}),
    ]


def test_a_stray_quote_spoils_its_own_line_only() -> None:
    lines = _people(10_000)
    lines[4_999] = b'p4999@example.org,"Sales,manager\n'
    lines[7_000] = b'p7000@example.org,"Sa"les,manager\n'
    errors = [r for r in _read(HEADER + b"".join(lines)) if isinstance(r, RowError)]
    assert errors == [
        RowError(5_001, "-", 'a quoted field does not end on its line (a stray quote ")'),
        RowError(7_002, "-", 'a quote inside a quoted field must be doubled ("")'),
    ]


def test_a_field_over_128_kib_is_a_problem_of_its_line() -> None:
    content = HEADER + b"a@x.org,Sales," + b"x" * 200_000 + b"\n" + b"b@x.org,Sales,m\n"
    assert _read(content) == [
        RowError(2, "-", "the line is longer than 4096 bytes"),
        Record(3, {"email": "b@x.org", "team": "Sales", "level": "m"}),
    ]
    wide = HEADER + b"a@x.org,Sales," + b"x" * 1_500 + b"\n"
    assert _read(wide) == [RowError(2, "level", "the field has 1,500 characters; at most 1,000")]


def test_control_characters_bad_utf8_and_extra_fields_name_their_line() -> None:
    content = HEADER + b"a\x00@x.org,Sales,m\n" + b"b@x.org,Sal\xffes,m\n" + b"c@x.org,S,m,es,1\n"
    assert _read(content) == [
        RowError(
            2,
            "email",
            "the field contains a control character, U+0000 (NUL), at character 2. "
            "Remove it and try again.",
        ),
        RowError(3, "-", "not UTF-8 text (byte 12 of the line); save as UTF-8"),
        RowError(4, "-", "the row has more fields than the header"),
    ]


def test_the_size_and_row_limits_stop_the_reading() -> None:
    content = HEADER + b"".join(_people(50))
    rows = _read(content, FileLimits(max_rows=10))
    assert rows[-1] == RowError(12, "-", "the file lists more than 10 people")
    assert len(rows) == 11
    small = _read(content, FileLimits(max_bytes=1024))
    assert isinstance(small[-1], RowError) and "the file is over" in small[-1].reason
    assert _read(b"") == [RowError(1, "-", "the file is empty")]
    assert _read(b"email,level\n") == [
        RowError(
            1,
            "team",
            "missing column(s); the header must be email,team,level (and optionally language)",
        )
    ]


@pytest.fixture
def draft(db_session: Any, bundled_version: Any) -> Survey:
    survey = create_survey(instrument_key="relational-climate", title="Draft")
    db_session.commit()
    return survey


def _invited(db: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(Invitation)))


def test_one_bad_line_in_a_large_file_stores_nothing(draft: Survey, db_session: Any) -> None:
    lines = _people(20_000)
    lines[12_345] = b'p12345@example.org,"Sales,manager\n'
    with pytest.raises(ParticipantsInvalid) as refused:
        import_participants(draft.id, HEADER + b"".join(lines))
    assert [e.line for e in refused.value.errors] == [12_347]
    db_session.rollback()
    assert _invited(db_session) == 0
    report = import_participants(draft.id, HEADER + b"".join(_people(20_000)))
    assert report.invited == 20_000 == _invited(db_session)


def test_the_admin_page_answers_400_naming_the_line(
    client: FlaskClient, auth: AuthActions, make_user: Any, draft: Survey, db_session: Any
) -> None:
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")
    token = csrf_token_from(client.get(f"/admin/surveys/{draft.id}").get_data(as_text=True))
    content = HEADER + b"".join(_people(3)) + b"a@x.org,Sales," + b"x" * 140_000 + b"\n"
    response = client.post(
        f"/admin/surveys/{draft.id}/participants",
        data={"csrf_token": token, "file": (io.BytesIO(content), "people.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<tr><th scope="row">5</th><td>-</td><td>the line is longer than 4096 bytes' in page
    assert _invited(db_session) == 0


def test_the_command_exits_1_naming_the_line(
    runner: FlaskCliRunner, draft: Survey, tmp_path: Path, db_session: Any
) -> None:
    lines = _people(5_000)
    lines[2_000] = b'"p2000@example.org,Sales,manager\n'
    people = tmp_path / "people.csv"
    people.write_bytes(HEADER + b"".join(lines) + b"a@x.org,Sales," + b"y" * 140_000 + b"\n")
    result = runner.invoke(args=["participants", "import", str(draft.id), str(people)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: 2 problem(s); nothing was imported.\n")
    assert "line 2002, column -: a quoted field does not end on its line" in result.output
    assert "line 5002, column -: the line is longer than 4096 bytes" in result.output
    assert "Traceback" not in result.output
    assert _invited(db_session) == 0
