"""Configuration classes. Every secret and every URL comes from the environment.

`MUTUALITY_CONFIG` picks the class (development, testing, production; development by
default). `DATABASE_URL` replaces the development SQLite file for the app, the CLI and
Alembic alike; tests read `TEST_DATABASE_URL` (default: in-memory SQLite).
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import secrets
import socket
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import click

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


class ConfigError(click.ClickException, RuntimeError):
    """Raised at start-up when the environment cannot run the chosen configuration. A click
    exception: the `flask` command prints "Error: <message>" and exits with status 1, no
    traceback."""


# The spellings a yes/no setting accepts (any case); anything else stops start-up.
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def _count_setting(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number of 0 or more (ConfigError naming `name` otherwise); unset or empty:
    `default`."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number of 0 or more, not {raw!r}.")
    return int(raw)


def _flag_setting(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    """A yes/no setting: one of TRUE_WORDS or FALSE_WORDS (ConfigError naming `name` and
    the accepted values otherwise); unset or empty: `default`. A typo such as "ture" must
    not quietly mean "no" (MAIL_USE_TLS=ture would send mail without STARTTLS)."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise ConfigError(
        f"{name} must be one of {', '.join(TRUE_WORDS)} (yes) or {', '.join(FALSE_WORDS)} "
        f"(no), not {env.get(name)!r}."
    )


def _port_setting(env: Mapping[str, str], name: str, default: int) -> int:
    """A TCP port, 1 to 65535 (ConfigError naming `name` otherwise)."""
    port = _count_setting(env, name, default)
    if not 1 <= port <= 65535:
        raise ConfigError(f"{name} must be a port number from 1 to 65535, not {port}.")
    return port


def _seconds_setting(env: Mapping[str, str], name: str, default: float) -> float:
    """A duration in seconds, a number above 0 such as 10 or 2.5 (ConfigError naming `name`
    otherwise)."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(
            f"{name} must be a number of seconds above 0 (such as 10 or 2.5), not {raw!r}."
        )
    return value


def _base_url_setting(env: Mapping[str, str], name: str) -> str | None:
    """An http(s) address such as https://survey.example.org (ConfigError naming `name`
    otherwise); unset or empty: None. Kept without a trailing slash."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        parts = urlsplit(raw)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = urlsplit(""), False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ConfigError(
            f"{name} must be the address people reach the app at, such as "
            f"https://survey.example.org, not {raw!r}."
        )
    if parts.query or parts.fragment:
        raise ConfigError(f"{name} must not hold a query or a fragment: {raw!r}.")
    return raw.rstrip("/")


def development_base_url(env: Mapping[str, str]) -> str:
    """Where a development server serves: FLASK_RUN_HOST and FLASK_RUN_PORT (what `flask
    run` reads; the launcher of `make run` sets them), 127.0.0.1:5000 by default. A server
    on every interface (0.0.0.0, ::) is reached at this machine's name."""
    host = env.get("FLASK_RUN_HOST", "").strip() or "127.0.0.1"
    # An address to reach, not one to bind: a wildcard bind is reached by the host name.
    if host in ("0.0.0.0", "::", "[::]"):  # noqa: S104  # nosec B104
        host = socket.gethostname()
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    port = _port_setting(env, "FLASK_RUN_PORT", 5000)
    return f"http://{host}:{port}"


def check_shared_throttle(workers: int, env: Mapping[str, str]) -> None:
    """Refuse (ConfigError) to serve with several worker processes that would each count
    failed sign-ins on their own (no REDIS_URL), which multiplies every sign-in limit by
    their number, unless ALLOW_PER_PROCESS_THROTTLE=1 says it is meant."""
    if workers <= 1 or env.get("REDIS_URL") or _flag_setting(env, "ALLOW_PER_PROCESS_THROTTLE"):
        return
    raise ConfigError(
        f"{workers} worker processes without REDIS_URL would each count failed sign-ins "
        f"on their own, which multiplies every sign-in limit by {workers}. Set REDIS_URL to "
        "a Redis server the workers share, or run one worker (-w 1, WEB_CONCURRENCY=1), "
        "or set ALLOW_PER_PROCESS_THROTTLE=1 to accept limits per process."
    )


