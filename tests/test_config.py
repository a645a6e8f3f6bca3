from __future__ import annotations

import pytest
from flask import request

from app import create_app
from config import INSTANCE_DIR, ConfigError, load_config, new_ballot_key


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
