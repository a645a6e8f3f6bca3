"""Set-password links for staff, sent by email: the invitation to a new account, and
"forgot password". Services add and flush; the caller commits.

A link is `/account/set-password/<token>` with a fresh `secrets.token_urlsafe(32)`. The
database keeps the token's SHA-256 only (`PasswordLink`); the raw token travels in the
outbox message until it is sent (the outbox's own rule: a raw token on a pending row only).
A link works once and until it expires (STAFF_INVITATION_HOURS, PASSWORD_RESET_MINUTES);
using one ends every live link of the account and every session of the account.

"Forgot password" answers the same whether an account exists or not: the route shows one
page either way (the service's result serves the audit log only), padded to a fixed time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CursorResult, delete, func, select, update

from app.auth.models import LinkPurpose, PasswordLink, Role, StaffUser, role_name
from app.auth.passwords import check_password_strength, hash_password
from app.auth.services import create_staff_user, end_sessions_of, normalize_email
from app.db import Session, utcnow
from app.errors import DomainError, Gone, NotFound
from app.i18n import N_, _, ngettext
from app.outbox.models import MessageKind, MessageStatus, OutboxMessage
from app.outbox.services import OutboxSettings, register_staff_email
from app.surveys.tokens import new_token, token_sha256

# The path of a link, below the public base URL.
LINK_PATH = "/account/set-password/"

EMAIL_KIND = {
    LinkPurpose.INVITATION: MessageKind.STAFF_INVITATION,
    LinkPurpose.RESET: MessageKind.PASSWORD_RESET,
}

UNKNOWN_LINK = N_("This link is not valid. Check that you copied the whole link from the email.")
USED_LINK = N_(
    "This link has already been used. Links to set a password work once; to set it again, "
    "use \u201cForgot your password?\u201d on the sign-in page."
)
EXPIRED_LINK = N_(
    "This link has expired. Ask for a new one with \u201cForgot your password?\u201d on the "
    "sign-in page, or ask an administrator to invite you again."
)


@dataclass(frozen=True)
class LinkLifetimes:
    """How long a new account's link and a reset link stay usable."""

    invitation: dt.timedelta = dt.timedelta(hours=72)
    reset: dt.timedelta = dt.timedelta(minutes=60)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LinkLifetimes:
        return cls(
            invitation=dt.timedelta(hours=int(config.get("STAFF_INVITATION_HOURS", 72))),
            reset=dt.timedelta(minutes=int(config.get("PASSWORD_RESET_MINUTES", 60))),
        )

    def of(self, purpose: LinkPurpose) -> dt.timedelta:
        return self.invitation if purpose is LinkPurpose.INVITATION else self.reset


def link_url(base_url: str, raw_token: str) -> str:
    """The link an email carries."""
    return f"{base_url.rstrip('/')}{LINK_PATH}{raw_token}"


