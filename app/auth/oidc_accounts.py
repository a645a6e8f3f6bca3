"""Which staff account a single sign-on signs in. Services add and flush; the caller commits.

An account is found by the provider's subject once it has signed in there; the first time,
by the provider's verified email (the subject is then recorded). A person without an
account gets one only when OIDC_ROLE_CLAIM is configured and the claim's value maps to a
role (OIDC_ROLE_MAP). A manager needs teams: they come from the OIDC_TEAM_CLAIM claim (team
paths such as Engineering/Platform, every one existing here); without it the account is
refused with a message, never created without a scope. An account created this way has no
password: it signs in through the provider (or sets a password with "Forgot password").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from app.auth.models import Role, StaffUser
from app.auth.oidc import Identity, OidcError, OidcSettings
from app.auth.services import create_staff_user
from app.db import Session, utcnow
from app.errors import DomainError
from app.i18n import N_, _

ASK_AN_ADMIN = N_("Ask an administrator of Mutuality.")
# When several provider values map to roles, the account gets the widest of them.
ROLE_ORDER = (Role.ADMIN, Role.HR, Role.MANAGER)


def _values(claim: Any) -> list[str]:
    if isinstance(claim, str):
        return [claim]
    if isinstance(claim, Sequence):
        return [v for v in claim if isinstance(v, str)]
    return []


def _shown(values: Sequence[str]) -> str:
    text = ", ".join(v for v in values if v.isprintable())[:120]
    return text or "none"


def account_for_identity(identity: Identity, settings: OidcSettings) -> tuple[StaffUser, str]:
    """The active account `identity` signs in and what was done to it: "matched" (by
    subject), "linked" (by verified email; the subject is recorded) or "created".

    OidcError, with nothing stored, for an unverified or missing email, a deactivated
    account, an email whose account is linked to another subject, no account and no role
    claim configured, a role value that maps to no role, and a manager without valid teams.
    """
    user = Session.scalar(select(StaffUser).where(StaffUser.oidc_subject == identity.subject))
    if user is not None:
        _require_active(user)
        return _signed_in(user), "matched"
    if not identity.email:
        unshared = _(
            "The identity provider did not share your email address, which Mutuality needs "
            "to find your account."
        )
        raise OidcError(f"{unshared} {_(ASK_AN_ADMIN)}")
    if not identity.email_verified:
        raise OidcError(
            _(
                "The identity provider has not verified your email address (%(email)s), so it "
                "cannot sign you in to Mutuality. Verify it at the provider and try again, or "
                "sign in with your password.",
                email=identity.email,
            )
        )
    user = Session.scalar(
        select(StaffUser).where(func.lower(StaffUser.email) == identity.email.lower())
    )
    if user is not None:
        _require_active(user)
        if user.oidc_subject is not None:
            linked = _(
                "The staff account %(email)s is linked to another identity at the provider.",
                email=user.email,
            )
            raise OidcError(f"{linked} {_(ASK_AN_ADMIN)}")
        user.oidc_subject = identity.subject
        return _signed_in(user), "linked"
    return _signed_in(_create(identity, settings)), "created"


def _require_active(user: StaffUser) -> None:
    if not user.is_active:
        deactivated = _("The staff account %(email)s is deactivated.", email=user.email)
        raise OidcError(f"{deactivated} {_(ASK_AN_ADMIN)}")


def _signed_in(user: StaffUser) -> StaffUser:
    user.last_login_at = utcnow()
    Session.flush()
    return user


def _create(identity: Identity, settings: OidcSettings) -> StaffUser:
    assert identity.email is not None
    if settings.role_claim is None:
        missing = _("There is no staff account for %(email)s.", email=identity.email)
        raise OidcError(f"{missing} {_(ASK_AN_ADMIN)}")
    values = _values(identity.claims.get(settings.role_claim))
    granted = {settings.role_map[v] for v in values if v in settings.role_map}
    role = next((r for r in ROLE_ORDER if r.value in granted), None)
    if role is None:
        no_access = _(
            "Your role at the identity provider (%(claim)s: %(values)s) gives no access to "
            "Mutuality, and there is no staff account for %(email)s.",
            claim=settings.role_claim,
            values=_shown(values),
            email=identity.email,
        )
        raise OidcError(f"{no_access} {_(ASK_AN_ADMIN)}")
    teams: list[str] = []
    if role is Role.MANAGER:
        teams = _values(identity.claims.get(settings.team_claim))
        if not teams:
            no_teams = _(
                "Your role at the identity provider is manager, but it names no teams "
                "(%(claim)s); a manager sees only their teams' reports.",
                claim=settings.team_claim,
            )
            raise OidcError(f"{no_teams} {_(ASK_AN_ADMIN)}")
    try:
        user = create_staff_user(identity.email, None, role, teams)
    except DomainError as exc:
        refused = _("No account could be created: %(reason)s", reason=exc.message)
        raise OidcError(f"{refused} {_(ASK_AN_ADMIN)}") from None
    user.oidc_subject = identity.subject
    return user
