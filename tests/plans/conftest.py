"""Two released waves of the bundled instrument (teams under Eng and Ops), staff of each
role, and helpers for plans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import Role, StaffUser
from app.instruments.models import InstrumentVersion
from app.org.models import Team
from app.plans.models import ActionPlan, PlanAction, PlanFocus
from app.surveys.models import Survey
from tests.reports.test_change import wave

# team -> each person's answer to every item (Ops/North and Ops/South are below k = 5)
FIRST = {
    "Eng/Alpha": [2, 2, 3, 3, 2, 3],
    "Eng/Beta": [3, 3, 3, 4, 4, 3],
    "Ops/North": [3, 3, 3],
    "Ops/South": [3, 4, 3],
}
SECOND = {
    "Eng/Alpha": [4, 4, 5, 5, 4, 5],
    "Eng/Beta": [3, 4, 3, 4, 3, 3],
    "Ops/North": [2, 2, 2],
    "Ops/South": [3, 2, 3],
}


@dataclass
class Staff:
    hr: StaffUser
    admin: StaffUser
    eng: StaffUser  # manager of Eng
    ops: StaffUser  # manager of Ops
    owner: StaffUser  # another manager of Eng, owner of actions


@dataclass
class Waves:
    first: Survey
    second: Survey
    teams: dict[str, int]


@pytest.fixture
def staff(make_user: Any, first_wave: Survey) -> Staff:
    """Staff of each role (the teams exist once the first wave does)."""
    return Staff(
        hr=make_user("hr@example.org", Role.HR),
        admin=make_user("admin@example.org", Role.ADMIN),
        eng=make_user("eng@example.org", Role.MANAGER, ["Eng"]),
        ops=make_user("ops@example.org", Role.MANAGER, ["Ops"]),
        owner=make_user("owner@example.org", Role.MANAGER, ["Eng/Alpha"]),
    )


def make_first_wave(db_session: Any, version: InstrumentVersion) -> Survey:
    return wave(
        db_session,
        version,
        "Wave one",
        dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        FIRST,
        closed=True,
    )


def make_second_wave(db_session: Any, version: InstrumentVersion) -> Survey:
    return wave(
        db_session,
        version,
        "Wave two",
        dt.datetime(2027, 3, 1, tzinfo=dt.UTC),
        SECOND,
        closed=True,
    )


@pytest.fixture
def first_wave(db_session: Any, bundled_version: InstrumentVersion) -> Survey:
    return make_first_wave(db_session, bundled_version)


@pytest.fixture
def teams(db_session: Any, first_wave: Survey) -> dict[str, int]:
    return {t.path: t.id for t in db_session.scalars(select(Team))}


def counts(db_session: Any) -> dict[str, int]:
    """Rows of the plan tables and plan audit events: what a refusal must leave as it was."""
    return {
        "plans": db_session.scalar(select(func.count()).select_from(ActionPlan)),
        "focus": db_session.scalar(select(func.count()).select_from(PlanFocus)),
        "actions": db_session.scalar(select(func.count()).select_from(PlanAction)),
        "events": db_session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("plan.%"))
        ),
    }


def plan_events(db_session: Any) -> list[AuditEvent]:
    return list(
        db_session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("plan.%")).order_by(AuditEvent.id)
        )
    )


# A real SMTP server on loopback for the owners' reminders (tests/outbox's fixtures).
from tests.outbox.conftest import mail_server, mail_to, smtp_server  # noqa: E402, F401
