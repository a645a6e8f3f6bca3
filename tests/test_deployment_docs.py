"""docs/deployment.md stays true: its settings table lists exactly the settings config.py
reads (a new setting without a row fails here), its numeric defaults are config.py's, its
access-log map hides every token-bearing path, and the README links to it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from config import load_config

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "deployment.md"

# How config.py reads a setting: env.get("NAME"...), os.environ.get("NAME"...), or one of
# its parsing helpers, _count_setting(env, "NAME", ...) and the like.
_READ = re.compile(r'(?:\.get\(|_setting\(\s*[\w.]+,\s*)"([A-Z][A-Z0-9_]*)"')


def settings_read_by_config() -> set[str]:
    return set(_READ.findall((ROOT / "config.py").read_text(encoding="utf-8")))


def settings_table() -> dict[str, str]:
    """Each documented setting and the default cell of its row."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0]):
            assert name not in rows, f"{name} has two rows"
            rows[name] = cells[1]
    return rows


def test_the_reading_pattern_finds_the_settings() -> None:
    found = settings_read_by_config()
    assert {"MAIL_PORT", "MAIL_USE_TLS", "SECRET_KEY", "WEB_CONCURRENCY"} <= found
    assert len(found) > 30


def test_every_setting_has_a_row_and_every_row_a_setting() -> None:
    read, documented = settings_read_by_config(), set(settings_table())
    assert not read - documented, (
        f"add these settings to the table in docs/deployment.md: {sorted(read - documented)}"
    )
    assert not documented - read, (
        f"docs/deployment.md documents settings config.py no longer reads: "
        f"{sorted(documented - read)}"
    )


def test_numeric_defaults_are_the_configuration_s(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = settings_table()
    for name in rows:
        monkeypatch.delenv(name, raising=False)
    config = load_config("development")
    checked = 0
    for name, default in rows.items():
        number = re.match(r"^(\d+)(?:\s|$)", default)
        if number is None or not hasattr(config, name):
            continue
        assert getattr(config, name) == int(number.group(1)), f"{name}'s default"
        checked += 1
    assert checked >= 15


def _log_map() -> list[tuple[re.Pattern[str], str]]:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("map $uri $mutuality_logged_path {", 1)[1].split("}", 1)[0]
    rules = []
    for line in block.splitlines():
        match = re.match(r'\s*"~\*(.+?)"\s+"([^"]+)";', line)
        if match:
            rules.append((re.compile(match.group(1), re.IGNORECASE), match.group(2)))
    assert len(rules) >= 2
    return rules


def _logged(uri: str) -> str:
    for pattern, replacement in _log_map():
        if pattern.search(uri):
            return replacement
    return uri


@pytest.mark.parametrize(
    "uri",
    [
        "/s/Zm9vYmFyYmF6cXV4",
        "/S/Zm9vYmFyYmF6cXV4",
        "/s/Zm9vYmFyYmF6cXV4/results",
        "/s/results/Zm9vYmFyYmF6cXV4",
        "/account/set-password/Zm9vYmFyYmF6cXV4",
        "/ACCOUNT/Set-Password/Zm9vYmFyYmF6cXV4",
    ],
)
def test_the_proxy_log_hides_every_token_path(uri: str) -> None:
    # nginx's $uri is decoded with repeated slashes merged: these are the spellings left.
    assert "Zm9vYmFyYmF6cXV4" not in _logged(uri)


@pytest.mark.parametrize("uri", ["/reports/", "/static/css/app.css", "/healthz", "/login/sso"])
def test_the_proxy_log_keeps_other_paths(uri: str) -> None:
    assert _logged(uri) == uri


def test_the_token_paths_of_the_log_map_are_the_app_s(app: Flask) -> None:
    """Every route with a token in its path starts with a prefix the map hides."""
    prefixes = [pattern for pattern, _ in _log_map()]
    for rule in app.url_map.iter_rules():
        if "token" in rule.arguments:
            sample = re.sub(r"<[^>]+>", "Zm9vYmFyYmF6cXV4", rule.rule)
            assert any(p.search(sample) for p in prefixes), f"{rule.rule} would be logged"


def test_the_documented_commands_exist(app: Flask) -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "flask --app app worker" in text and "worker" in app.cli.commands
    assert (ROOT / "gunicorn.conf.py").exists() and "gunicorn -c gunicorn.conf.py" in text


def test_the_readme_links_the_deployment_page() -> None:
    assert "(docs/deployment.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_proxy_error_log_quotes_no_request_line() -> None:
    # At "error" nginx logs "request: GET /s/<token> ..." whenever the app is unreachable.
    text = DOC.read_text(encoding="utf-8")
    levels = re.findall(r"^\s*error_log\s+\S+\s+(\w+);", text, re.MULTILINE)
    assert levels and set(levels) <= {"crit", "alert", "emerg"}


def test_every_proxy_server_logs_with_the_redacting_format() -> None:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("```nginx\n# /etc/nginx/conf.d/mutuality.conf", 1)[1].split("```", 1)[0]
    servers = block.split("server {")[1:]
    assert len(servers) == 2
    for server in servers:  # the default format would log the request line, token included
        assert re.search(r"^\s*access_log\s+\S+\s+mutuality;", server, re.MULTILINE)
