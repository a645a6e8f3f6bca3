"""Compaction after a survey's close: the purged addresses and tokens leave the files.

Clearing a column or deleting a row in SQL leaves its bytes where they were (SQLite's free
space and -wal file, PostgreSQL's dead tuples and index entries) until something happens
to overwrite them. Once the close has committed, `compact_storage` makes the storage drop
them:

- SQLite: every connection runs with secure_delete on (app.db), so the cells and pages the
  close freed are zeroed in the pages it wrote; a truncating checkpoint then copies those
  pages into the main file and empties the -wal file, whose older frames held the
  addresses too.
- PostgreSQL: VACUUM FULL rewrites the invitation, outbox and import tables, and their
  indexes, into new files and removes the old ones (a plain VACUUM only marks the space
  reusable). It holds an exclusive lock on each table while it runs: other surveys' submissions wait
  for it, for about a second per hundred thousand invitations.

Both must run outside any transaction, on a connection of their own.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Connection, Engine

from app.outbox.models import OutboxMessage
from app.surveys.models import Invitation, ParticipantImport

log = logging.getLogger(__name__)

# How long compaction waits for transactions older than the purge to end (PostgreSQL).
SNAPSHOT_WAIT_S = 30.0

# The tables the purge at the close rewrites (addresses, raw tokens).
PURGED_TABLES = (
    Invitation.__tablename__,
    OutboxMessage.__tablename__,
    ParticipantImport.__tablename__,
)


def compact_storage(bind: Engine | Connection) -> bool:
    """Make the storage forget what the close purged; call it after the close's commit.

    `bind` is the session's bind (`Session.get_bind()`). Returns False, and changes nothing,
    when compaction cannot run: an in-memory SQLite database (no file holds anything), a
    connection inside a transaction (the tests' rolled-back one: nothing was committed), or
    a checkpoint that other connections kept from finishing (logged; the next close or
    checkpoint finishes it).
    """
    if isinstance(bind, Connection) and bind.in_transaction():
        return False
    engine = bind if isinstance(bind, Engine) else bind.engine
    if engine.dialect.name == "sqlite":
        return _checkpoint_sqlite(bind)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        settled = _wait_for_older_snapshots(conn)
        for table in PURGED_TABLES:
            conn.exec_driver_sql(f'VACUUM FULL "{table}"')
    log.info("storage compacted: VACUUM FULL of %s", ", ".join(PURGED_TABLES))
    return settled


def _wait_for_older_snapshots(conn: Connection) -> bool:
    """Wait (at most SNAPSHOT_WAIT_S) until no other session holds a snapshot or a
    transaction older than now. VACUUM FULL copies every row version a running transaction
    could still see: one that began before the purge committed (a report being read,
    autovacuum's ANALYZE; seen here also from another database of the server) would keep
    the purged addresses in the rewritten files. False when the wait timed out (the vacuum
    then runs anyway and a warning is logged). Other roles' sessions are visible only to a
    role with pg_read_all_stats: grant it to the app's role (README, production)."""
    marker = conn.exec_driver_sql("SELECT (txid_current() %% 4294967296)::text").scalar_one()
    deadline = time.monotonic() + SNAPSHOT_WAIT_S
    while True:
        older = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND ("
            " age(backend_xmin) > age(%(marker)s::xid)"
            " OR age(backend_xid) > age(%(marker)s::xid))",
            {"marker": marker},
        ).scalar_one()
        if not older:
            return True
        if time.monotonic() > deadline:
            log.warning("storage compacted while %d older transaction(s) still ran", older)
            return False
        time.sleep(0.1)


def _checkpoint_sqlite(bind: Engine | Connection) -> bool:
    engine = bind if isinstance(bind, Engine) else bind.engine
    if engine.url.database in (None, "", ":memory:") or "mode=memory" in str(engine.url):
        return False
    # The driver's own connection: app.db turns its implicit transactions off, and a
    # SQLAlchemy connection would emit BEGIN, inside which no checkpoint can truncate.
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        # (busy, frames in the log, frames checkpointed)
        busy, _frames, _copied = cursor.fetchone() or (1, 0, 0)
        cursor.close()
    finally:
        raw.close()
    if busy:
        log.warning("storage not compacted: the WAL checkpoint was kept busy by a reader")
        return False
    log.info("storage compacted: WAL checkpointed and truncated")
    return True
