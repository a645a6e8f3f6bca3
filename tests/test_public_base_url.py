"""Links reach the app: PUBLIC_BASE_URL is required in production and checked; in
development the link base follows the served host and port."""

from __future__ import annotations

import pytest

from app.surveys.links import link_base_differs
from config import ConfigError, load_config, new_ballot_key


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("BALLOT_KEYS", new_ballot_key())
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    return monkeypatch


def test_production_refuses_to_start_without_public_base_url(
    production_env: pytest.MonkeyPatch,
) -> None:
    production_env.delenv("PUBLIC_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        load_config("production")
    production_env.setenv("PUBLIC_BASE_URL", "  ")
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        load_config("production")
    production_env.setenv("PUBLIC_BASE_URL", "https://survey.example.org/")
    assert load_config("production").PUBLIC_BASE_URL == "https://survey.example.org"


@pytest.mark.parametrize(
    "value",
    ["survey.example.org", "ftp://survey.example.org", "https://", "http://host:99999",
     "https://survey.example.org/?next=x", "https://survey.example.org/#top"],
)  # fmt: skip
def test_a_public_base_url_that_is_no_web_address_stops_start_up_naming_it(
    production_env: pytest.MonkeyPatch, value: str
) -> None:
    production_env.setenv("PUBLIC_BASE_URL", value)
    with pytest.raises(ConfigError, match=r"^PUBLIC_BASE_URL must"):
        load_config("production")
    with pytest.raises(ConfigError, match=r"^PUBLIC_BASE_URL must"):
        load_config("development")


def test_development_links_follow_the_served_host_and_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("FLASK_RUN_HOST", raising=False)
    monkeypatch.delenv("FLASK_RUN_PORT", raising=False)
    assert load_config("development").PUBLIC_BASE_URL == "http://127.0.0.1:5000"
    monkeypatch.setenv("FLASK_RUN_PORT", "5050")
    assert load_config("development").PUBLIC_BASE_URL == "http://127.0.0.1:5050"
    monkeypatch.setenv("FLASK_RUN_HOST", "::1")
    assert load_config("development").PUBLIC_BASE_URL == "http://[::1]:5050"
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://laptop.local:8000")  # stated: it wins
    assert load_config("development").PUBLIC_BASE_URL == "http://laptop.local:8000"
    monkeypatch.delenv("PUBLIC_BASE_URL")
    monkeypatch.setenv("FLASK_RUN_PORT", "port")
    with pytest.raises(ConfigError, match="FLASK_RUN_PORT"):
        load_config("development")


@pytest.mark.parametrize(
    ("base", "host", "differs"),
    [
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000/", False),
        ("https://Survey.Example.org", "https://survey.example.org:443/", False),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5050/", True),
        ("http://localhost:5000", "http://127.0.0.1:5000/", True),
        ("https://survey.example.org", "http://survey.example.org/", True),
    ],
)
def test_link_base_differs_compares_scheme_host_and_port(
    base: str, host: str, differs: bool
) -> None:
    assert link_base_differs(base, host) is differs
