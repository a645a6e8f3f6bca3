"""Database plumbing: the declarative Base with its naming convention, the engine and the
request-scoped session.

Plain SQLAlchemy 2.x. One `scoped_session` serves the whole app; Flask removes it at the end
of each request or CLI command. Only views and CLI commands commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import DateTime, Dialect, Engine, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.orm import DeclarativeBase, UOWTransaction, scoped_session, sessionmaker
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.pool import StaticPool

from app.errors import DomainError, NotFound

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


Session = scoped_session(sessionmaker(expire_on_commit=False))

ModelT = TypeVar("ModelT", bound=Base)


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC (stored as such on both engines)."""
    return dt.datetime.now(dt.UTC)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create the engine for `url` with the settings each backend needs.

    SQLite: foreign keys and secure_delete on; WAL and synchronous=NORMAL for files
    (concurrent readers and one writer without "database is locked"); a busy timeout; and
    SQLAlchemy's documented pysqlite workaround (the driver's own BEGIN handling disabled,
    SQLAlchemy emits BEGIN) so that SAVEPOINTs and transactional DDL behave as on
    PostgreSQL. PostgreSQL: pool_pre_ping so the app recovers by itself after a database
    restart.
    """
    kwargs: dict[str, Any] = {"echo": echo}
    is_sqlite = url.startswith("sqlite")
    in_memory = is_sqlite and (url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url)
    if in_memory:
        # One shared connection, or every new connection would see an empty database.
        kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    elif is_sqlite:
        kwargs.update(connect_args={"timeout": 30, "check_same_thread": False})
    else:
        kwargs.update(pool_pre_ping=True)
    engine = create_engine(url, **kwargs)
    if is_sqlite:
        _configure_sqlite(engine, file_backed=not in_memory)
    return engine


def _configure_sqlite(engine: Engine, *, file_backed: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted or overwritten content is zeroed, not left in free space: a purge at the
        # close (app.surveys.storage) must take the addresses out of the file.
        cursor.execute("PRAGMA secure_delete=ON")
        if file_backed:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers ask for the write lock up front (see begin_write_transaction). Sent to the
        # driver directly: it runs for every transaction and needs none of the statement
        # machinery of exec_driver_sql.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.connection.dbapi_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write_transaction() -> None:
    """Make the session's transaction the one a request or command writes in.

    SQLite allows one writer at a time, and a transaction that has read cannot become a
    writer once another connection has committed: it fails with "database is locked"
    instead of waiting. So on SQLite a transaction of earlier reads is ended here (committed:
    it has nothing to lose) and a new one takes the write lock up front (BEGIN IMMEDIATE),
    holding it for the writes only and not for the checks before them. PostgreSQL carries
    on in the current transaction, or starts one.
    """
    session = Session()
    if session.in_transaction():
        if session.get_bind().dialect.name != "sqlite":
            return
        session.commit()
    session.connection(execution_options={"sqlite_immediate": True})


def get_or_404(model: type[ModelT], ident: object) -> ModelT:
    """Load `model` by primary key or raise the domain's NotFound (rendered as a 404 page)."""
    obj = Session.get(model, ident)
    if obj is None:
        raise NotFound(f"No {model.__name__.lower()} with id {ident}.")
    return obj


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always returned timezone-aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def refuse_changes_to(model: type[Base], name: Callable[[Any], str], remedy: str) -> None:
    """Stored rows of `model` never change: a flush that modifies one or deletes one raises
    DomainError ("<name> is immutable; <remedy>." / "<name> cannot be deleted.")."""

    @event.listens_for(OrmSession, "before_flush")
    def refuse(session: OrmSession, _flush_context: UOWTransaction, _instances: object) -> None:
        for obj in session.dirty:
            if isinstance(obj, model) and session.is_modified(obj):
                raise DomainError(f"{name(obj)} is immutable; {remedy}.")
        for obj in session.deleted:
            if isinstance(obj, model):
                raise DomainError(f"{name(obj)} cannot be deleted.")
