"""Writes for staff accounts. Services add and flush; the caller commits."""

from __future__ import annotations

from collections.abc import Sequence

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from app.auth.models import Role, StaffUser
from app.auth.passwords import burn_verification_time, hash_password, verify_password
from app.db import Session, utcnow
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
