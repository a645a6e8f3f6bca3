"""The anonymity rules are part of the schema: nothing links a response to an invitation."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Date, DateTime, LargeBinary, select

from app.ballots.keys import BallotKeys
from app.ballots.language import SEALED_LANGUAGE_BYTES, unseal_language
from app.db import Base
from app.taking.models import Response
from tests.conftest import csrf_token_from
from tests.taking.v2 import answers_for, open_led_survey

RESPONSE_SIDE = ("response", "answer", "dimension_score", "family_score", "comment")


def test_no_foreign_key_from_response_side_tables_to_invitations() -> None:
    for name in RESPONSE_SIDE:
        table = Base.metadata.tables[name]
        targets = {fk.column.table.name for fk in table.foreign_keys}
        assert "invitation" not in targets, f"{name} refers to invitation"
        assert not any("invitation" in col.name for col in table.columns)


def test_response_side_tables_store_no_time_of_day() -> None:
    for name in RESPONSE_SIDE:
        for column in Base.metadata.tables[name].columns:
            assert not isinstance(column.type, DateTime), f"{name}.{column.name} stores a time"
    assert isinstance(Base.metadata.tables["response"].c.submitted_on.type, Date)


def test_invitations_keep_no_time_of_response_and_no_raw_token() -> None:
    columns = set(Base.metadata.tables["invitation"].columns.keys())
    assert "responded" in columns
    assert not {"token", "responded_at", "updated_at", "response_id"} & columns
    links = set(Base.metadata.tables["invitation_token"].columns.keys())
    assert links == {"token_sha256", "invitation_id"}  # a hash, no time and no order


def test_comments_are_not_tied_to_a_response() -> None:
    comment = Base.metadata.tables["comment"]
    assert "response_id" not in comment.columns
    assert comment.dialect_options["sqlite"]["with_rowid"] is False


def test_the_outbox_keeps_a_staff_address_only_while_its_message_waits() -> None:
    """A participant's message reads the address from the invitation (purged at the
    close); a staff message's own address is emptied when it is sent or given up, and a
    check constraint forbids it on any other row."""
    outbox = Base.metadata.tables["outbox_message"]
    checks = {
        str(c.name): str(getattr(c, "sqltext", ""))
        for c in outbox.constraints
        if c.name is not None and "recipient" in str(c.name)
    }
    assert "status = 'pending' OR recipient IS NULL" in checks.values()
    assert not {"email", "address"} & set(outbox.columns.keys())


# What a response may say about its respondent, and why each is allowed: the cuts the
# reports show only through the disclosure-control module (team, level; the language only
# sealed, as the participants file's languages would otherwise pick out a person), the
# version answered and the day. Anything added here must be such a cut, or nothing personal.
RESPONSE_ATTRIBUTES = {
    "id": "a random UUID, never in order of submission",
    "survey_id": "the survey answered",
    "team_id": "a cut, shown only for groups of at least k",
    "level_id": "a cut, shown only for groups of at least k",
    "language_sealed": "the page's language, sealed; unsealed only by the release build",
    "instrument_version_id": "the version answered",
    "submitted_on": "the date, no time of day",
}


def test_a_response_holds_only_the_allowed_attributes() -> None:
    columns = set(Base.metadata.tables["response"].columns.keys())
    assert columns == set(RESPONSE_ATTRIBUTES)


def test_nothing_on_the_response_side_records_the_order_questions_were_shown_in() -> None:
    """A survey with mixed item order shows each respondent an order of their own: a
    stored order (or its seed) would be a fingerprint of the page a person was served."""
    for name in (*RESPONSE_SIDE, "ballot"):
        for column in Base.metadata.tables[name].columns:
            assert not {"order", "seed", "position"} & set(column.name.split("_")), (
                f"{name}.{column.name}"
            )


def test_a_response_holds_no_language_in_clear() -> None:
    """The language is matched by the participants file's: only its sealed bytes are kept."""
    response = Base.metadata.tables["response"]
    assert not any("language" in c.name and c.name != "language_sealed" for c in response.c)
    assert isinstance(response.c.language_sealed.type, LargeBinary)
    for name in (*RESPONSE_SIDE, "ballot"):
        for column in Base.metadata.tables[name].columns:
            assert not (column.name == "language" or column.name.startswith("lang_")), name


def test_no_column_of_a_mixed_spanish_response_says_spanish(
    app: Flask, client: FlaskClient, db_session: Any, mix_all: Any
) -> None:
    """One Spanish and one English response, submitted through the page and mixed: no
    value of any response-side row is a language or holds one in clear; the two sealed
    languages are as long as each other, and unseal (as the release does) to what was
    answered."""
    led = open_led_survey()
    for name, lang, leads in (("ana", "es", False), ("ben", "en", True)):
        html = client.get(led.url(name) + f"?lang={lang}").get_data(as_text=True)
        data = {"csrf_token": csrf_token_from(html), "lang": lang}
        data |= answers_for(led.document, leads=leads)
        assert client.post(led.url(name), data=data).status_code == 302
    mix_all(led.survey)
    codes = {"es", "en", "spa", "spanish", "español"}
    for name in RESPONSE_SIDE:
        table = Base.metadata.tables[name]
        for row in db_session.execute(select(table)).mappings():
            for column, value in row.items():
                if isinstance(value, str):
                    assert value.lower() not in codes, f"{name}.{column}"
                if isinstance(value, bytes):
                    assert b"es\0\0" not in value and b'"es"' not in value, f"{name}.{column}"
    sealed = dict(db_session.execute(select(Response.level_id, Response.language_sealed)).all())
    assert len(sealed) == 2
    first, second = sealed.values()
    assert first is not None and second is not None
    assert len(first) == len(second) == SEALED_LANGUAGE_BYTES
    keys = BallotKeys.from_keys(app.config["BALLOT_KEYS"])
    assert sorted(unseal_language(keys, v, led.survey.id) for v in sealed.values()) == [
        "en",
        "es",
    ]
