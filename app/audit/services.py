"""Writing the audit log. Staff actions only: employee actions are never audited, since a
timestamped trace of a submission could be matched with an invitation."""

from __future__ import annotations

from typing import Any

from app.audit.models import AuditEvent
from app.auth.models import StaffUser
from app.db import Session


def record_event(
    actor: StaffUser | None,
    action: str,
    object_type: str,
    object_id: object = None,
    **detail: Any,
) -> AuditEvent:
    """Add one audit event (e.g. action "report.view", object ("survey", 3))."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        detail=detail,
    )
    Session.add(event)
    return event
