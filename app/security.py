"""Web hardening: security headers on every response, and the sign-in throttle.

The Content-Security-Policy allows scripts, styles and everything else from our own origin
only: no inline script (all JavaScript lives in app/static), no third-party request. Report
pages add style attributes (CHART_PAGE_POLICY), which plotly.js writes on its SVG.
Referrer-Policy no-referrer keeps survey tokens (in the path of /s/<token>) out of the
Referer header of any request a survey page makes.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import unquote, urlsplit

import redis
from flask import Flask, Response, current_app, request, session

from app.i18n import ngettext

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


@dataclass(frozen=True)
class Backoff:
    """How long sign-in pauses after failures: none for the first `free` ones, then
    `first_pause` after the `free`-th, doubled at each further failure up to `max_pause`.
    Counts are forgotten `forget_after` seconds after the last failure."""

    free: int
    first_pause: float
    max_pause: float
    forget_after: float

    def pause(self, failures: int) -> float:
        """Seconds to wait after the last of `failures` failures."""
        if failures < self.free:
            return 0.0
        return min(self.max_pause, self.first_pause * 2.0 ** (failures - self.free))


HOUR = 3600.0
# One account tried from one address: a person who mistyped five times waits a minute,
# then two, four, ... at most an hour. Keyed on the pair, so an outsider who fails on
# someone's account pauses it only for their own address, never for its owner's.
ACCOUNT_AT_ADDRESS = Backoff(free=5, first_pause=60.0, max_pause=HOUR, forget_after=24 * HOUR)
# One address trying many accounts (password spraying): more room, since colleagues behind
# one office address share it.
ADDRESS = Backoff(free=20, first_pause=60.0, max_pause=HOUR, forget_after=24 * HOUR)
ANY_ACCOUNT = "*"  # the member of an address's own count


def lockout_message(seconds: float) -> str:
    """The page of a paused sign-in: how long, and who can lift it."""
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed sign-in attempts from your address. For your security, sign-in is "
        "paused for %(num)s minute; try again after that, or ask an administrator to lift "
        "the pause (Staff users, your account's page).",
        "Too many failed sign-in attempts from your address. For your security, sign-in is "
        "paused for %(num)s minutes; try again after that, or ask an administrator to lift "
        "the pause (Staff users, your account's page).",
        minutes,
    )


@dataclass(frozen=True)
class Pause:
    """Failed sign-ins to one account from one address, as the admin page shows them."""

    address: str
    failures: int
    until: float  # epoch seconds; in the past when sign-in is allowed again

    def minutes_left(self, now: float) -> int:
        return max(0, math.ceil((self.until - now) / 60))


class FailureCounts(Protocol):
    """Failure counts and the time of the last one, per group and member: an account's
    group holds one member per address; an address's group holds ANY_ACCOUNT."""

    def add(self, group: str, member: str, now: float, forget_after: float) -> int: ...
    def read(self, group: str) -> dict[str, tuple[int, float]]: ...
    def forget(self, group: str, members: list[str] | None = None) -> None: ...
    def reset(self) -> None: ...


