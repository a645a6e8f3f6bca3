"""Writes for staff accounts. Services add and flush; the caller commits."""

from __future__ import annotations

from collections.abc import Sequence

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from app.auth.models import Role, StaffUser
from app.auth.passwords import burn_verification_time, hash_password, verify_password
from app.db import Session, get_or_404, utcnow
from app.errors import Conflict, DomainError
from app.org.models import Team

MIN_PASSWORD_LENGTH = 12


def normalize_email(email: str) -> str:
    """Validate an address's syntax (no DNS lookup) and return it lower-cased."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise DomainError(f"{email!r} is not a valid email address: {exc}") from None
    return result.normalized.lower()


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")


def create_staff_user(
    email: str, password: str, role: Role | str, team_paths: Sequence[str] = ()
) -> StaffUser:
    """Create a staff account. Managers need at least one team scope; other roles take none.

    Raises DomainError for a bad email, a weak password, an unknown role or team, and
    Conflict when the email is taken.
    """
    address = normalize_email(email)
    try:
        role = Role(role)
    except ValueError:
        raise DomainError(
            f"Unknown role {role!r}; use one of {', '.join(r.value for r in Role)}."
        ) from None
    check_password_strength(password)
    if Session.scalar(select(StaffUser.id).where(func.lower(StaffUser.email) == address)):
        raise Conflict(f"A staff account for {address} already exists.")
    teams = _teams_by_path(team_paths)
    if role is Role.MANAGER and not teams:
        raise DomainError("A manager needs at least one team (--team PATH).")
    if role is not Role.MANAGER and teams:
        raise DomainError(f"Only managers are scoped to teams; {role.value} sees every team.")
    user = StaffUser(email=address, password_hash=hash_password(password), role=role.value)
    user.team_scopes = teams
    Session.add(user)
    Session.flush()
    return user


def _teams_by_path(paths: Sequence[str]) -> list[Team]:
    wanted = [p.strip("/ ") for p in paths]
    found = {t.path: t for t in Session.scalars(select(Team).where(Team.path.in_(wanted)))}
    missing = [p for p in wanted if p not in found]
    if missing:
        raise DomainError(f"Unknown team(s): {', '.join(missing)}.")
    return [found[p] for p in dict.fromkeys(wanted)]


def authenticate(email: str, password: str) -> StaffUser | None:
    """Return the active account matching the credentials, or None.

    Unknown email, wrong password and disabled account all return None after the same
    amount of hashing work, so the answer reveals nothing about which accounts exist.
    """
    address = email.strip().lower()
    user = Session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == address))
    if user is None:
        burn_verification_time(password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user


# --- account administration ---------------------------------------------------------------


def _role_of(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise DomainError(
            f"Unknown role {role!r}; use one of {', '.join(r.value for r in Role)}."
        ) from None


def _get_user(user_id: int) -> StaffUser:
    return get_or_404(StaffUser, user_id)


def _other_active_admins(user: StaffUser) -> int:
    """How many active admins there are besides `user` (the rows are locked on PostgreSQL,
    so two admins cannot demote each other at the same time)."""
    ids = Session.scalars(
        select(StaffUser.id)
        .where(
            StaffUser.role == Role.ADMIN.value,
            StaffUser.is_active.is_(True),
            StaffUser.id != user.id,
        )
        .with_for_update()
    ).all()
    return len(ids)


def set_role_and_scopes(
    user_id: int, role: Role | str, team_paths: Sequence[str], *, actor_id: int | None = None
) -> StaffUser:
    """Give an account a role and, for a manager, its team scopes (existing team paths).

    The rules of `create_staff_user` apply: a manager needs at least one team, other roles
    take none (DomainError). An admin cannot take away their own admin role (`actor_id`),
    nor anyone the last active admin's.
    """
    user = _get_user(user_id)
    new_role = _role_of(role)
    teams = _teams_by_path(team_paths)
    if new_role is Role.MANAGER and not teams:
        raise DomainError("A manager needs at least one team.")
    if new_role is not Role.MANAGER and teams:
        raise DomainError(
            f"Only managers are scoped to teams; {new_role.value} sees every team. "
            "Remove the teams or choose the manager role."
        )
    if user.role == Role.ADMIN.value and new_role is not Role.ADMIN:
        if actor_id is not None and user.id == actor_id:
            raise DomainError("You cannot take away your own admin role; ask another admin.")
        if user.is_active and _other_active_admins(user) == 0:
            raise DomainError(f"{user.email} is the last active admin; make another admin first.")
    user.role = new_role.value
    user.team_scopes = teams
    Session.flush()
    return user


def reset_password(user_id: int, password: str) -> StaffUser:
    """Set a new password chosen by an admin (at least MIN_PASSWORD_LENGTH characters).

    Every session opened with the old password ends at its next request (the session
    version goes up); whoever knew the old password is signed out.
    """
    user = _get_user(user_id)
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.session_version += 1
    Session.flush()
    return user


def set_active(user_id: int, active: bool, *, actor_id: int | None = None) -> StaffUser:
    """Deactivate (the account can no longer sign in, and its open sessions end at their next
    request) or reactivate an account. An admin cannot deactivate themselves (`actor_id`),
    nor anyone the last active admin."""
    user = _get_user(user_id)
    if not active and user.is_active:
        if actor_id is not None and user.id == actor_id:
            raise DomainError("You cannot deactivate your own account; ask another admin.")
        if user.role == Role.ADMIN.value and _other_active_admins(user) == 0:
            raise DomainError(f"{user.email} is the last active admin; make another admin first.")
    user.is_active = active
    Session.flush()
    return user
