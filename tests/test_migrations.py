"""Models and migrations agree, and the migration chain runs up, down and up again."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from app.db import Base
from tests.conftest import on_postgres

ROOT = Path(__file__).resolve().parents[1]


def _alembic(connection: object) -> AlembicConfig:
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.attributes["connection"] = connection
    return cfg


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def _upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as conn:
        command.upgrade(_alembic(conn), revision)


def _downgrade(engine: Engine, revision: str = "base") -> None:
    with engine.begin() as conn:
        command.downgrade(_alembic(conn), revision)


def test_upgrade_builds_the_schema_the_models_describe(scratch_engine: Engine) -> None:
    _upgrade(scratch_engine)
    assert _tables(scratch_engine) == set(Base.metadata.tables)
    with scratch_engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_then_upgrade_again(scratch_engine: Engine) -> None:
    _upgrade(scratch_engine)
    _downgrade(scratch_engine)
    assert _tables(scratch_engine) == set()
    _upgrade(scratch_engine)
    assert _tables(scratch_engine) == set(Base.metadata.tables)


def test_constraint_names_follow_the_convention(scratch_engine: Engine) -> None:
    _upgrade(scratch_engine)
    inspector = inspect(scratch_engine)
    for table in Base.metadata.tables:
        for fk in inspector.get_foreign_keys(table):
            assert fk["name"], f"unnamed foreign key on {table}"
            assert fk["name"].startswith(f"fk_{table}_")
        pk = inspector.get_pk_constraint(table)
        if on_postgres():  # SQLite does not report primary key names
            assert pk["name"] == f"pk_{table}"


def _run(args: list[str], database: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "FLASK_DEBUG": "0"}
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def _counts(database: Path) -> dict[str, int]:
    with closing(sqlite3.connect(database)) as conn:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("survey", "level", "invitation", "response", "answer", "release")
        }


@pytest.mark.skipif(on_postgres(), reason="SQLite's batch operations copy tables")
def test_migrating_an_sqlite_file_down_and_up_keeps_every_row(tmp_path: Path) -> None:
    # Batch operations on `survey` copy it and drop the old table: with foreign keys enforced
    # that drop cascaded to every level, invitation, response and release (make run's
    # `alembic upgrade head` on an existing file emptied it).
    database = tmp_path / "kept.sqlite3"
    bin_dir = Path(sys.executable).parent
    _run([str(bin_dir / "alembic"), "upgrade", "head"], database)
    _run(
        [
            str(bin_dir / "flask"),
            "--app",
            "app",
            "seed-demo",
            "--teams",
            "4",
            "--people",
            "30",
            "--waves",
            "2",
        ],
        database,
    )
    before = _counts(database)
    assert before["response"] > 0 and before["release"] > 0
    _run([str(bin_dir / "alembic"), "downgrade", "0008"], database)
    _run([str(bin_dir / "alembic"), "upgrade", "head"], database)
    assert _counts(database) == before