class MemoryCounts:
    """The counts of one process (development, tests, a single worker)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._groups: dict[str, dict[str, tuple[int, float, float]]] = {}
        self._pruned_at = 0.0

    # Past this many groups, expired ones are dropped (at most once a minute) before a new
    # one is added: counts of an address that tried many accounts do not pile up.
    PRUNE_ABOVE = 10_000

    def add(self, group: str, member: str, now: float, forget_after: float) -> int:
        with self._lock:
            crowded = len(self._groups) >= self.PRUNE_ABOVE
            if crowded and group not in self._groups and now - self._pruned_at > 60:
                self._prune(now)
            members = self._groups.setdefault(group, {})
            failures, _last, expires = members.get(member, (0, 0.0, 0.0))
            failures = failures + 1 if expires > now else 1
            members[member] = (failures, now, now + forget_after)
            return failures

    def _prune(self, now: float) -> None:
        self._pruned_at = now
        for group, members in list(self._groups.items()):
            live = {m: entry for m, entry in members.items() if entry[2] > now}
            if live:
                self._groups[group] = live
            else:
                del self._groups[group]

    def read(self, group: str) -> dict[str, tuple[int, float]]:
        now = self.clock()
        with self._lock:
            members = self._groups.get(group, {})
            return {m: (n, last) for m, (n, last, expires) in members.items() if expires > now}

    def forget(self, group: str, members: list[str] | None = None) -> None:
        with self._lock:
            if members is None:
                self._groups.pop(group, None)
            for member in members or ():
                self._groups.get(group, {}).pop(member, None)

    def reset(self) -> None:
        with self._lock:
            self._groups.clear()


class RedisCounts:
    """Counts shared by every worker and server through Redis: per group, one hash of
    failure counts and one of last-failure times, expiring together."""

    PREFIX = "mutuality-sign-in:"

    def __init__(self, url: str) -> None:
        self.redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)

    def _keys(self, group: str) -> tuple[str, str]:
        return f"{self.PREFIX}{group}:failures", f"{self.PREFIX}{group}:last"

    def add(self, group: str, member: str, now: float, forget_after: float) -> int:
        counts, lasts = self._keys(group)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hincrby(counts, member, 1)
        pipe.hset(lasts, member, repr(now))
        for key in (counts, lasts):
            pipe.expire(key, math.ceil(forget_after))
        failures, *_ = pipe.execute()
        return int(failures)

    def read(self, group: str) -> dict[str, tuple[int, float]]:
        counts, lasts = self._keys(group)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hgetall(counts)
        pipe.hgetall(lasts)
        failures, times = pipe.execute()
        return {
            member.decode(): (int(n), float(times.get(member, b"0")))
            for member, n in failures.items()
        }

    def forget(self, group: str, members: list[str] | None = None) -> None:
        keys = self._keys(group)
        if members is None:
            self.redis.delete(*keys)
        elif members:
            for key in keys:
                self.redis.hdel(key, *members)

    def reset(self) -> None:
        for key in self.redis.scan_iter(match=f"{self.PREFIX}*", count=1000):
            self.redis.delete(key)


def counts_from_uri(uri: str, clock: Callable[[], float] = time.time) -> FailureCounts:
    """The counts of RATELIMIT_STORAGE_URI: memory:// or a Redis URL."""
    if uri.startswith(("redis://", "rediss://", "unix://")):
        return RedisCounts(uri)
    if uri == "memory://":
        return MemoryCounts(clock)
    raise ValueError(f"Failed sign-ins can be counted in memory:// or Redis, not in {uri!r}.")


class SignInThrottle:
    """Failed sign-ins, counted per account and address, and per address; while either
    pause (Backoff) runs, sign-in is refused without looking at the password. A successful
    sign-in forgets its account and address's count. An administrator lifts an account's
    pauses (`lift`).

    Only the sign-in route calls it: no other request pays for it.
    """

    def __init__(self, storage_uri: str, clock: Callable[[], float] = time.time) -> None:
        self.counts = counts_from_uri(storage_uri, clock)
        self.clock = clock

    @staticmethod
    def _account_group(account: str) -> str:
        return f"account:{account.strip().lower()}"

    @staticmethod
    def _address_group(address: str) -> str:
        return f"address:{address}"

    def _ends(self, group: str, member: str, backoff: Backoff) -> float:
        failures, last = self.counts.read(group).get(member, (0, 0.0))
        return last + backoff.pause(failures) if failures else 0.0

    def wait(self, address: str, account: str) -> float:
        """Seconds before a sign-in from `address` to `account` may be tried (0: now)."""
        ends = max(
            self._ends(self._account_group(account), address, ACCOUNT_AT_ADDRESS),
            self._ends(self._address_group(address), ANY_ACCOUNT, ADDRESS),
        )
        return max(0.0, ends - self.clock())

    def count_failure(self, address: str, account: str) -> None:
        now = self.clock()
        self.counts.add(self._account_group(account), address, now, ACCOUNT_AT_ADDRESS.forget_after)
        self.counts.add(self._address_group(address), ANY_ACCOUNT, now, ADDRESS.forget_after)

    def count_success(self, address: str, account: str) -> None:
        self.counts.forget(self._account_group(account), [address])

    def pauses(self, account: str) -> list[Pause]:
        """The account's counts by address, most recent failure first."""
        found = self.counts.read(self._account_group(account))
        pauses = [
            Pause(address, failures, last + ACCOUNT_AT_ADDRESS.pause(failures))
            for address, (failures, last) in found.items()
        ]
        return sorted(pauses, key=lambda p: p.until, reverse=True)

    def paused(self, account: str) -> list[Pause]:
        """The account's pauses in force now."""
        now = self.clock()
        return [p for p in self.pauses(account) if p.until > now and p.failures]

    def lift(self, account: str) -> list[str]:
        """Forget the account's counts, and those of the addresses it failed from (an
        administrator's decision); the addresses, for the audit log."""
        addresses = sorted(self.counts.read(self._account_group(account)))
        self.counts.forget(self._account_group(account))
        for address in addresses:
            self.counts.forget(self._address_group(address))
        return addresses

    def reset(self) -> None:
        """Forget every count (tests; an operator after an incident)."""
        self.counts.reset()


def sign_in_throttle() -> SignInThrottle:
    throttle: SignInThrottle = current_app.extensions["sign_in_throttle"]
    return throttle


