"""Reads about staff accounts and what they may see."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import selectinload

from app.auth.models import Role, StaffUser, staff_team_scope
from app.db import Session
from app.i18n import UI_LANGUAGES
from app.org.models import PATH_SEPARATOR, Team


def visible_teams_clause(user: StaffUser) -> ColumnElement[bool]:
    """A WHERE clause on `Team` selecting the teams `user` may see: all for admin and hr,
    the subtrees of their scoped teams for a manager."""
    if user.has_role(Role.ADMIN, Role.HR):
        return true()
    scope_paths = list(
        Session.scalars(
            select(Team.path)
            .join(staff_team_scope, staff_team_scope.c.team_id == Team.id)
            .where(staff_team_scope.c.staff_user_id == user.id)
        )
    )
    if not scope_paths:
        return false()
    return or_(
        *(
            or_(Team.path == p, Team.path.startswith(p + PATH_SEPARATOR, autoescape=True))
            for p in scope_paths
        )
    )


def get_staff_user(user_id: int) -> StaffUser | None:
    return Session.get(StaffUser, user_id)


def staff_users() -> list[StaffUser]:
    """Every staff account with its team scopes: active accounts first, then by email."""
    return list(
        Session.scalars(
            select(StaffUser)
            .options(selectinload(StaffUser.team_scopes))
            .order_by(StaffUser.is_active.desc(), StaffUser.email)
        )
    )


def staff_language(email: str) -> str:
    """The interface language of the staff account at `email` (its setting), for the email
    it is sent; English for an address without an account or a setting."""
    language = Session.scalar(
        select(StaffUser.language).where(func.lower(StaffUser.email) == email.strip().lower())
    )
    return language if language in UI_LANGUAGES else "en"
