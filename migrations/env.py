"""Alembic environment. The URL comes from config.py unless a test hands over a
connection (config.attributes["connection"]) or passes `-x url=...`."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, Engine, event, text

import app.models  # noqa: F401  (fills Base.metadata)
from app.db import Base, make_engine
from config import ConfigError, load_config

target_metadata = Base.metadata


def _options() -> dict[str, object]:
    return {
        "target_metadata": target_metadata,
        "render_as_batch": True,
        "compare_type": True,
        "compare_server_default": True,
    }


def _url() -> str | None:
    """`-x url=...`, else the configuration's DATABASE_URL. A bad setting stops alembic
    with the configuration's one-line message (naming it), as it stops the app."""
    given = context.get_x_argument(as_dictionary=True).get("url")
    if given:
        return str(given)
    try:
        return load_config().DATABASE_URL
    except ConfigError as exc:
        raise SystemExit(f"Error: {exc.message}") from None


def run_migrations_offline() -> None:
    url = _url()
    context.configure(url=url, literal_binds=True, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, **_options())
        with context.begin_transaction():
            context.run_migrations()
        return
    url = _url()
    assert url is not None
    engine = _migration_engine(url)
    with engine.connect() as conn:
        context.configure(connection=conn, **_options())
        with context.begin_transaction():
            context.run_migrations()
        _check_foreign_keys(conn)
    engine.dispose()


def _migration_engine(url: str) -> Engine:
    """The app's engine, except that SQLite does not enforce foreign keys while migrating.

    A batch operation on SQLite copies a table, drops the old one and renames the copy;
    with foreign keys enforced, dropping `survey` would cascade to every level, invitation,
    response and release of every survey (ON DELETE CASCADE). The pragma can only change
    outside a transaction, so it is set when each connection opens, after make_engine's
    own listener turned enforcement on; `_check_foreign_keys` verifies the result.
    """
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _keep_rows_of_copied_tables(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.close()

    return engine


def _check_foreign_keys(conn: Connection) -> None:
    """Refuse to finish a SQLite migration that left a dangling reference."""
    if conn.dialect.name != "sqlite":
        return
    dangling = conn.execute(text("PRAGMA foreign_key_check")).all()
    conn.rollback()
    if dangling:
        raise RuntimeError(f"the migration left rows with dangling foreign keys: {dangling[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