def duration_text(minutes: int) -> str:
    """72 hours, 1 hour, 90 minutes: how long a link works, as its email says it (in the
    language being rendered)."""
    if minutes % 60 == 0 and minutes >= 60:
        return ngettext("%(num)s hour", "%(num)s hours", minutes // 60)
    return ngettext("%(num)s minute", "%(num)s minutes", minutes)


def account_email(
    message: OutboxMessage, settings: OutboxSettings
) -> tuple[str, dict[str, object]]:
    """The template and context of an account email in the outbox (its link built from the
    message's raw token, which the outbox holds until it is sent)."""
    assert message.raw_token is not None
    payload = message.payload or {}
    context: dict[str, object] = {
        "email": message.recipient,
        "role": role_name(str(payload.get("role", ""))),
        "lifetime": duration_text(int(payload.get("minutes", 60))),
        "link": link_url(settings.public_base_url, message.raw_token),
    }
    return message.kind, context


def dead_link(message: OutboxMessage, now: dt.datetime) -> str | None:
    """Why an account email should no longer go (its link was used, has expired, or the
    account is deactivated), or None."""
    if message.raw_token is None or not live_link_exists(message.raw_token, now):
        return "the link can no longer be used"
    return None


for _kind in EMAIL_KIND.values():
    register_staff_email(_kind.value, account_email, dead_link)


def _issue_link(
    user: StaffUser, purpose: LinkPurpose, lifetimes: LinkLifetimes, now: dt.datetime
) -> None:
    """Store a new link's hash and queue its email (the raw token in the outbox only).
    The account's expired links are deleted on the way: they can never be used again (a
    used link that has not expired stays, so that it still says it was used)."""
    Session.execute(
        delete(PasswordLink)
        .where(PasswordLink.staff_user_id == user.id, PasswordLink.expires_at <= now)
        .execution_options(synchronize_session="fetch")
    )
    raw, digest = new_token()
    Session.add(
        PasswordLink(
            staff_user_id=user.id,
            purpose=purpose.value,
            token_sha256=digest,
            created_at=now,
            expires_at=now + lifetimes.of(purpose),
        )
    )
    Session.add(
        OutboxMessage(
            kind=EMAIL_KIND[purpose].value,
            recipient=user.email,
            # No token and no address here (the outbox's rule): what the email says.
            payload={
                "purpose": purpose.value,
                "role": user.role,
                "minutes": int(lifetimes.of(purpose).total_seconds() // 60),
            },
            status=MessageStatus.PENDING.value,
            raw_token=raw,
            next_attempt_at=now,
            created_at=now,
        )
    )
    Session.flush()


def invite_staff_user(
    email: str,
    role: Role | str,
    team_paths: Sequence[str] = (),
    *,
    lifetimes: LinkLifetimes,
    now: dt.datetime | None = None,
) -> StaffUser:
    """Create a staff account with no password and email its owner a link to set one.

    The rules of `create_staff_user` apply (DomainError, Conflict). Until the password is
    set, nothing signs the account in with a password.
    """
    user = create_staff_user(email, None, role, team_paths)
    _issue_link(user, LinkPurpose.INVITATION, lifetimes, now or utcnow())
    return user


def resend_invitation(
    user_id: int, *, lifetimes: LinkLifetimes, now: dt.datetime | None = None
) -> StaffUser:
    """Email a new invitation link to an account that has not set its password yet (the
    earlier link, lost or expired, stops working)."""
    user = Session.get(StaffUser, user_id)
    if user is None:
        raise NotFound(_("No such staff account."))
    if user.has_password:
        raise DomainError(
            _(
                "%(email)s has already set a password; they can use \u201cForgot your "
                "password?\u201d on the sign-in page.",
                email=user.email,
            )
        )
    if not user.is_active:
        raise DomainError(
            _("%(email)s is deactivated; reactivate the account first.", email=user.email)
        )
    moment = now or utcnow()
    _end_links_of(user.id, moment)
    _issue_link(user, LinkPurpose.INVITATION, lifetimes, moment)
    return user


def request_password_reset(
    email: str, *, lifetimes: LinkLifetimes, now: dt.datetime | None = None
) -> StaffUser | None:
    """Email a reset link to the active account at `email`, if there is one.

    Returns the account (for the audit log) or None; the page answers the same either way.
    A malformed address is no account. An account with no password yet (invited) gets a
    reset link too: it sets its first password with it.
    """
    try:
        address = normalize_email(email)
    except DomainError:
        return None
    user = Session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == address))
    if user is None or not user.is_active:
        return None
    _issue_link(user, LinkPurpose.RESET, lifetimes, now or utcnow())
    return user


def _end_links_of(user_id: int, now: dt.datetime) -> None:
    Session.execute(
        update(PasswordLink)
        .where(PasswordLink.staff_user_id == user_id, PasswordLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


def find_link(raw_token: str, now: dt.datetime | None = None) -> PasswordLink:
    """The live link of `raw_token`: NotFound for a token no link has, Gone (with its
    reason) for a used or expired link or an account that is deactivated."""
    link = Session.scalar(
        select(PasswordLink).where(PasswordLink.token_sha256 == token_sha256(raw_token))
    )
    if link is None:
        raise NotFound(_(UNKNOWN_LINK))
    if link.used_at is not None:
        raise Gone(_(USED_LINK))
    if (now or utcnow()) >= link.expires_at:
        raise Gone(_(EXPIRED_LINK))
    if not link.user.is_active:
        raise Gone(_("This account is deactivated; ask an administrator."))
    return link


def live_link_exists(raw_token: str, now: dt.datetime) -> bool:
    """Whether the link of `raw_token` can still be used (the outbox drops the email of a
    link that cannot)."""
    try:
        find_link(raw_token, now)
    except DomainError:
        return False
    return True


def set_password_with_link(
    raw_token: str, password: str, now: dt.datetime | None = None
) -> tuple[StaffUser, PasswordLink]:
    """Set the account's password through its link, once.

    The password rule applies (DomainError, the link still usable). The link is used with
    a conditional UPDATE (unused and unexpired, one row), so two submissions of one link
    cannot both succeed; every other live link of the account ends, and so does every
    session of the account.
    """
    moment = now or utcnow()
    link = find_link(raw_token, moment)
    user = link.user
    check_password_strength(password, user.email)
    used: CursorResult[tuple[()]] = Session.execute(  # type: ignore[assignment]
        update(PasswordLink)
        .where(
            PasswordLink.id == link.id,
            PasswordLink.used_at.is_(None),
            PasswordLink.expires_at > moment,
        )
        .values(used_at=moment)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        raise Gone(_(USED_LINK))
    _end_links_of(user.id, moment)
    user.password_hash = hash_password(password)
    end_sessions_of(user.id)
    Session.flush()
    return user, link
