"""Alembic environment. The URL comes from config.py unless a test hands over a
connection (config.attributes["connection"]) or passes `-x url=...`."""

from __future__ import annotations

from alembic import context

import app.models  # noqa: F401  (fills Base.metadata)
from app.db import Base, make_engine
from config import load_config

target_metadata = Base.metadata


def _options() -> dict[str, object]:
    return {
        "target_metadata": target_metadata,
        "render_as_batch": True,
        "compare_type": True,
        "compare_server_default": True,
    }


def run_migrations_offline() -> None:
    url = context.get_x_argument(as_dictionary=True).get("url") or load_config().DATABASE_URL
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
    url = context.get_x_argument(as_dictionary=True).get("url") or load_config().DATABASE_URL
    assert url is not None
    engine = make_engine(url)
    with engine.connect() as conn:
        context.configure(connection=conn, **_options())
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
