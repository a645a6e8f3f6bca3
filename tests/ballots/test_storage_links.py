"""What a database reader sees: no storage trace ties a response or comment to fewer than k
invitations. On SQLite, the -wal file's commits (grouped by commit frame, pages mapped to
tables with dbstat); on PostgreSQL, the xmin join of the issue."""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, event, func, select, text

from app.ballots.services import mix_ballots
from app.db import Session
from app.instruments.queries import document_of
from app.instruments.services import sync_instruments
from app.surveys.models import Survey
from app.surveys.services import create_survey, import_participants, issue_links, open_survey
from app.surveys.tokens import token_sha256
from app.taking.models import Response
from app.taking.services import record_submission
from tests.conftest import BUNDLED_INSTRUMENT, on_postgres

K = 3
PEOPLE = 8
CONTENT_TABLES = {"response", "answer", "dimension_score", "family_score", "comment"}


def _submit_and_mix(app: Flask) -> Iterator[str]:
    """Create an open survey (k = 3) of PEOPLE people, then submit each link, mixing after
    every submission as the worker would, and mix the rest at the end. Yields after each
    commit what it was."""
    with app.app_context():
        (outcome,) = sync_instruments([BUNDLED_INSTRUMENT])
        survey = create_survey(instrument_key="relational-climate", title="Disk", k_scores=K)
        rows = "".join(f"p{n}@example.org,Ops,manager\n" for n in range(PEOPLE))
        import_participants(survey.id, "email,team,level\n" + rows)
        tokens = [token for _email, token in issue_links(survey.id)]
        open_survey(survey.id)
        Session.commit()
        yield "setup"
        document = document_of(outcome.version)
        answers: dict[str, int | None] = {item.key: 4 for item in document.items}
        for token in tokens:
            record_submission(
                token_sha256(token), outcome.version.id, document, answers, {"x": "A comment."}
            )
            Session.commit()
            yield "submission"
            mix_ballots(Session.get_one(Survey, survey.id), final=False)
            Session.commit()
            yield "mix"
        mix_ballots(Session.get_one(Survey, survey.id), final=True)
        Session.commit()
        yield "final mix"
        Session.remove()


def _wal_commits(wal: Path, start: int) -> tuple[list[set[int]], int]:
    """The pages written by each commit in the WAL from byte `start`, and the new end."""
    data = wal.read_bytes()
    page_size = struct.unpack(">I", data[8:12])[0]
    offset, commits, pages = max(start, 32), [], set()
    while offset + 24 + page_size <= len(data):
        page, commit_size = struct.unpack(">II", data[offset : offset + 8])
        pages.add(page)
        offset += 24 + page_size
        if commit_size:
            commits.append(pages)
            pages = set()
    return commits, offset


def _page_tables(reader: sqlite3.Connection) -> dict[int, str]:
    """Each page of the database and the table its b-tree belongs to (indexes included)."""
    owners = dict(reader.execute("SELECT name, tbl_name FROM sqlite_master"))
    return {
        page: owners.get(name, name)
        for name, page in reader.execute("SELECT name, pageno FROM dbstat")
    }


@pytest.mark.skipif(on_postgres(), reason="the SQLite WAL file")
def test_no_wal_commit_ties_a_response_to_fewer_than_k_invitations(
    app: Flask, committed_db: Engine
) -> None:
    database = Path(committed_db.url.database or "")

    @event.listens_for(committed_db, "connect")
    def _no_checkpoints(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

    committed_db.dispose()
    reader = sqlite3.connect(database)  # kept open: the last connection to close would
    reader.execute("PRAGMA wal_autocheckpoint=0")  # checkpoint and delete the WAL
    try:
        end = 0
        before = 0
        seen: list[tuple[str, set[str], int]] = []
        for step in _submit_and_mix(app):
            commits, end = _wal_commits(database.with_name(database.name + "-wal"), end)
            owners = _page_tables(reader)
            responses = reader.execute("SELECT count(*) FROM response").fetchone()[0]
            for pages in commits:
                seen.append((step, {owners.get(p, "free") for p in pages}, responses - before))
            before = responses
    finally:
        reader.close()
    # Not vacuous: submissions wrote invitation and ballot pages, mixes response pages.
    assert any({"invitation", "ballot"} <= tables for step, tables, _ in seen)
    assert sum("response" in tables for _step, tables, _ in seen) >= 2
    for step, tables, inserted in seen:
        if step == "setup":
            continue
        assert not ("invitation" in tables and tables & CONTENT_TABLES), (step, tables)
        if "response" in tables:
            assert inserted >= K, (step, inserted)
    assert before == PEOPLE


@pytest.mark.skipif(not on_postgres(), reason="PostgreSQL's xmin")
def test_the_xmin_join_ties_no_response_or_comment_to_an_invitation(
    app: Flask, committed_db: Engine
) -> None:
    for _step in _submit_and_mix(app):
        pass
    with committed_db.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Response)) == PEOPLE
        for table in ("response", "comment"):
            tied = conn.scalar(
                text(
                    f"SELECT count(*) FROM {table} r JOIN invitation i "
                    "ON r.xmin::text = i.xmin::text"
                )
            )
            assert tied == 0, table
        # Each batch of responses shares one transaction: none smaller than k.
        batches = (
            conn.execute(text("SELECT count(*) FROM response GROUP BY xmin::text")).scalars().all()
        )
        assert min(batches) >= K
