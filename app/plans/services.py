"""Writing action plans: create a plan, change its focus areas, add and edit actions,
change an action's status. Each change is checked against the actor's scope (a manager
plans for the teams of their subtrees, HR and admins for any team) and written to the audit
log with ids, keys, dates and statuses only: never an action's text or notes.

Services add and flush; the caller commits once. A refusal raises before anything is
added, so nothing is half-stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from app.audit.services import record_event
from app.auth.models import StaffUser
from app.db import Session, utcnow
from app.errors import DomainError, NotFound
from app.i18n import _
from app.instruments.queries import document_of
from app.org.models import Team
from app.plans.models import (
    MAX_ACTION_TEXT,
    MAX_FOCUS_AREAS,
    MAX_NOTES,
    ActionPlan,
    ActionStatus,
    PlanAction,
    PlanFocus,
)
from app.plans.queries import check_team_in_scope, sees_team
from app.reports.queries import latest_release, survey_team_tree
from app.surveys.models import Survey


class PlanInputError(DomainError):
    """Bad input for one field of a plan or an action (`field` names the form field)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def checked_focus_keys(survey: Survey, keys: Sequence[str]) -> list[str]:
    """The focus areas in the order given: one to three distinct dimension keys of the
    survey's instrument version (PlanInputError on field "focus" otherwise)."""
    document = document_of(survey.instrument_version)
    dimensions = {d.key for d in document.dimensions}
    chosen = list(dict.fromkeys(key.strip() for key in keys if key.strip()))
    if not chosen:
        raise PlanInputError(_("Choose at least one focus area."), "focus")
    if len(chosen) > MAX_FOCUS_AREAS:
        raise PlanInputError(
            _(
                "Choose at most %(most)s focus areas (%(chosen)s chosen).",
                most=MAX_FOCUS_AREAS,
                chosen=len(chosen),
            ),
            "focus",
        )
    version = survey.instrument_version
    for key in chosen:
        if key not in dimensions:
            raise PlanInputError(
                _(
                    "'%(key)s' is not a dimension of %(instrument)s version %(version)s, the "
                    "version this survey uses; choose among its dimensions.",
                    key=key[:100],
                    instrument=version.instrument.title,
                    version=version.version,
                ),
                "focus",
            )
    return chosen


def create_plan(
    actor: StaffUser, survey_id: int, team_id: int, focus_keys: Sequence[str]
) -> ActionPlan:
    """A new plan for a team of a survey with a release, on one to three of the survey's
    dimensions. Forbidden outside the actor's scope; NotFound for a team not in the
    survey; refused for a survey without a release (a plan answers a release)."""
    survey = Session.get(Survey, survey_id)
    if survey is None:
        raise NotFound(_("No survey with id %(id)s.", id=survey_id))
    if Session.get(Team, team_id) is None:
        raise NotFound(_("No team with id %(id)s.", id=team_id))
    check_team_in_scope(actor, team_id)
    if latest_release(survey.id) is None:
        raise DomainError(
            _(
                "The survey '%(survey)s' has no release yet: a plan answers a release's results.",
                survey=survey.title,
            )
        )
    if team_id not in survey_team_tree(survey).paths:
        raise NotFound(
            _(
                "Team %(team)s is not part of the survey '%(survey)s'.",
                team=team_id,
                survey=survey.title,
            )
        )
    keys = checked_focus_keys(survey, focus_keys)
    plan = ActionPlan(survey_id=survey.id, team_id=team_id, created_by_id=actor.id)
    plan.focus_areas = [PlanFocus(dimension_key=k, position=i) for i, k in enumerate(keys, 1)]
    Session.add(plan)
    Session.flush()
    record_event(
        actor, "plan.create", "action_plan", plan.id, survey=survey.id, team=team_id, focus=keys
    )
    return plan


def update_focus(actor: StaffUser, plan: ActionPlan, focus_keys: Sequence[str]) -> ActionPlan:
    """Set the plan's focus areas (one to three dimensions of its survey's version)."""
    check_team_in_scope(actor, plan.team_id)
    keys = checked_focus_keys(plan.survey, focus_keys)
    before = plan.focus_keys
    if keys == before:
        return plan
    plan.focus_areas.clear()
    Session.flush()  # the old rows go before rows with the same keys come back
    plan.focus_areas.extend(PlanFocus(dimension_key=k, position=i) for i, k in enumerate(keys, 1))
    plan.updated_at = utcnow()
    Session.flush()
    record_event(actor, "plan.update", "action_plan", plan.id, before=before, after=keys)
    return plan


