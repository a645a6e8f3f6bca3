"""Fixtures for the real-browser tests: Debian's Chromium driven by Playwright (sync API,
through pytest-playwright's fixtures) against the app served live on 127.0.0.1.

The live app has a database of its own (`scratch_engine`: a temporary SQLite file or a fresh
PostgreSQL database) where the server threads really commit, seeded with the real services.

Without /usr/bin/chromium the tests are skipped with the reason shown in the summary, unless
MUTUALITY_REQUIRE_BROWSER=1 (set by .ci/run), in which case they fail.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Debian's Chromium, or a skip (a failure when MUTUALITY_REQUIRE_BROWSER=1)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        missing = f"{CHROMIUM} not found (apt-get install chromium)"
        if os.environ.get("MUTUALITY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"MUTUALITY_REQUIRE_BROWSER=1 but {missing}", pytrace=False)
        pytest.skip(f"browser tests not run: {missing}")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], chromium_executable: str
) -> dict[str, Any]:
    """pytest-playwright's launch options, pointed at Debian's Chromium (never a download)."""
    return {
        **browser_type_launch_args,
        "executable_path": chromium_executable,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url() -> None:
    """Replaces pytest-playwright's fallback `base_url` fixture, which is declared as an
    instance method of a plugin class and so raises pytest's PytestRemovedIn10Warning (an
    error here). The tests open absolute URLs of the live server."""
    return None


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each."""
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        + (f" (+{len(v['nodes']) - 5} more)" if len(v["nodes"]) > 5 else "")
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
