"""Writes for staff accounts. Services add and flush; the caller commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, or_, select, update

from app.auth.models import Role, StaffSession, StaffUser
from app.auth.passwords import (
    burn_verification_time,
    check_password_strength,
    hash_password,
    verify_password,
)
from app.db import Session, get_or_404, utcnow
from app.errors import Conflict, DomainError
from app.i18n import UI_LANGUAGES, _
from app.org.models import Team


def normalize_email(email: str) -> str:
    """Validate an address's syntax (no DNS lookup) and return it lower-cased."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise DomainError(
            _("%(email)s is not a valid email address: %(reason)s", email=repr(email), reason=exc)
        ) from None
    return result.normalized.lower()


def create_staff_user(
    email: str, password: str | None, role: Role | str, team_paths: Sequence[str] = ()
) -> StaffUser:
    """Create a staff account. Managers need at least one team scope; other roles take none.
    With `password` None the account has no password (an invitation sets it, or it signs
    in through OpenID Connect only).

    Raises DomainError for a bad email, a weak password, an unknown role or team, and
    Conflict when the email is taken.
    """
    address = normalize_email(email)
    try:
        role = Role(role)
    except ValueError:
        raise DomainError(
            _(
                "Unknown role %(role)s; use one of %(roles)s.",
                role=repr(role),
                roles=", ".join(r.value for r in Role),
            )
        ) from None
    if password is not None:
        check_password_strength(password, address)
    if Session.scalar(select(StaffUser.id).where(func.lower(StaffUser.email) == address)):
        raise Conflict(_("A staff account for %(email)s already exists.", email=address))
    teams = _teams_by_path(team_paths)
    if role is Role.MANAGER and not teams:
        raise DomainError(_("A manager needs at least one team (--team PATH)."))
    if role is not Role.MANAGER and teams:
        raise DomainError(
            _("Only managers are scoped to teams; %(role)s sees every team.", role=role.value)
        )
    password_hash = hash_password(password) if password is not None else ""
    user = StaffUser(email=address, password_hash=password_hash, role=role.value)
    user.team_scopes = teams
    Session.add(user)
    Session.flush()
    return user


def _teams_by_path(paths: Sequence[str]) -> list[Team]:
    wanted = [p.strip("/ ") for p in paths]
    found = {t.path: t for t in Session.scalars(select(Team).where(Team.path.in_(wanted)))}
    missing = [p for p in wanted if p not in found]
    if missing:
        raise DomainError(_("Unknown team(s): %(teams)s.", teams=", ".join(missing)))
    return [found[p] for p in dict.fromkeys(wanted)]


def authenticate(email: str, password: str) -> StaffUser | None:
    """Return the active account matching the credentials, or None.

    Unknown email, wrong password and disabled account all return None after the same
    amount of hashing work, so the answer reveals nothing about which accounts exist.
    """
    address = email.strip().lower()
    user = Session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == address))
    if user is None or not user.has_password:
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
            _(
                "Unknown role %(role)s; use one of %(roles)s.",
                role=repr(role),
                roles=", ".join(r.value for r in Role),
            )
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
        raise DomainError(_("A manager needs at least one team."))
    if new_role is not Role.MANAGER and teams:
        raise DomainError(
            _(
                "Only managers are scoped to teams; %(role)s sees every team. "
                "Remove the teams or choose the manager role.",
                role=new_role.value,
            )
        )
    if user.role == Role.ADMIN.value and new_role is not Role.ADMIN:
        if actor_id is not None and user.id == actor_id:
            raise DomainError(_("You cannot take away your own admin role; ask another admin."))
        if user.is_active and _other_active_admins(user) == 0:
            raise DomainError(
                _("%(email)s is the last active admin; make another admin first.", email=user.email)
            )
    if user.role != new_role.value or {t.id for t in user.team_scopes} != {t.id for t in teams}:
        # Pages already open were decided under the old role: the account signs in anew.
        end_sessions_of(user.id)
    user.role = new_role.value
    user.team_scopes = teams
    Session.flush()
    return user


def reset_password(user_id: int, password: str) -> StaffUser:
    """Set a new password (the strength rule of app.auth.passwords applies).

    Every session of the account ends for good: whoever knew the old password is signed
    out. The caller signs the current browser in anew when the account is its own.
    """
    user = _get_user(user_id)
    check_password_strength(password, user.email)
    user.password_hash = hash_password(password)
    end_sessions_of(user.id)
    Session.flush()
    return user


