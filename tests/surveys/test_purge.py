"""The purge at the close holds in storage: after `surveys close`, the database FILES hold
none of the participants' addresses and none of the unsent emails' raw tokens (SQLite: the
main file and the -wal file; PostgreSQL: the relation files of the purged tables and their
indexes). The same scan before the close finds them, so it can fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, select, text

from app.db import Session
from app.instruments.services import sync_instruments
from app.outbox.models import MessageStatus, OutboxMessage
from app.outbox.services import queue_invitations
from app.surveys import storage
from app.surveys.models import Invitation
from app.surveys.services import (
    close_survey,
    create_survey,
    import_participants,
    open_survey,
    purge_contacts,
)
from app.surveys.storage import PURGED_TABLES, compact_storage
from tests.conftest import BUNDLED_INSTRUMENT, on_postgres

# Distinctive addresses: no other byte sequence in the files can look like them.
ADDRESSES = tuple(f"purge-{name}-7f3a@example.org" for name in ("ana", "ben", "cai", "dev", "eva"))


def _needles(secrets: list[str]) -> dict[str, list[bytes]]:
    """What a reader of the files would grep for: each secret in UTF-8, as is, in lower
    case and in upper case."""
    return {s: sorted({v.encode() for v in (s, s.lower(), s.upper())}) for s in secrets}


def _relation_files(engine: Engine) -> list[Path]:
    """The files whose bytes the scan reads."""
    if engine.dialect.name == "sqlite":
        main = Path(str(engine.url.database))
        return [p for p in (main, Path(f"{main}-wal")) if p.exists()]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CHECKPOINT"))  # the shared buffers, written to the files
        data_dir = Path(conn.execute(text("SHOW data_directory")).scalar_one())
        relations = conn.execute(
            text(
                "SELECT pg_relation_filepath(c.oid) FROM pg_class c WHERE c.oid IN ("
                " SELECT t.oid FROM pg_class t WHERE t.relname = ANY(:tables)"
                " UNION SELECT i.indexrelid FROM pg_index i JOIN pg_class t"
                "  ON t.oid = i.indrelid WHERE t.relname = ANY(:tables)"
                " UNION SELECT t.reltoastrelid FROM pg_class t"
                "  WHERE t.relname = ANY(:tables) AND t.reltoastrelid <> 0)"
            ),
            {"tables": list(PURGED_TABLES)},
        ).scalars()
        files = [data_dir / path for path in relations]
    # A relation over 1 GB continues in path.1, path.2, ...
    return [f for base in files for f in (base, *base.parent.glob(f"{base.name}.*")) if f.exists()]


def _found(engine: Engine, secrets: list[str]) -> dict[str, list[str]]:
    """Each secret found in the files, with the files it was found in."""
    contents = {path.name: path.read_bytes() for path in _relation_files(engine)}
    found: dict[str, list[str]] = {}
    for secret, variants in _needles(secrets).items():
        where = [name for name, data in contents.items() if any(v in data for v in variants)]
        if where:
            found[secret] = where
    return found


def _survey_with_unsent_emails() -> tuple[int, list[str]]:
    """An open survey of ADDRESSES, committed, with an invitation queued for each; returns
    its id and the raw tokens the queued emails hold."""
    sync_instruments([BUNDLED_INSTRUMENT])
    survey = create_survey(instrument_key="relational-climate", title="Purged wave")
    rows = "".join(f"{a},Engineering/Platform,individual_contributor\n" for a in ADDRESSES)
    import_participants(survey.id, "email,team,level\n" + rows)
    open_survey(survey.id)
    assert queue_invitations(survey.id) == len(ADDRESSES)
    Session.commit()
    tokens = [t for t in Session.scalars(select(OutboxMessage.raw_token)) if t is not None]
    assert len(tokens) == len(ADDRESSES)
    return survey.id, tokens


def test_the_close_leaves_no_address_or_token_in_the_database_files(
    app: Flask, committed_db: Engine
) -> None:
    survey_id, tokens = _survey_with_unsent_emails()
    secrets = [*ADDRESSES, *tokens]
    assert sorted(_found(committed_db, secrets)) == sorted(secrets)  # the scan can fail

    closed = app.test_cli_runner().invoke(args=["surveys", "close", str(survey_id)])
    assert closed.exit_code == 0, closed.output

    assert Session.scalars(select(Invitation).where(Invitation.email.is_not(None))).all() == []
    assert Session.scalars(select(OutboxMessage)).all() == []
    Session.remove()
    assert _found(committed_db, secrets) == {}


def test_sent_emails_stay_and_unsent_ones_go(app: Flask, committed_db: Engine) -> None:
    survey_id, _tokens = _survey_with_unsent_emails()
    first = Session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
    assert first is not None
    first.status, first.raw_token = MessageStatus.SENT.value, None
    Session.commit()
    close_survey(survey_id)
    purge_contacts(survey_id)
    Session.commit()
    assert [m.id for m in Session.scalars(select(OutboxMessage))] == [first.id]


def test_compaction_needs_a_file_and_no_open_transaction(app: Flask, db_session: object) -> None:
    bind = Session.get_bind()
    assert compact_storage(bind) is False  # the test's rolled-back transaction
    if app.extensions["sqlalchemy_engine"].dialect.name == "sqlite":
        assert compact_storage(app.extensions["sqlalchemy_engine"]) is False  # in memory


@pytest.mark.parametrize("variant", [str.lower, str.upper])
def test_the_scan_reads_case_variants(variant: object) -> None:
    secret = "Mixed.Case@Example.org"
    needles = _needles([secret])[secret]
    assert variant(secret).encode() in needles  # type: ignore[operator]


@pytest.mark.skipif(not on_postgres(), reason="PostgreSQL's VACUUM FULL")
def test_compaction_waits_for_transactions_older_than_the_purge(
    committed_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transaction that began before the purge (a report being read, autovacuum's
    ANALYZE) could still see the purged rows, and VACUUM FULL would copy them: compaction
    waits for it, and says so when it had to give up."""
    monkeypatch.setattr(storage, "SNAPSHOT_WAIT_S", 0.5)
    with committed_db.connect() as reader:
        reader.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        reader.execute(text("SELECT 1")).scalar_one()  # its snapshot, held (and no lock)
        with committed_db.connect() as purge:  # a transaction that commits after it began
            purge.execute(text("SELECT txid_current()"))
            purge.commit()
        assert compact_storage(committed_db) is False
        reader.rollback()
    monkeypatch.setattr(storage, "SNAPSHOT_WAIT_S", 10.0)
    assert compact_storage(committed_db) is True
