"""Web hardening: security headers on every response, and the sign-in throttle.

The Content-Security-Policy allows scripts, styles and everything else from our own origin
only: no inline script (all JavaScript lives in app/static), no third-party request. Report
pages add style attributes (CHART_PAGE_POLICY), which plotly.js writes on its SVG.
Referrer-Policy no-referrer keeps survey tokens (in the path of /s/<token>) out of the
Referer header of any request a survey page makes.
"""

from __future__ import annotations

from flask import Flask, Response, current_app
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

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

# Pages with Plotly charts: plotly.js writes `style` attributes on the SVG it draws (text
# formatting, legends, hover labels), which `style-src 'self'` refuses. Style attributes
# only, never <style> elements or inline script; and only on these pages.
CHART_PAGE_POLICY = CONTENT_SECURITY_POLICY + "; style-src-attr 'unsafe-inline'"

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")

# Failed sign-ins allowed per client address and per account before a lockout.
LOGIN_LIMIT_PER_ADDRESS = "10 per 15 minutes"
LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
LOCKOUT_MESSAGE = (
    "Too many failed sign-in attempts. For your security, sign-in is paused for a few "
    "minutes; try again later or ask an administrator to reset your password."
)


class SignInThrottle:
    """Failed sign-ins counted per client address and per account; while either count has
    reached its limit, sign-in is refused, even with the right password. Successful
    sign-ins do not count.

    The `limits` library's fixed windows, on the storage of RATELIMIT_STORAGE_URI: memory for
    one process, or Redis (REDIS_URL), shared by every worker. Only the sign-in route calls
    it: no other request pays for rate limiting.
    """

    PREFIX = "mutuality-sign-in"

    def __init__(self, storage_uri: str) -> None:
        storage = storage_from_string(storage_uri)
        assert isinstance(storage, Storage), "a synchronous storage"
        self.storage = storage
        self._windows = FixedWindowRateLimiter(self.storage)
        self._per_address = parse(LOGIN_LIMIT_PER_ADDRESS)
        self._per_account = parse(LOGIN_LIMIT_PER_ACCOUNT)

    def _counters(self, address: str, account: str) -> list[tuple[RateLimitItem, str, str]]:
        return [
            (self._per_address, "address", address),
            (self._per_account, "account", account.strip().lower()),
        ]

    def allows(self, address: str, account: str) -> bool:
        """Whether a sign-in from `address` to `account` may be tried now."""
        return all(
            self._windows.test(limit, self.PREFIX, kind, key)
            for limit, kind, key in self._counters(address, account)
        )

    def count_failure(self, address: str, account: str) -> None:
        for limit, kind, key in self._counters(address, account):
            self._windows.hit(limit, self.PREFIX, kind, key)

    def reset(self) -> None:
        """Forget every count (tests; an administrator after an incident)."""
        self.storage.reset()


def sign_in_throttle() -> SignInThrottle:
    throttle: SignInThrottle = current_app.extensions["sign_in_throttle"]
    return throttle


def init_security(app: Flask) -> None:
    storage_uri = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL")
    app.extensions["sign_in_throttle"] = SignInThrottle(storage_uri or "memory://")
    headers = list(SECURITY_HEADERS.items())
    if app.config.get("SESSION_COOKIE_SECURE"):
        headers.append(HSTS)

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        # Added once each; a response that set one of them itself keeps its own.
        present = {name.lower() for name, _value in response.headers}
        response.headers.extend([(n, v) for n, v in headers if n.lower() not in present])
        return response
