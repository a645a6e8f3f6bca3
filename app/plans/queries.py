"""Reading action plans: the plans a staff member may see (HR and admins every plan, a
manager those of their subtrees), one plan in scope, a team's plans for the employee
summary, and the staff members an action may be given to."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from app.auth.models import Role, StaffUser
from app.auth.queries import visible_teams_clause
from app.db import Session, get_or_404
from app.errors import Forbidden, NotFound
from app.i18n import _
from app.org.models import PATH_SEPARATOR, Team
from app.plans.models import ActionPlan, ActionStatus, PlanAction
from app.reports.models import Release
from app.reports.queries import survey_team_tree, waves_of
from app.surveys.models import Survey

PLANNERS = (Role.ADMIN, Role.HR, Role.MANAGER)


def check_team_in_scope(actor: StaffUser, team_id: int) -> None:
    """Forbidden unless `actor` may see and plan for the team (a manager: their subtrees;
    HR and admins: every team)."""
    if not actor.has_role(*PLANNERS):
        raise Forbidden(_("Your role does not give access to action plans."))
    visible = Session.scalar(select(Team.id).where(Team.id == team_id, visible_teams_clause(actor)))
    if visible is None:
        raise Forbidden(_("This team is outside the teams you can see."))


def plan_in_scope(actor: StaffUser, plan_id: int) -> ActionPlan:
    """The plan, if `actor` may see it (404 for no such plan, 403 outside the scope)."""
    plan = get_or_404(ActionPlan, plan_id)
    check_team_in_scope(actor, plan.team_id)
    return plan


def action_of(plan: ActionPlan, action_id: int) -> PlanAction:
    """An action of `plan` (404 for an action of another plan)."""
    action = Session.get(PlanAction, action_id)
    if action is None or action.plan_id != plan.id:
        raise NotFound(_("Plan %(plan)s has no action %(action)s.", plan=plan.id, action=action_id))
    return action


def _with_details(query: Select[ActionPlan]) -> Select[ActionPlan]:
    return query.options(
        selectinload(ActionPlan.focus_areas),
        selectinload(ActionPlan.actions).selectinload(PlanAction.owner),
        selectinload(ActionPlan.team),
        selectinload(ActionPlan.survey),
        selectinload(ActionPlan.created_by),
    )


def visible_plans(
    user: StaffUser,
    *,
    survey_id: int | None = None,
    team_id: int | None = None,
    status: str | None = None,
) -> list[ActionPlan]:
    """The plans `user` may see, newest survey first, then by team path; filtered by
    survey, team (that team's own plans) and an action status (plans with at least one
    action in it)."""
    query = (
        select(ActionPlan)
        .join(Team, Team.id == ActionPlan.team_id)
        .join(Survey, Survey.id == ActionPlan.survey_id)
        .where(visible_teams_clause(user))
        .order_by(Survey.id.desc(), Team.path, ActionPlan.id)
    )
    if survey_id is not None:
        query = query.where(ActionPlan.survey_id == survey_id)
    if team_id is not None:
        query = query.where(ActionPlan.team_id == team_id)
    if status is not None:
        query = query.where(ActionPlan.actions.any(PlanAction.status == ActionStatus(status).value))
    return list(Session.scalars(_with_details(query)))


def plans_for_team(team_id: int, survey_id: int) -> list[ActionPlan]:
    """The plans a team made from a survey's release, with their focus areas (in order)
    and actions (owners loaded), oldest first. Not scoped to a reader: the caller decides
    who sees them (e.g. the employee summary, only for teams whose results it shows)."""
    query = (
        select(ActionPlan)
        .where(ActionPlan.team_id == team_id, ActionPlan.survey_id == survey_id)
        .order_by(ActionPlan.id)
    )
    return list(Session.scalars(_with_details(query)))


def earlier_plans(team_id: int, survey: Survey) -> list[ActionPlan]:
    """The plans the team made in earlier waves of the same instrument, the latest wave
    first: a later wave's team view points to them ("did it work?" is on each plan)."""
    waves = [wave.id for wave in waves_of(survey)]  # oldest first
    wanted = waves[: waves.index(survey.id)] if survey.id in waves else []
    if not wanted:
        return []
    query = (
        select(ActionPlan)
        .where(ActionPlan.team_id == team_id, ActionPlan.survey_id.in_(wanted))
        .order_by(ActionPlan.survey_id.desc(), ActionPlan.id)
    )
    return list(Session.scalars(_with_details(query)))


def plan_surveys(user: StaffUser) -> list[Survey]:
    """The surveys with a plan `user` may see (the list's survey filter)."""
    return list(
        Session.scalars(
            select(Survey)
            .where(
                Survey.id.in_(
                    select(ActionPlan.survey_id)
                    .join(Team, Team.id == ActionPlan.team_id)
                    .where(visible_teams_clause(user))
                )
            )
            .order_by(Survey.id.desc())
        )
    )


def plan_teams(user: StaffUser) -> list[Team]:
    """The teams with a plan `user` may see (the list's team filter), by path."""
    return list(
        Session.scalars(
            select(Team)
            .where(
                Team.id.in_(select(ActionPlan.team_id)),
                visible_teams_clause(user),
            )
            .order_by(Team.path)
        )
    )


def sees_team(user: StaffUser, team: Team) -> bool:
    """Whether `user` may read the plans of `team` (HR and admins: every team; a manager:
    the teams of their subtrees)."""
    if user.has_role(Role.ADMIN, Role.HR):
        return True
    if not user.has_role(Role.MANAGER):
        return False
    return any(
        team.path == scope.path or team.path.startswith(scope.path + PATH_SEPARATOR)
        for scope in user.team_scopes
    )


def owner_choices(team: Team, current: StaffUser | None = None) -> Sequence[StaffUser]:
    """The staff members an action of `team`'s plan may be given to: active accounts that
    may read the plan (its reminder links to it), by email; plus the action's current owner
    if no longer one of them (the action keeps them)."""
    users = [
        user
        for user in Session.scalars(
            select(StaffUser)
            .where(StaffUser.is_active)
            .options(selectinload(StaffUser.team_scopes))
            .order_by(StaffUser.email)
        )
        if sees_team(user, team)
    ]
    if current is not None and current not in users:
        users.append(current)
    return users


def surveys_with_release() -> list[Survey]:
    """The surveys a plan may answer: those with a release, newest first."""
    return list(
        Session.scalars(
            select(Survey)
            .where(Survey.id.in_(select(Release.survey_id)))
            .order_by(Survey.id.desc())
        )
    )


def plannable_teams(user: StaffUser, survey: Survey) -> list[Team]:
    """The teams of a survey (and their ancestors) `user` may plan for, by path."""
    tree = survey_team_tree(survey)
    return list(
        Session.scalars(
            select(Team)
            .where(Team.id.in_(list(tree.paths)), visible_teams_clause(user))
            .order_by(Team.path)
        )
    )
