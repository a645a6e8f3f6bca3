"""Reads of the audit log: filtered and paginated, newest first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import contains_eager

from app.audit.models import AuditEvent
from app.auth.models import StaffUser
from app.db import Session

PER_PAGE = 50


@dataclass(frozen=True)
class AuditFilters:
    """What the audit page is narrowed to; empty values do not filter.

    Values that match nothing (an unknown action, a date range with no events) give an
    empty page, never an error.
    """

    actor: str = ""  # part of the actor's email, in any case
    action: str = ""
    object_type: str = ""
    since: dt.date | None = None  # first day included (UTC)
    until: dt.date | None = None  # last day included (UTC)

    def clauses(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.actor.strip():
            needle = self.actor.strip().lower()
            found.append(func.lower(StaffUser.email).contains(needle, autoescape=True))
        if self.action:
            found.append(AuditEvent.action == self.action)
        if self.object_type:
            found.append(AuditEvent.object_type == self.object_type)
        if self.since is not None:
            found.append(AuditEvent.occurred_at >= _midnight(self.since))
        if self.until is not None:
            found.append(AuditEvent.occurred_at < _midnight(self.until + dt.timedelta(days=1)))
        return found


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


@dataclass(frozen=True)
class AuditPage:
    events: Sequence[AuditEvent]
    total: int  # events matching the filters, on all pages
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _filtered(statement: Select[AuditEvent], filters: AuditFilters) -> Select[AuditEvent]:
    return statement.outerjoin(StaffUser, AuditEvent.actor_id == StaffUser.id).where(
        *filters.clauses()
    )


def audit_events(filters: AuditFilters, page: int = 1, per_page: int = PER_PAGE) -> AuditPage:
    """One page of the events matching `filters`, newest first, with their actors loaded.
    A page beyond the last is empty."""
    page = max(1, page)
    matching = _filtered(select(AuditEvent), filters)
    total = int(Session.scalar(select(func.count()).select_from(matching.subquery())) or 0)
    offset = (page - 1) * per_page
    if offset >= total:  # past the last page (any page number, however large)
        return AuditPage(events=[], total=total, page=page, per_page=per_page)
    events = Session.scalars(
        matching.options(contains_eager(AuditEvent.actor))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .offset(offset)
        .limit(per_page)
    ).all()
    return AuditPage(events=events, total=total, page=page, per_page=per_page)


def audit_actions() -> list[str]:
    """Every action the log holds, sorted."""
    return list(Session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def audit_object_types() -> list[str]:
    """Every object type the log holds, sorted."""
    return list(
        Session.scalars(select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type))
    )
