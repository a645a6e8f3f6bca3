from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import request

from app import create_app
from config import INSTANCE_DIR, ConfigError, load_config, new_ballot_key

ROOT = Path(__file__).resolve().parents[1]


def test_production_refuses_to_start_without_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app("production")


def test_production_names_every_missing_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigError) as excinfo:
        load_config("production")
    assert "SECRET_KEY" in str(excinfo.value)
    assert "DATABASE_URL" in str(excinfo.value)


def test_production_sets_secure_cookie_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("BALLOT_KEYS", new_ballot_key())
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://survey.example.org")
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["DEBUG"] is False


def test_development_defaults_to_a_sqlite_file_under_instance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = load_config("development")
    assert f"sqlite:///{INSTANCE_DIR / 'mutuality.sqlite3'}" == config.DATABASE_URL


def test_database_url_replaces_the_development_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://someone@db.example/prod")
    assert load_config("development").DATABASE_URL == "postgresql+psycopg://someone@db.example/prod"


def test_testing_reads_test_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_DATABASE_URL", "sqlite:////tmp/elsewhere.sqlite3")
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/not-this-one.sqlite3")
    assert load_config("testing").DATABASE_URL == "sqlite:////tmp/elsewhere.sqlite3"


def test_configuration_is_chosen_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUTUALITY_CONFIG", "testing")
    assert load_config().ENV_NAME == "testing"
    monkeypatch.setenv("MUTUALITY_CONFIG", "staging")
    with pytest.raises(ConfigError, match="Unknown configuration 'staging'"):
        load_config()


def _client_seen_by(proxies: int) -> tuple[str, str]:
    """(remote address, scheme) a view sees for a request that came through one proxy."""
    app = create_app("testing", TRUSTED_PROXIES=proxies)

    @app.get("/whoami")
    def whoami() -> str:
        return f"{request.remote_addr} {request.scheme}"

    seen = app.test_client().get(
        "/whoami", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    )
    address, scheme = seen.get_data(as_text=True).split()
    return address, scheme


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one() -> None:
    # The sign-in throttle counts per client: behind a proxy, without this, everyone would
    # share the proxy's address.
    assert _client_seen_by(1) == ("203.0.113.9", "https")


def test_without_trusted_proxies_forwarded_headers_are_ignored() -> None:
    # Facing clients directly, a forged X-Forwarded-For must not dodge the throttle.
    assert _client_seen_by(0) == ("127.0.0.1", "http")


@pytest.mark.parametrize("value", ["two", "-1", "1.5"])
def test_trusted_proxies_must_be_a_count(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", value)
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES must be a whole number"):
        load_config("testing")


# Strict parsing: a bad value stops start-up with a message naming the variable and what
# it accepts, instead of quietly meaning something else (issue #15).


@pytest.mark.parametrize("name", ["MAIL_USE_TLS", "MAIL_USE_SSL", "SQL_ECHO"])
@pytest.mark.parametrize("value", ["ture", "2", "enabled", "y e s"])
def test_a_yes_no_setting_refuses_anything_but_its_words(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        load_config("testing")
    message = str(refused.value)
    assert message.startswith(f"{name} must be one of 1, true, yes, on (yes) or 0, false, no, off")
    assert repr(value) in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("TRUE", True),
        ("Yes", True),
        ("on", True),
        ("1", True),
        ("false", False),
        ("0", False),
        ("OFF", False),
        ("", False),
        ("  ", False),
    ],
)
def test_a_yes_no_setting_reads_its_words_in_any_case(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    monkeypatch.setenv("MAIL_USE_TLS", value)
    assert load_config("testing").MAIL_USE_TLS is expected


@pytest.mark.parametrize("value", ["abc", "-25", "2.5", "0x19", "25 "])
def test_mail_port_must_be_a_port_number(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("MAIL_PORT", value)
    if value.strip().isdigit():  # "25 " is a port, spaces aside
        assert load_config("testing").MAIL_PORT == 25
        return
    with pytest.raises(ConfigError, match="MAIL_PORT must be a whole number of 0 or more"):
        load_config("testing")


@pytest.mark.parametrize("value", ["0", "65536", "100000"])
def test_mail_port_out_of_range_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("MAIL_PORT", value)
    with pytest.raises(ConfigError, match="MAIL_PORT must be a port number from 1 to 65535"):
        load_config("testing")


@pytest.mark.parametrize(
    "name",
    [
        "MAX_CONTENT_LENGTH",
        "OUTBOX_MAX_REMINDERS",
        "OUTBOX_MAX_ATTEMPTS",
        "PARTICIPANTS_QUEUE_BYTES",
        "STAFF_SESSION_IDLE_MINUTES",
        "RETENTION_RESPONSES_DAYS",
        "RETENTION_COMMENTS_DAYS",
        "RETENTION_AUDIT_DAYS",
    ],
)
@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "1e3"])
def test_counts_must_be_whole_numbers(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=f"^{name} must be a whole number of 0 or more"):
        load_config("testing")


