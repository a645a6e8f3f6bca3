"""Models and migrations agree, and the migration chain runs up, down and up again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, make_url, text

from app.db import Base, make_engine
from tests.conftest import database_url, on_postgres

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def empty_engine(tmp_path: Path) -> Iterator[Engine]:
    """A database of its own, empty: a temporary SQLite file, or a fresh PostgreSQL database
    next to the test database."""
    if not on_postgres():
        engine = make_engine(f"sqlite:///{tmp_path / 'migrations.sqlite3'}")
        yield engine
        engine.dispose()
        return
    url = make_url(database_url())
    name = f"mutuality_migrations_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE "{name}"'))
    admin.dispose()


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


def test_upgrade_builds_the_schema_the_models_describe(empty_engine: Engine) -> None:
    _upgrade(empty_engine)
    assert _tables(empty_engine) == set(Base.metadata.tables)
    with empty_engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_then_upgrade_again(empty_engine: Engine) -> None:
    _upgrade(empty_engine)
    _downgrade(empty_engine)
    assert _tables(empty_engine) == set()
    _upgrade(empty_engine)
    assert _tables(empty_engine) == set(Base.metadata.tables)


def test_constraint_names_follow_the_convention(empty_engine: Engine) -> None:
    _upgrade(empty_engine)
    inspector = inspect(empty_engine)
    for table in Base.metadata.tables:
        for fk in inspector.get_foreign_keys(table):
            assert fk["name"], f"unnamed foreign key on {table}"
            assert fk["name"].startswith(f"fk_{table}_")
        pk = inspector.get_pk_constraint(table)
        if on_postgres():  # SQLite does not report primary key names
            assert pk["name"] == f"pk_{table}"
