from __future__ import annotations

import logging
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.audit.services import record_event
from app.auth import oidc, services
from app.auth.forms import (
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    PasswordChangeForm,
    SetPasswordForm,
)
from app.auth.oidc_accounts import account_for_identity
from app.auth.password_links import (
    LinkLifetimes,
    find_link,
    request_password_reset,
    set_password_with_link,
)
from app.auth.passwords import verify_password
from app.auth.services import authenticate, reset_password
from app.auth.sessions import sign_in, sign_out
from app.db import Session
from app.errors import DomainError, TooManyAttempts
from app.i18n import N_
from app.security import (
    lockout_message,
    password_reset_throttle,
    request_pause_message,
    same_origin_path,
    sign_in_throttle,
)

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

# "Forgot password" answers no sooner than this after the request arrived, whether an
# email was queued or not: the time taken says nothing about which accounts exist.
FORGOT_PASSWORD_ANSWER_SECONDS = 0.4
OIDC_ATTEMPT = "oidc_attempt"


def oidc_settings() -> oidc.OidcSettings | None:
    return oidc.OidcSettings.from_config(current_app.config)


@bp.app_context_processor
def sign_in_options() -> dict[str, object]:
    """The sign-in page shows the single sign-on button only when it is configured."""
    settings = oidc_settings()
    return {"sso_provider_name": settings.provider_name if settings else None}


LOGIN_FAILED = N_("Wrong email or password, or the account is disabled.")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email, address = form.email.data or "", request.remote_addr or ""
        throttle = sign_in_throttle()
        if wait := throttle.wait(address, email):
            raise TooManyAttempts(lockout_message(wait), retry_after=wait)
        user = authenticate(email, form.password.data or "")
        if user is not None:
            sign_in(user)
            Session.commit()
            throttle.count_success(address, email)
            return redirect(same_origin_path(request.args.get("next")) or url_for("main.index"))
        Session.rollback()
        throttle.count_failure(address, email)
        flash(_(LOGIN_FAILED), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    sign_out()
    Session.commit()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str | tuple[str, int]:
    """A staff member changes their own password: every other session of the account
    ends, this browser carries on in a new one."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        # Wrong current passwords count as failed sign-ins: a borrowed session cannot try
        # passwords here any faster than on the sign-in page.
        throttle, address = sign_in_throttle(), request.remote_addr or ""
        if wait := throttle.wait(address, current_user.email):
            raise TooManyAttempts(lockout_message(wait), retry_after=wait)
        try:
            if not verify_password(current_user.password_hash, form.current_password.data or ""):
                throttle.count_failure(address, current_user.email)
                raise DomainError(_("The current password is not right."))
            user = reset_password(current_user.id, form.password.data or "")
        except DomainError as exc:
            Session.rollback()
            form.form_errors.append(exc.message)
        else:
            record_event(user, "user.password_change", "staff_user", user.id, email=user.email)
            sign_in(user)
            Session.commit()
            flash(_("Your password is changed; your other sessions are ended."), "info")
            return redirect(url_for("main.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/password.html", form=form), status


@bp.route("/account")
@login_required
def account() -> str:
    """Your account: the interface language, and the way to change the password."""
    form = LanguageForm(language=current_user.language or "")
    return render_template("auth/account.html", form=form)


@bp.route("/account/language", methods=["POST"])
@login_required
def set_language() -> Response | tuple[str, int]:
    """Set one's interface language (the account page's form, or the header's switch, which
    sends the other language and the page to come back to)."""
    form = LanguageForm()
    if form.validate_on_submit():
        try:
            user = services.set_language(current_user.id, form.language.data)
        except DomainError as exc:
            Session.rollback()
            form.language.errors = [exc.message]
        else:
            record_event(
                user,
                "user.language",
                "staff_user",
                user.id,
                email=user.email,
                language=user.language,
            )
            Session.commit()
            refresh()  # this request's own messages in the new language
            flash(_("Your interface language is saved."), "info")
            return redirect(same_origin_path(form.next.data) or url_for("auth.account"))
    return render_template("auth/account.html", form=form), 400


@bp.route("/login/forgot", methods=["GET", "POST"])
def forgot_password() -> Response | str | tuple[str, int]:
    """Email a set-password link to the account of the address typed, if there is one.
    The page answers the same, in the same time, either way."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        started = time.monotonic()
        email, address = form.email.data or "", request.remote_addr or ""
        throttle = password_reset_throttle()
        if wait := throttle.wait(address, email):
            raise TooManyAttempts(request_pause_message(wait), retry_after=wait)
        throttle.count(address, email)
        user = request_password_reset(
            email, lifetimes=LinkLifetimes.from_config(current_app.config)
        )
        if user is not None:
            record_event(
                None, "user.password_reset_request", "staff_user", user.id, email=user.email
            )
        Session.commit()
        time.sleep(max(0.0, FORGOT_PASSWORD_ANSWER_SECONDS - (time.monotonic() - started)))
        return render_template("auth/forgot_sent.html"), 200
    status = 400 if form.is_submitted() else 200
    return render_template("auth/forgot.html", form=form), status


@bp.route("/account/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> Response | str | tuple[str, int]:
    """Set a password through a link from an email (an invitation or a reset). An unknown,
    used or expired link answers 404 or 410 with what to do."""
    link = find_link(token)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user, used = set_password_with_link(token, form.password.data or "")
        except DomainError as exc:
            Session.rollback()
            if exc.status != 400:
                raise
            form.form_errors.append(exc.message)
        else:
            record_event(
                user,
                "user.password_set",
                "staff_user",
                user.id,
                email=user.email,
                link=used.purpose,
            )
            if current_user.is_authenticated:
                sign_out()  # another account's browser, or this account's old session
            # The address proved itself: its pauses from failed sign-ins are lifted.
            sign_in_throttle().lift(user.email)
            Session.commit()
            flash(_("Your password is set. Sign in with it now."), "info")
            return redirect(url_for("auth.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/set_password.html", form=form, link=link), status


@bp.route("/login/sso")
def sso_start() -> Response:
    """Send the browser to the identity provider, with a fresh state, nonce and PKCE
    verifier kept in its session for the callback."""
    settings = oidc_settings()
    if settings is None:
        abort(404)
    url, attempt = oidc.start(settings, url_for("auth.sso_callback", _external=True))
    session[OIDC_ATTEMPT] = attempt.as_dict()
    return redirect(url)


@bp.route("/login/sso/callback")
def sso_callback() -> Response | tuple[str, int]:
    """The provider's answer: validate it, find (or create, as configured) the account,
    and sign it in. A failure shows the sign-in page with the reason; nothing is stored."""
    settings = oidc_settings()
    if settings is None:
        abort(404)
    attempt = oidc.Attempt.from_dict(session.pop(OIDC_ATTEMPT, None))
    try:
        identity = oidc.finish(
            settings, url_for("auth.sso_callback", _external=True), request.args, attempt
        )
        user, outcome = account_for_identity(identity, settings)
    except DomainError as exc:
        Session.rollback()
        log.info("single sign-on refused: %s", type(exc).__name__)
        flash(exc.message, "error")
        return render_template("auth/login.html", form=LoginForm()), exc.status
    if outcome == "created":
        scopes = sorted(t.path for t in user.team_scopes)
        record_event(
            user,
            "user.create",
            "staff_user",
            user.id,
            email=user.email,
            role=user.role,
            teams=scopes,
            via="single sign-on",
        )
    elif outcome == "linked":
        record_event(user, "user.link_sso", "staff_user", user.id, email=user.email)
    sign_in(user)
    Session.commit()
    return redirect(url_for("main.index"))