@pytest.mark.parametrize(
    "name",
    [
        "MAIL_TIMEOUT",
        "OUTBOX_BACKOFF_SECONDS",
        "OUTBOX_BACKOFF_MAX_SECONDS",
        "OUTBOX_LEASE_SECONDS",
    ],
)
@pytest.mark.parametrize("value", ["ten", "0", "-5", "nan", "inf"])
def test_durations_must_be_seconds_above_zero(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=f"^{name} must be a number of seconds above 0"):
        load_config("testing")


def test_good_numbers_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAIL_PORT", "587")
    monkeypatch.setenv("MAIL_TIMEOUT", "2.5")
    monkeypatch.setenv("RETENTION_COMMENTS_DAYS", "365")
    config = load_config("testing")
    assert (config.MAIL_PORT, config.MAIL_TIMEOUT, config.RETENTION_COMMENTS_DAYS) == (
        587,
        2.5,
        365,
    )
    assert config.RETENTION_RESPONSES_DAYS == 0  # unset: kept for good


def test_allow_per_process_throttle_is_a_yes_no_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUTUALITY_CONFIG", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("BALLOT_KEYS", new_ballot_key())
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://survey.example.org")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    monkeypatch.setenv("ALLOW_PER_PROCESS_THROTTLE", "ture")
    with pytest.raises(ConfigError, match=r"^ALLOW_PER_PROCESS_THROTTLE must be one of"):
        load_config()
    monkeypatch.setenv("ALLOW_PER_PROCESS_THROTTLE", "yes")
    assert load_config().ENV_NAME == "production"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("MAIL_USE_TLS", "ture", "Error: MAIL_USE_TLS must be one of 1, true, yes, on (yes)"),
        ("MAIL_PORT", "abc", "Error: MAIL_PORT must be a whole number of 0 or more, not 'abc'."),
    ],
)
def test_the_flask_command_stops_with_a_message_and_no_traceback(
    tmp_path: Path, name: str, value: str, expected: str
) -> None:
    env = {
        key: val
        for key, val in os.environ.items()
        if not key.startswith(("MAIL_", "MUTUALITY_", "DATABASE_URL", "FLASK_"))
    }
    env.update({name: value, "MUTUALITY_CONFIG": "testing"})
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "surveys", "list"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert expected in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_gunicorn_stops_before_any_worker_with_the_message() -> None:
    env = {
        key: val
        for key, val in os.environ.items()
        if not key.startswith(("MAIL_", "MUTUALITY_", "DATABASE_URL", "WEB_CONCURRENCY"))
    }
    env.update({"MAIL_USE_TLS": "ture", "MUTUALITY_CONFIG": "testing"})
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "-w",
            "1",
            "-b",
            "127.0.0.1:0",
            "app:create_app()",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "Error: MAIL_USE_TLS must be one of 1, true, yes, on (yes)" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "Booting worker" not in done.stderr  # stopped before any worker started


def test_alembic_stops_with_the_message_too() -> None:
    env = {
        key: val
        for key, val in os.environ.items()
        if not key.startswith(("MAIL_", "MUTUALITY_", "DATABASE_URL"))
    }
    env.update({"MAIL_PORT": "abc", "MUTUALITY_CONFIG": "production"})
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "current"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "Error: MAIL_PORT must be a whole number of 0 or more, not 'abc'." in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
