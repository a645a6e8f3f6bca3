"""Take the README's screenshots: the demo data served live, photographed by headless Chromium.

    .venv/bin/python docs/screenshots.py [--out docs/img] [--today YYYY-MM-DD]

Builds a throw-away SQLite database in a temporary directory (migrated with Alembic, filled
by the seed-demo service with a fixed seed, plus one open survey with one participant so that
the employee form can be shown), serves the app with werkzeug on 127.0.0.1 and a free port in
a background thread, signs in through the real login form with Playwright driving Debian's
Chromium (never a downloaded browser), and writes:

    employee-form.png, employee-form-phone.png   the survey page (privacy receipt, questions)
    report-overview.png                          HR's overview of the latest demo wave
    quadrant-map.png                             the overview's mutuality x power-over map
    heatmap.png                                  teams compared with the rest of the organisation
    instrument-editor.png                        the admin's instrument editor
    instrument-diff.png                          version 1 -> 2 of the bundled instrument
    item-report.png                              the latest wave's item report (pilot)
    team-view-es.png                             a manager's team view, in Spanish

The data depend only on the seed; dates count back from --today (default: the current UTC
date), so passing the same --today gives the same pictures. Everything temporary (database,
server, browser) is removed at the end, also after an error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FloatRect, Locator, Page, ViewportSize

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as docs/screenshots.py: make `app` and `tests` importable

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.live_server import serving  # noqa: E402

DEFAULT_OUT = ROOT / "docs" / "img"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
# The survey page's first screen on a common laptop: the receipt and the first question.
LAPTOP: ViewportSize = {"width": 1366, "height": 768}
SEED = 7
TIMEOUT_MS = 30_000
INSTRUMENT_KEY = "relational-climate"
DEMO_PARTICIPANT = "alex@example.org"

# Every chart of the page has been drawn: charts.js unhides the plot, Plotly renders its SVG,
# and only when Plotly's promise resolves is the data table folded away.
JS_CHARTS_DRAWN = """() => {
  const plots = [...document.querySelectorAll('[data-chart-plot]')];
  return plots.length > 0 && plots.every(p =>
    p.getAttribute('data-chart-drawn') && !p.hidden && p.querySelector('.main-svg') &&
    !p.closest('figure').querySelector('details.chart-table').open);
}"""

JS_SCROLL_TO_TOP = "e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 12)"


class ScreenshotError(RuntimeError):
    """Something the person running the script can fix (printed without a traceback)."""


@dataclass(frozen=True)
class Demo:
    base_url: str
    report_survey_id: int  # the latest (closed) demo wave
    token: str  # the raw link token of the open survey's one participant
    hr: tuple[str, str]
    admin: tuple[str, str]
    manager: tuple[str, str]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="folder of the PNG files (docs/img)"
    )
    parser.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=None,
        help="date the demo's waves count back from, YYYY-MM-DD (default: today, UTC)",
    )
    parser.add_argument(
        "--chromium", type=Path, default=CHROMIUM, help=f"the browser (default {CHROMIUM})"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    chromium: Path = args.chromium
    if not (chromium.is_file() and os.access(chromium, os.X_OK)):
        print(
            f"error: {chromium} not found; install Debian's Chromium (apt-get install chromium)"
            " or pass --chromium PATH. Never run `playwright install`.",
            file=sys.stderr,
        )
        return 2
    from playwright.sync_api import Error as PlaywrightError

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        with ExitStack() as stack:
            workdir = Path(
                stack.enter_context(
                    tempfile.TemporaryDirectory(
                        prefix="mutuality-shots-", ignore_cleanup_errors=True
                    )
                )
            )
            demo = stack.enter_context(live_demo(workdir, today=args.today))
            written = take_screenshots(demo, out, chromium)
    except ScreenshotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except PlaywrightError as exc:  # a timeout, a selector that no longer matches, a crash
        print(f"error: the browser step failed: {exc.message}", file=sys.stderr)
        return 1
    for path in written:
        print(display(path))
    print(f"{len(written)} screenshots in {time.perf_counter() - started:.1f} s")
    return 0


def display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# -- the app, its data and the live server ----------------------------------------------------


@contextmanager
def live_demo(workdir: Path, *, today: dt.date | None) -> Iterator[Demo]:
    """Migrate and seed a SQLite file in `workdir`, serve it, yield where and what to shoot."""
    url = f"sqlite:///{workdir / 'demo.sqlite3'}"
    # Our own process only: the app, Alembic's env.py and the services all read these.
    os.environ["DATABASE_URL"] = url
    os.environ["MUTUALITY_CONFIG"] = "development"

    from alembic import command
    from alembic.config import Config as AlembicConfig
    from sqlalchemy import Engine

    from app import create_app
    from app.db import Session
    from app.demo.services import DEMO_ADMIN, DEMO_HR, DEMO_MANAGER

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    command.upgrade(AlembicConfig(str(ROOT / "alembic.ini")), "head")
    app = create_app("development", DATABASE_URL=url)
    engine: Engine = app.extensions["sqlalchemy_engine"]
    try:
        with serving(app, "live") as server:
            with app.app_context():
                report_survey_id, token = seed(today)
            server.start()
            yield Demo(
                base_url=server.base_url,
                report_survey_id=report_survey_id,
                token=token,
                hr=DEMO_HR,
                admin=DEMO_ADMIN,
                manager=DEMO_MANAGER,
            )
    finally:
        Session.remove()
        engine.dispose()


def seed(today: dt.date | None) -> tuple[int, str]:
    """The demo (fixed seed) and one open survey with one participant; committed. Returns the
    latest demo wave's id and the participant's raw token."""
    from sqlalchemy import select

    from app.db import Session
    from app.demo.services import seed_demo
    from app.org.models import Team
    from app.surveys.services import create_survey, import_participants, issue_links, open_survey

    summary = seed_demo(seed=SEED, today=today)
    team_path = Session.scalars(
        select(Team.path).where(~Team.children.any()).order_by(Team.path).limit(1)
    ).one()
    survey = create_survey(instrument_key=INSTRUMENT_KEY, title="Relational climate (open)")
    import_participants(
        survey.id, f"email,team,level\n{DEMO_PARTICIPANT},{team_path},individual_contributor\n"
    )
    ((_email, token),) = issue_links(survey.id)
    open_survey(survey.id)
    Session.commit()
    Session.remove()
    return summary.surveys[-1].id, token


# -- the browser ----------------------------------------------------------------------------


def take_screenshots(demo: Demo, out: Path, chromium: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            written += employee_pages(browser, demo, out)
            written += report_pages(browser, demo, out)
            written += staff_pages(browser, demo, out)
        finally:
            browser.close()
    return written


def employee_pages(browser: Browser, demo: Demo, out: Path) -> list[Path]:
    written: list[Path] = []
    page = new_page(browser, viewport=LAPTOP)
    goto(page, f"{demo.base_url}/s/{demo.token}")
    page.locator("#progress-text").wait_for()  # visible once survey.js has run
    written.append(shoot(page, out / "employee-form.png"))
    page.context.close()

    page = new_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    goto(page, f"{demo.base_url}/s/{demo.token}")
    # Where the questions start, the progress held at the top as they scroll.
    page.locator("#progress-text").wait_for()
    page.locator("#progress-bar").evaluate(JS_SCROLL_TO_TOP)
    written.append(shoot(page, out / "employee-form-phone.png"))
    page.context.close()
    return written


def report_pages(browser: Browser, demo: Demo, out: Path) -> list[Path]:
    written: list[Path] = []
    page = new_page(browser, viewport=DESKTOP)
    sign_in(page, demo.base_url, *demo.hr)
    reports = f"{demo.base_url}/reports/surveys/{demo.report_survey_id}"
    goto(page, f"{reports}/")
    wait_for_charts(page)
    written.append(shoot(page, out / "report-overview.png"))
    written.append(shoot(page.locator("figure.chart").first, out / "quadrant-map.png"))
    goto(page, f"{reports}/heatmap")
    wait_for_charts(page)
    written.append(shoot(page.locator("figure.chart").first, out / "heatmap.png"))
    goto(page, f"{reports}/item-report")
    written.append(shoot(page, out / "item-report.png"))
    page.context.close()

    # On a phone the heatmap keeps its width and scrolls sideways.
    page = new_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, demo.base_url, *demo.hr)
    goto(page, f"{reports}/heatmap")
    wait_for_charts(page)
    page.locator("figure.chart .chart-scroll").first.evaluate(JS_SCROLL_TO_TOP)
    written.append(shoot(page, out / "heatmap-phone.png"))
    page.context.close()
    return written


def staff_pages(browser: Browser, demo: Demo, out: Path) -> list[Path]:
    written: list[Path] = []
    page = new_page(browser, viewport=DESKTOP)
    sign_in(page, demo.base_url, *demo.admin)
    goto(page, f"{demo.base_url}/admin/instruments/{INSTRUMENT_KEY}/edit")
    page.locator(".CodeMirror").wait_for()
    written.append(shoot(page, out / "instrument-editor.png"))
    goto(page, f"{demo.base_url}/admin/instruments/{INSTRUMENT_KEY}/diff?from=1&to=2")
    written.append(shoot(page, out / "instrument-diff.png"))
    page.context.close()

    # A manager whose browser prefers Spanish lands on their team's view.
    page = new_page(browser, viewport=DESKTOP, locale="es-419")
    sign_in(page, demo.base_url, *demo.manager)
    goto(page, f"{demo.base_url}/reports/my-team")
    written.append(shoot(page, out / "team-view-es.png"))
    page.context.close()
    return written


def new_page(browser: Browser, **options: Any) -> Page:
    options.setdefault("locale", "en-US")
    context = browser.new_context(device_scale_factor=1, color_scheme="light", **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def goto(page: Page, url: str) -> None:
    """Open `url`; a ScreenshotError unless it answers 200 (an error page is no picture)."""
    response = page.goto(url)
    status = response.status if response is not None else None
    if status != 200:
        raise ScreenshotError(f"GET {url} answered {status}, not 200 (now at {page.url})")


def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    goto(page, f"{base_url}/login")
    # By name, not by label: the form reads in the browser's language.
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def wait_for_charts(page: Page) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(JS_CHARTS_DRAWN)
    except PlaywrightTimeout:
        raise ScreenshotError(f"the charts of {page.url} were not drawn in time") from None


def shoot(target: Page | Locator, path: Path, clip: FloatRect | None = None) -> Path:
    """A PNG of a page's viewport (or of `clip`, in page coordinates) or of one element,
    without the blinking caret."""
    options: dict[str, Any] = {"animations": "disabled", "caret": "hide"}
    if clip is not None:
        options.update(full_page=True, clip=clip)
    target.screenshot(path=str(path), **options)
    return path


if __name__ == "__main__":
    sys.exit(main())
