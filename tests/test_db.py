"""Engine settings that matter for correctness under concurrency."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import exc, text

from app.db import make_engine


def test_sqlite_writers_can_take_the_write_lock_up_front(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.sqlite3'}")
    with engine.begin() as setup:
        setup.execute(text("CREATE TABLE t (x INTEGER)"))

    def other_writer_error() -> str | None:
        with engine.connect() as other:
            other.exec_driver_sql("PRAGMA busy_timeout=50")
            other.commit()
            try:
                with other.begin():
                    other.execute(text("INSERT INTO t VALUES (1)"))
            except exc.OperationalError as error:
                return str(error)
        return None

    with engine.connect() as deferred, deferred.begin():
        deferred.execute(text("SELECT count(*) FROM t"))
        assert other_writer_error() is None  # a plain BEGIN takes no write lock

    with engine.connect() as conn:
        immediate = conn.execution_options(sqlite_immediate=True)
        with immediate.begin():
            immediate.execute(text("SELECT count(*) FROM t"))
            error = other_writer_error()  # BEGIN IMMEDIATE holds it from the start
            assert error is not None
            assert "database is locked" in error
    engine.dispose()


def test_sqlite_enforces_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE p (id INTEGER PRIMARY KEY)"))
        conn.execute(text("CREATE TABLE c (p_id INTEGER REFERENCES p(id))"))
    with pytest.raises(exc.IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO c VALUES (42)"))
    engine.dispose()
