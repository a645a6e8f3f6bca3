from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.audit.services import record_event
from app.auth.forms import LoginForm, PasswordChangeForm
from app.auth.passwords import verify_password
from app.auth.services import authenticate, reset_password
from app.auth.sessions import sign_in, sign_out
from app.db import Session
from app.errors import DomainError, TooManyAttempts
from app.security import lockout_message, same_origin_path, sign_in_throttle

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "Wrong email or password, or the account is disabled."


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
        flash(LOGIN_FAILED, "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    sign_out()
    Session.commit()
    flash("You are signed out.", "info")
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
                raise DomainError("The current password is not right.")
            user = reset_password(current_user.id, form.password.data or "")
        except DomainError as exc:
            Session.rollback()
            form.form_errors.append(exc.message)
        else:
            record_event(user, "user.password_change", "staff_user", user.id, email=user.email)
            sign_in(user)
            Session.commit()
            flash("Your password is changed; your other sessions are ended.", "info")
            return redirect(url_for("main.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/password.html", form=form), status