def set_active(user_id: int, active: bool, *, actor_id: int | None = None) -> StaffUser:
    """Deactivate (the account can no longer sign in, and its sessions end for good) or
    reactivate an account (it signs in anew: no old session comes back). An admin cannot
    deactivate themselves (`actor_id`), nor anyone the last active admin."""
    user = _get_user(user_id)
    if not active and user.is_active:
        if actor_id is not None and user.id == actor_id:
            raise DomainError(_("You cannot deactivate your own account; ask another admin."))
        if user.role == Role.ADMIN.value and _other_active_admins(user) == 0:
            raise DomainError(
                _("%(email)s is the last active admin; make another admin first.", email=user.email)
            )
    if not active:
        end_sessions_of(user.id)
    user.is_active = active
    Session.flush()
    return user


def unlink_single_sign_on(user_id: int) -> StaffUser:
    """Forget the account's subject at the OpenID Connect provider: its next single sign-on
    matches it by verified email again (after a wrong link, or a new identity at the
    provider). Its sessions end, in case the linked identity was not its owner's.
    DomainError when the account has no link."""
    user = _get_user(user_id)
    if user.oidc_subject is None:
        raise DomainError(_("%(email)s is not linked to single sign-on.", email=user.email))
    user.oidc_subject = None
    end_sessions_of(user.id)
    Session.flush()
    return user


def set_language(user_id: int, language: str | None) -> StaffUser:
    """Set the account's interface language: one of UI_LANGUAGES, or None (empty) to follow
    the browser's preference. DomainError for any other value; nothing is changed then."""
    user = _get_user(user_id)
    chosen = (language or "").strip() or None
    if chosen is not None and chosen not in UI_LANGUAGES:
        raise DomainError(
            _(
                "%(language)s is not a language of this interface; choose one of %(choices)s, "
                "or your browser's.",
                language=repr(chosen)[:40],
                choices=", ".join(UI_LANGUAGES),
            )
        )
    user.language = chosen
    Session.flush()
    return user


# --- sessions -------------------------------------------------------------------------------

# A live session's last_seen_at is written at most this often (not on every request).
LAST_SEEN_RESOLUTION = dt.timedelta(minutes=1)


def session_digest(key: str) -> str:
    """What the staff_session table stores of a session key: its SHA-256, in hex."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def open_session(user: StaffUser, *, lifetime: dt.timedelta) -> str:
    """Start a server-side session for `user` and return its key (for the signed cookie;
    only the key's digest is stored). The account's ended and outlived sessions are
    deleted on the way: they can never be resumed, so keeping them serves nothing."""
    now = utcnow()
    Session.execute(
        delete(StaffSession).where(
            StaffSession.staff_user_id == user.id,
            or_(StaffSession.ended_at.is_not(None), StaffSession.created_at < now - lifetime),
        )
    )
    key = secrets.token_urlsafe(32)
    Session.add(
        StaffSession(
            id=session_digest(key), staff_user_id=user.id, created_at=now, last_seen_at=now
        )
    )
    Session.flush()
    return key


def resume_session(key: str, *, idle: dt.timedelta, lifetime: dt.timedelta) -> StaffUser | None:
    """The active account of the live session `key`, or None.

    A session is live until it ends (sign-out, deactivation, a role or password change),
    stays unused for `idle`, or reaches `lifetime` since sign-in; an outlived session is
    ended here. Its writes (last seen, the end) are left in the session for the caller to
    commit (`Session.dirty`).
    """
    found = Session.execute(
        select(StaffSession, StaffUser)
        .join(StaffUser, StaffUser.id == StaffSession.staff_user_id)
        .where(StaffSession.id == session_digest(key), StaffSession.ended_at.is_(None))
    ).one_or_none()
    if found is None:
        return None
    staff_session, user = found
    now = utcnow()
    if now - staff_session.last_seen_at > idle or now - staff_session.created_at > lifetime:
        staff_session.ended_at = now
    elif now - staff_session.last_seen_at >= LAST_SEEN_RESOLUTION:
        staff_session.last_seen_at = now
    return user if staff_session.ended_at is None and user.is_active else None


def end_session(key: str) -> None:
    """End one session (its user signed out)."""
    Session.execute(
        update(StaffSession)
        .where(StaffSession.id == session_digest(key), StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_sessions_of(user_id: int) -> None:
    """End every session of an account, for good."""
    Session.execute(
        update(StaffSession)
        .where(StaffSession.staff_user_id == user_id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
