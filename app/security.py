"""Web hardening: security headers on every response, and sign-in rate limiting.

The Content-Security-Policy allows scripts, styles and everything else from our own origin
only: no inline script (all JavaScript lives in app/static), no third-party request.
Referrer-Policy no-referrer keeps survey tokens (in the path of /s/<token>) out of the
Referer header of any request a survey page makes.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

# Failed sign-ins allowed per client address and per account before a lockout.
LOGIN_LIMIT_PER_ADDRESS = "10 per 15 minutes"
LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
LOCKOUT_MESSAGE = (
    "Too many failed sign-in attempts. For your security, sign-in is paused for a few "
    "minutes; try again later or ask an administrator to reset your password."
)

limiter = Limiter(key_func=get_remote_address, headers_enabled=False)


def login_account_key() -> str:
    """Rate-limit key for one account: the email typed into the form."""
    return "login:" + (request.form.get("email") or "").strip().lower()


def failed_sign_in(response: Response) -> bool:
    """Only failed attempts count against the limits."""
    return response.status_code == 401


def init_security(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
