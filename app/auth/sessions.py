"""Signing staff in and out: Flask-Login over sessions kept on the server (StaffSession).

The browser's cookie (Flask's signed session) holds the account id, as Flask-Login keeps
it, and the key of a `StaffSession`. A request is signed in only while that session is
live on the server: a copied cookie stops working as soon as its session ends (sign-out,
deactivation, a role or password change, the idle or absolute limit), whatever a browser
kept. Sign-in starts from an empty cookie, so nothing planted before it (a CSRF secret, a
session key) carries over.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, current_app, g, session
from flask_login import current_user, login_user, logout_user

from app.auth.models import StaffUser
from app.auth.services import end_session, open_session, resume_session
from app.db import Session
from app.extensions import login_manager

SESSION_KEY = "_staff_session"
# Flask-WTF keeps the CSRF secret in the session and caches the request's token in `g`
# under this name.
CSRF_FIELD = "csrf_token"


def _limits() -> tuple[dt.timedelta, dt.timedelta]:
    """The idle timeout and the absolute lifetime of a staff session."""
    config = current_app.config
    return (
        dt.timedelta(minutes=config["STAFF_SESSION_IDLE_MINUTES"]),
        dt.timedelta(hours=config["STAFF_SESSION_MAX_HOURS"]),
    )


def sign_in(user: StaffUser) -> None:
    """Sign this browser in as `user`, in a new session. Whatever its cookie held before is
    dropped first, the CSRF secret included: a token read from a page of the old cookie
    (one an attacker planted, say) is refused afterwards. The caller commits."""
    session.clear()
    g.pop(CSRF_FIELD, None)
    _idle, lifetime = _limits()
    session[SESSION_KEY] = open_session(user, lifetime=lifetime)
    login_user(user)


def sign_out() -> None:
    """End this browser's session on the server and empty its cookie. The caller commits."""
    key = session.get(SESSION_KEY)
    if isinstance(key, str):
        end_session(key)
    logout_user()
    session.clear()
    g.pop(CSRF_FIELD, None)


def load_signed_in_user(user_id: str) -> StaffUser | None:
    """Flask-Login's user loader: the account of the cookie's live session, if it is the
    account the cookie names."""
    key = session.get(SESSION_KEY)
    if not isinstance(key, str):
        return None  # a cookie from before server-side sessions, or a forged one
    idle, lifetime = _limits()
    user = resume_session(key, idle=idle, lifetime=lifetime)
    if Session.dirty:
        Session.commit()  # last seen, or the end of an outlived session: nothing else yet
    if user is None or str(user.id) != user_id:
        return None
    return user


def init_staff_sessions(app: Flask) -> None:
    """Register the user loader, and load the user before each view runs: the session's
    own write (last seen) then commits alone, never inside a view's transaction."""
    login_manager.user_loader(load_signed_in_user)

    @app.before_request
    def resume_staff_session() -> None:
        if SESSION_KEY in session and not current_user.is_authenticated:
            session.pop(SESSION_KEY)  # ended on the server: the cookie forgets it
