from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from app.auth.forms import LoginForm
from app.auth.services import authenticate
from app.db import Session
from app.errors import TooManyAttempts
from app.security import LOCKOUT_MESSAGE, sign_in_throttle

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "Wrong email or password, or the account is disabled."


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site (no scheme, no host)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email, address = form.email.data or "", request.remote_addr or ""
        throttle = sign_in_throttle()
        if not throttle.allows(address, email):
            raise TooManyAttempts(LOCKOUT_MESSAGE)
        user = authenticate(email, form.password.data or "")
        if user is not None:
            Session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        Session.rollback()
        throttle.count_failure(address, email)
        flash(LOGIN_FAILED, "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
