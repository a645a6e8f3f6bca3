"""Hypothesis-generated hostile input: a clear 4xx (or a clean refusal), never a 500, and
nothing half stored."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.instruments.validation import validate_instrument_text
from app.surveys.models import Invitation
from app.surveys.services import ParticipantsInvalid, import_participants
from app.taking.models import Answer, Comment, Response
from tests.conftest import BUNDLED_INSTRUMENT, OpenSurvey, csrf_token_from

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