def _checked_text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise PlanInputError(_("Say what the action is."), "text")
    if len(cleaned) > MAX_ACTION_TEXT:
        raise PlanInputError(
            _(
                "An action is at most %(most)s characters (%(given)s given).",
                most=MAX_ACTION_TEXT,
                given=len(cleaned),
            ),
            "text",
        )
    return cleaned


def _checked_notes(notes: str | None) -> str | None:
    cleaned = (notes or "").strip()
    if len(cleaned) > MAX_NOTES:
        raise PlanInputError(
            _(
                "Notes are at most %(most)s characters (%(given)s given).",
                most=MAX_NOTES,
                given=len(cleaned),
            ),
            "notes",
        )
    return cleaned or None


def _checked_status(status: str) -> str:
    try:
        return ActionStatus(status).value
    except ValueError:
        choices = ", ".join(s.label.lower() for s in ActionStatus)
        raise PlanInputError(
            _("The status must be one of: %(choices)s.", choices=choices), "status"
        ) from None


def _checked_owner(plan: ActionPlan, owner_id: int | None, current: int | None = None) -> StaffUser:
    """An active staff member who may read the plan (their reminder links to it). An action
    keeps an owner who has since been deactivated or moved, but none is newly given one."""
    owner = Session.get(StaffUser, owner_id) if owner_id is not None else None
    if owner is None:
        raise PlanInputError(_("Choose the staff member who owns the action."), "owner")
    if owner.id == current:
        return owner
    if not owner.is_active:
        raise PlanInputError(
            _("%(email)s's account is deactivated; choose an active owner.", email=owner.email),
            "owner",
        )
    if not sees_team(owner, plan.team):
        raise PlanInputError(
            _(
                "%(email)s cannot read the plans of %(team)s; choose HR, an admin or a manager "
                "of the team.",
                email=owner.email,
                team=plan.team.path,
            ),
            "owner",
        )
    return owner


def _checked_due(due_on: dt.date | None) -> dt.date:
    if due_on is None:
        raise PlanInputError(_("Give the date the action is due (YYYY-MM-DD)."), "due_on")
    return due_on


def add_action(
    actor: StaffUser,
    plan: ActionPlan,
    *,
    text: str,
    owner_id: int | None,
    due_on: dt.date | None,
    status: str = ActionStatus.PLANNED.value,
    notes: str | None = None,
) -> PlanAction:
    """Add an action to a plan: its text, an active owner, a due date, a status, notes."""
    check_team_in_scope(actor, plan.team_id)
    action = PlanAction(
        text=_checked_text(text),
        owner_id=_checked_owner(plan, owner_id).id,
        due_on=_checked_due(due_on),
        status=_checked_status(status),
        notes=_checked_notes(notes),
    )
    plan.actions.append(action)
    plan.updated_at = utcnow()
    Session.flush()
    record_event(
        actor,
        "plan.action.create",
        "plan_action",
        action.id,
        plan=plan.id,
        owner=action.owner_id,
        due_on=action.due_on.isoformat(),
        status=action.status,
    )
    return action


def update_action(
    actor: StaffUser,
    action: PlanAction,
    *,
    text: str,
    owner_id: int | None,
    due_on: dt.date | None,
    status: str,
    notes: str | None,
) -> PlanAction:
    """Change an action; the audit event names the fields that changed (the owner, the due
    date and the status with their values; the text and notes by name only)."""
    check_team_in_scope(actor, action.plan.team_id)
    after = {
        "text": _checked_text(text),
        "owner_id": _checked_owner(action.plan, owner_id, current=action.owner_id).id,
        "due_on": _checked_due(due_on),
        "status": _checked_status(status),
        "notes": _checked_notes(notes),
    }
    changed = [name for name, value in after.items() if getattr(action, name) != value]
    if not changed:
        return action
    detail: dict[str, object] = {"plan": action.plan_id, "changed": changed}
    for name in ("owner_id", "due_on", "status"):
        if name in changed:
            old, new = getattr(action, name), after[name]
            detail[name] = [_plain(old), _plain(new)]
    for name, value in after.items():
        setattr(action, name, value)
    action.updated_at = action.plan.updated_at = utcnow()
    Session.flush()
    record_event(actor, "plan.action.update", "plan_action", action.id, **detail)
    return action


def set_action_status(actor: StaffUser, action: PlanAction, status: str) -> PlanAction:
    """Move an action to another status (planned, in progress, done, dropped)."""
    check_team_in_scope(actor, action.plan.team_id)
    new = _checked_status(status)
    if new == action.status:
        return action
    old, action.status = action.status, new
    action.updated_at = action.plan.updated_at = utcnow()
    Session.flush()
    record_event(
        actor,
        "plan.action.status",
        "plan_action",
        action.id,
        plan=action.plan_id,
        status=[old, new],
    )
    return action


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value
