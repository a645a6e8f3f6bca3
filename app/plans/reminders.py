"""Owners' reminders: a set number of days before an action is due, its owner gets one
email through the outbox (once per action and due date; a new due date earns a new
reminder). Done and dropped actions, and owners whose account is deactivated, get none.

`queue_due_reminders` is a step of the worker's round (app.worker.rounds). Several workers
may run it at once: each action is claimed with a conditional UPDATE of its
`reminded_for` (the second worker's UPDATE matches no row), in the transaction that adds
its outbox message, so no owner is reminded twice. The outbox row holds the owner's
address only while pending (as every staff email) and the ids of the plan and action;
the email is built when it is sent, with the action's text, its due date and the link to
the plan's page, and no figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, update

from app.auth.models import StaffUser
from app.db import Session, begin_write_transaction
from app.outbox.models import MessageStatus, OutboxMessage
from app.outbox.services import OutboxSettings, register_staff_email
from app.plans.models import FINISHED, ActionPlan, PlanAction

# The outbox kind of an owner's reminder (its template: email/action_due.txt).
ACTION_DUE = "action_due"
DEFAULT_REMINDER_DAYS = 7


def reminder_days() -> int:
    """How many days before its due date an owner is reminded of an action
    (PLAN_REMINDER_DAYS, default 7)."""
    return int(current_app.config.get("PLAN_REMINDER_DAYS", DEFAULT_REMINDER_DAYS))


def due_for_reminder(today: dt.date, days_before: int) -> list[int]:
    """The actions whose owner should be reminded today: due between today and
    `days_before` days from now, neither done nor dropped, not yet reminded for this due
    date, owned by an active account."""
    return list(
        Session.scalars(
            select(PlanAction.id)
            .join(StaffUser, StaffUser.id == PlanAction.owner_id)
            .where(
                PlanAction.due_on >= today,
                PlanAction.due_on <= today + dt.timedelta(days=days_before),
                PlanAction.status.not_in(FINISHED),
                or_(
                    PlanAction.reminded_for.is_(None), PlanAction.reminded_for != PlanAction.due_on
                ),
                StaffUser.is_active.is_(True),
            )
            .order_by(PlanAction.due_on, PlanAction.id)
        )
    )


def queue_due_reminders(today: dt.date, days_before: int = DEFAULT_REMINDER_DAYS) -> int:
    """Queue the owners' reminders due today, each action in a transaction of its own
    (claimed by a conditional UPDATE, so parallel workers queue it once); commits, as a
    worker step does. Returns how many were queued."""
    if days_before < 0:
        raise ValueError("days_before must be zero or more")
    queued = 0
    candidates = due_for_reminder(today, days_before)
    Session.commit()
    for action_id in candidates:
        begin_write_transaction()
        claimed = Session.execute(
            update(PlanAction)
            .where(
                PlanAction.id == action_id,
                PlanAction.status.not_in(FINISHED),
                or_(
                    PlanAction.reminded_for.is_(None), PlanAction.reminded_for != PlanAction.due_on
                ),
            )
            .values(reminded_for=PlanAction.due_on)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            Session.rollback()
            continue
        action = Session.get_one(PlanAction, action_id, populate_existing=True)
        Session.add(
            OutboxMessage(
                kind=ACTION_DUE,
                recipient=action.owner.email,
                status=MessageStatus.PENDING.value,
                payload={"plan_id": action.plan_id, "action_id": action.id},
            )
        )
        Session.commit()
        queued += 1
    return queued


def action_due_email(
    message: OutboxMessage, settings: OutboxSettings
) -> tuple[str, Mapping[str, Any]]:
    """The template and context of an owner's reminder, read when it is sent."""
    payload = message.payload or {}
    action = Session.get_one(PlanAction, int(payload["action_id"]))
    plan = Session.get_one(ActionPlan, action.plan_id)
    context = {
        "action_text": action.text,
        "due_on": action.due_on.isoformat(),
        "status": action.status_label.lower(),
        "team": plan.team.path,
        "survey_title": plan.survey.title,
        "plan_link": f"{settings.public_base_url.rstrip('/')}/plans/{plan.id}",
    }
    return ACTION_DUE, context


register_staff_email(ACTION_DUE, action_due_email)
