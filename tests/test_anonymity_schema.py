"""The anonymity rules are part of the schema: nothing links a response to an invitation."""

from __future__ import annotations

from sqlalchemy import Date, DateTime

from app.db import Base

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
# reports show only through the disclosure-control module (team, level, language), the
# version answered and the day. Anything added here must be such a cut, or nothing personal.
RESPONSE_ATTRIBUTES = {
    "id": "a random UUID, never in order of submission",
    "survey_id": "the survey answered",
    "team_id": "a cut, shown only for groups of at least k",
    "level_id": "a cut, shown only for groups of at least k",
    "language": "the page's language, a cut only through the privacy module",
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