# "Forgot password" requests for one address typed, from anywhere: three an hour, then a
# pause (a person's inbox is not flooded with reset emails, whoever asks).
RESET_REQUESTS_PER_ACCOUNT = Backoff(free=3, first_pause=900.0, max_pause=HOUR, forget_after=HOUR)
# ... and from one client address, for any account (colleagues behind one office address).
RESET_REQUESTS_PER_ADDRESS = Backoff(free=20, first_pause=900.0, max_pause=HOUR, forget_after=HOUR)


class RequestThrottle:
    """Requests that cost someone else something (an email sent), counted per account
    typed and per client address in the sign-in throttle's storage, whether the account
    exists or not: the pause says nothing about which accounts exist."""

    def __init__(self, counts: FailureCounts, clock: Callable[[], float], name: str) -> None:
        self.counts, self.clock, self.name = counts, clock, name

    def _groups(self, address: str, account: str) -> tuple[tuple[str, Backoff], ...]:
        return (
            (f"{self.name}-account:{account.strip().lower()}", RESET_REQUESTS_PER_ACCOUNT),
            (f"{self.name}-address:{address}", RESET_REQUESTS_PER_ADDRESS),
        )

    def wait(self, address: str, account: str) -> float:
        """Seconds before a request from `address` for `account` is accepted (0: now)."""
        ends = 0.0
        for group, backoff in self._groups(address, account):
            requests, last = self.counts.read(group).get(ANY_ACCOUNT, (0, 0.0))
            if requests:
                ends = max(ends, last + backoff.pause(requests))
        return max(0.0, ends - self.clock())

    def count(self, address: str, account: str) -> None:
        now = self.clock()
        for group, backoff in self._groups(address, account):
            self.counts.add(group, ANY_ACCOUNT, now, backoff.forget_after)


def password_reset_throttle() -> RequestThrottle:
    throttle: RequestThrottle = current_app.extensions["password_reset_throttle"]
    return throttle


def request_pause_message(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many requests for a password link. For the account owner's peace, new requests "
        "are paused for %(num)s minute; the links already sent still work.",
        "Too many requests for a password link. For the account owner's peace, new requests "
        "are paused for %(num)s minutes; the links already sent still work.",
        minutes,
    )


# How many rounds of percent-decoding a `next` target is checked through: whatever a proxy,
# the browser or the router decodes, no round may reach another origin.
DECODING_ROUNDS = 3


def _plain_path(target: str) -> bool:
    """A path on this origin as browsers read it: one leading slash, no backslash (read
    as a slash), no control character (browsers drop tabs and newlines, so a tab between two
    slashes would make "//"), no scheme nor host."""
    if not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def same_origin_path(target: str | None) -> str | None:
    """`target` when it is a path on this site however often it is percent-decoded, else
    None (the caller goes to its default page)."""
    if not target or len(target) > 2048:
        return None
    candidate = target
    for _ in range(DECODING_ROUNDS):
        if not _plain_path(candidate):
            return None
        decoded = unquote(candidate)
        if decoded == candidate:
            return target
        candidate = decoded
    return None  # still encoded after every round: no link of ours is


def _staff_request() -> bool:
    """Whether the request belongs to a staff member: the sign-in pages, or a request
    whose cookie says it is signed in (membership only: no database, no Vary)."""
    if request.blueprint == "auth":
        return True
    cookie = current_app.config.get("SESSION_COOKIE_NAME", "session")
    return cookie in request.cookies and "_user_id" in session


def init_security(app: Flask) -> None:
    storage_uri = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL")
    app.extensions["sign_in_throttle"] = throttle = SignInThrottle(storage_uri or "memory://")
    app.extensions["password_reset_throttle"] = RequestThrottle(
        throttle.counts, throttle.clock, "password-reset"
    )
    headers = list(SECURITY_HEADERS.items())
    if app.config.get("SESSION_COOKIE_SECURE"):
        headers.append(HSTS)

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        # Added once each; a response that set one of them itself keeps its own.
        present = {name.lower() for name, _value in response.headers}
        response.headers.extend([(n, v) for n, v in headers if n.lower() not in present])
        return response

    @app.after_request
    def keep_staff_pages_out_of_caches(response: Response) -> Response:
        # Reports, exports and admin pages stay out of the browser's and proxies' caches
        # (a shared computer's back button, a caching proxy). Static files and the plotly
        # asset set their own caching; an attachment is never stored, whatever it says.
        attachment = "attachment" in response.headers.get("Content-Disposition", "")
        if _staff_request() and ("Cache-Control" not in response.headers or attachment):
            response.headers["Cache-Control"] = "no-store"
        return response