# A ballot key is 32 random bytes, written in URL-safe base64 (44 characters).
BALLOT_KEY_BYTES = 32


def new_ballot_key() -> str:
    """A fresh ballot key, as BALLOT_KEYS spells it."""
    return base64.urlsafe_b64encode(secrets.token_bytes(BALLOT_KEY_BYTES)).decode("ascii")


def parse_ballot_keys(raw: str) -> tuple[bytes, ...]:
    """The keys of BALLOT_KEYS (comma-separated, the sealing key first); ConfigError on a
    value that is not a 32-byte key in URL-safe base64."""
    keys = []
    for position, text in enumerate(raw.split(","), start=1):
        try:
            key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            key = b""
        if len(key) != BALLOT_KEY_BYTES:
            raise ConfigError(
                f"BALLOT_KEYS: key {position} is not {BALLOT_KEY_BYTES} bytes in URL-safe "
                'base64; make one with `python -c "import config; print(config.new_ballot_key())"`.'
            )
        keys.append(key)
    return tuple(keys)


def _development_ballot_keys(path: Path) -> str:
    """The development keys kept in `path` (mode 0600), generated on first use."""
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(new_ballot_key() + "\n")
    return path.read_text(encoding="ascii").strip()


STAFF_ROLES = ("admin", "hr", "manager")


def _role_map_setting(env: Mapping[str, str], name: str) -> str:
    """Provider role values and the roles they give, "value=role,value=role" (roles admin,
    hr, manager); ConfigError naming the pair that is not so."""
    raw = env.get(name, "admin=admin,hr=hr,manager=manager")
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        value, sep, role = pair.partition("=")
        if not sep or not value.strip() or role.strip() not in STAFF_ROLES:
            raise ConfigError(
                f"{name}: {pair!r} is not provider-value=role with a role of "
                f"{', '.join(STAFF_ROLES)} (pairs separated by commas)."
            )
    return raw


class Config:
    """Settings shared by every environment; read from the environment at instantiation."""

    ENV_NAME = "base"
    TESTING = False
    DEBUG = False

    def __init__(self) -> None:
        env = os.environ
        self.SECRET_KEY: str | None = env.get("SECRET_KEY")
        self.DATABASE_URL: str | None = env.get("DATABASE_URL")
        # The keys that seal and open ballots (app/ballots): never stored in the database.
        # The first seals; every one opens, so a rotated-out key stays listed until no
        # ballot sealed with it waits.
        raw_ballot_keys = env.get("BALLOT_KEYS", "").strip()
        self.BALLOT_KEYS: tuple[bytes, ...] = (
            parse_ballot_keys(raw_ballot_keys) if raw_ballot_keys else ()
        )
        # The address employees' links start with, e.g. https://survey.example.org:
        # required in production; in development, where the server serves.
        self.PUBLIC_BASE_URL: str = _base_url_setting(env, "PUBLIC_BASE_URL") or ""
        self.INSTRUMENTS_DIR: str = env.get("INSTRUMENTS_DIR", str(BASE_DIR / "instruments"))
        self.SQL_ECHO: bool = _flag_setting(env, "SQL_ECHO")
        self.WTF_CSRF_TIME_LIMIT: int | None = None  # the token lives as long as the session
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        # Staff sessions end after this long without a request, and this long after
        # sign-in whatever happens (app.auth.sessions).
        self.STAFF_SESSION_IDLE_MINUTES: int = _count_setting(env, "STAFF_SESSION_IDLE_MINUTES", 30)
        self.STAFF_SESSION_MAX_HOURS: int = _count_setting(env, "STAFF_SESSION_MAX_HOURS", 12)
        # Failed sign-ins are counted in Redis when REDIS_URL is set, else in memory (one
        # process: see check_shared_throttle).
        self.REDIS_URL: str | None = env.get("REDIS_URL")
        self.RATELIMIT_STORAGE_URI: str = self.REDIS_URL or "memory://"
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto to believe (0: the
        # app faces clients directly). Behind a proxy, without it every request would come
        # from the proxy's address, and ten failed sign-ins anywhere would lock out everyone.
        self.TRUSTED_PROXIES: int = _count_setting(env, "TRUSTED_PROXIES", 0)
        # Survey submissions are small; anything larger is refused before parsing.
        self.MAX_CONTENT_LENGTH: int = _count_setting(env, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
        # Outgoing mail: invitations and reminders, sent by `flask outbox run`.
        # MAIL_USE_TLS: STARTTLS after connecting; MAIL_USE_SSL: TLS from the start (SMTPS).
        self.MAIL_HOST: str = env.get("MAIL_HOST", "localhost")
        self.MAIL_PORT: int = _port_setting(env, "MAIL_PORT", 25)
        self.MAIL_USE_TLS: bool = _flag_setting(env, "MAIL_USE_TLS")
        self.MAIL_USE_SSL: bool = _flag_setting(env, "MAIL_USE_SSL")
        if self.MAIL_USE_TLS and self.MAIL_USE_SSL:
            raise ConfigError("Set MAIL_USE_TLS (STARTTLS) or MAIL_USE_SSL (SMTPS), not both.")
        self.MAIL_USERNAME: str | None = env.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD: str | None = env.get("MAIL_PASSWORD") or None
        self.MAIL_FROM: str = env.get("MAIL_FROM", "Mutuality <no-reply@localhost>")
        self.MAIL_TIMEOUT: float = _seconds_setting(env, "MAIL_TIMEOUT", 10)
        # Reminders per person; send attempts per message before it is marked failed; the
        # wait after the n-th failed attempt, BACKOFF * 2^(n-1) seconds, capped at MAX.
        self.OUTBOX_MAX_REMINDERS: int = _count_setting(env, "OUTBOX_MAX_REMINDERS", 2)
        self.OUTBOX_MAX_ATTEMPTS: int = _count_setting(env, "OUTBOX_MAX_ATTEMPTS", 10)
        self.OUTBOX_BACKOFF_SECONDS: float = _seconds_setting(env, "OUTBOX_BACKOFF_SECONDS", 60)
        self.OUTBOX_BACKOFF_MAX_SECONDS: float = _seconds_setting(
            env, "OUTBOX_BACKOFF_MAX_SECONDS", 3600
        )
        # How long a worker's claim on a message lasts (a crashed worker's messages are
        # picked up by another after this).
        self.OUTBOX_LEASE_SECONDS: float = _seconds_setting(env, "OUTBOX_LEASE_SECONDS", 600)
        # A participants file larger than this is imported by the worker (`flask worker`),
        # with its progress on the survey's page, instead of within the upload's request.
        self.PARTICIPANTS_QUEUE_BYTES: int = _count_setting(
            env, "PARTICIPANTS_QUEUE_BYTES", 1_048_576
        )
        # Retention (app.retention, run by the worker): how many days after a survey's close
        # its responses (answers, scores, participation records) and its comments are kept,
        # and how many days audit events are kept. 0 or unset: kept for good.
        self.RETENTION_RESPONSES_DAYS: int = _count_setting(env, "RETENTION_RESPONSES_DAYS", 0)
        self.RETENTION_COMMENTS_DAYS: int = _count_setting(env, "RETENTION_COMMENTS_DAYS", 0)
        self.RETENTION_AUDIT_DAYS: int = _count_setting(env, "RETENTION_AUDIT_DAYS", 0)
        # Action plans (app.plans.reminders, run by the worker): an action's owner gets one
        # reminder this many days before it is due (0: on the day).
        self.PLAN_REMINDER_DAYS: int = _count_setting(env, "PLAN_REMINDER_DAYS", 7)
        # Staff accounts by email (app.auth.password_links): how long the link of an
        # invitation to a new account, and of a "forgot password" email, stays usable.
        self.STAFF_INVITATION_HOURS: int = _count_setting(env, "STAFF_INVITATION_HOURS", 72)
        self.PASSWORD_RESET_MINUTES: int = _count_setting(env, "PASSWORD_RESET_MINUTES", 60)
        # Single sign-on through OpenID Connect (app.auth.oidc): off unless OIDC_ISSUER,
        # OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are all set. An account is matched by its
        # verified email; with OIDC_ROLE_CLAIM set, a person without an account gets one
        # whose role is the claim's value mapped by OIDC_ROLE_MAP ("idp-value=role,...";
        # roles admin, hr, manager), and a manager's teams come from OIDC_TEAM_CLAIM.
        self.OIDC_ISSUER: str | None = env.get("OIDC_ISSUER") or None
        self.OIDC_CLIENT_ID: str | None = env.get("OIDC_CLIENT_ID") or None
        self.OIDC_CLIENT_SECRET: str | None = env.get("OIDC_CLIENT_SECRET") or None
        self.OIDC_PROVIDER_NAME: str = env.get("OIDC_PROVIDER_NAME", "single sign-on")
        self.OIDC_ROLE_CLAIM: str | None = env.get("OIDC_ROLE_CLAIM") or None
        self.OIDC_ROLE_MAP: str = _role_map_setting(env, "OIDC_ROLE_MAP")
        self.OIDC_TEAM_CLAIM: str = env.get("OIDC_TEAM_CLAIM", "mutuality_teams")

    def as_mapping(self) -> dict[str, object]:
        """The upper-case settings, ready for `app.config.from_mapping`."""
        names = {n for n in dir(self) if n.isupper()}
        return {name: getattr(self, name) for name in names}


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = True

    def __init__(self) -> None:
        super().__init__()
        if not self.SECRET_KEY:
            self.SECRET_KEY = "development-only-not-secret"  # noqa: S105
        if not self.DATABASE_URL:
            INSTANCE_DIR.mkdir(exist_ok=True)
            self.DATABASE_URL = f"sqlite:///{INSTANCE_DIR / 'mutuality.sqlite3'}"
        if not self.BALLOT_KEYS:
            self.BALLOT_KEYS = parse_ballot_keys(
                _development_ballot_keys(INSTANCE_DIR / "ballot-keys")
            )
        if not self.PUBLIC_BASE_URL:
            self.PUBLIC_BASE_URL = development_base_url(os.environ)


# Generated once for the test suite; tests that need others pass BALLOT_KEYS themselves.
TESTING_BALLOT_KEY = "3Nq1m5bH0n2o2eC6mR8cW7Zf0yHq9tJ4kLx1sVbQ2aE="


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = "testing-only-not-secret"  # noqa: S105
        self.DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite://")
        self.PUBLIC_BASE_URL = "http://survey.test"
        self.BALLOT_KEYS = parse_ballot_keys(TESTING_BALLOT_KEY)
        # Hashing is deliberately slow in production; tests use the same algorithm with
        # the library's cheapest parameters.
        self.PASSWORD_HASH_FAST = True


class ProductionConfig(Config):
    ENV_NAME = "production"

    def __init__(self) -> None:
        super().__init__()
        # PUBLIC_BASE_URL: without it every emailed link would lead to a development
        # address; no guess from a request is safe (a Host header is the client's word).
        required = ("SECRET_KEY", "DATABASE_URL", "BALLOT_KEYS", "PUBLIC_BASE_URL")
        missing = [name for name in required if not getattr(self, name)]
        if missing:
            raise ConfigError(
                "Production configuration needs the environment variable(s) "
                + ", ".join(missing)
                + "; set them and start again."
            )
        # gunicorn's own check (gunicorn.conf.py) sees its -w too; WEB_CONCURRENCY is what
        # a server started otherwise says about its processes.
        check_shared_throttle(_count_setting(os.environ, "WEB_CONCURRENCY", 1), os.environ)
        self.SESSION_COOKIE_SECURE = True
        self.REMEMBER_COOKIE_SECURE = True
        self.PREFERRED_URL_SCHEME = "https"


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> Config:
    """Instantiate the configuration named `name` (or `$MUTUALITY_CONFIG`)."""
    chosen = name or os.environ.get("MUTUALITY_CONFIG", "development")
    try:
        cls = CONFIGS[chosen]
    except KeyError:
        raise ConfigError(
            f"Unknown configuration {chosen!r}; use one of {', '.join(sorted(CONFIGS))}."
        ) from None
    return cls()
