"""Releases: how long a release takes to build, and how fast report pages read from it.

For each engine: a fresh database, the demo organisation (200 teams, one closed wave of the
target number of responses) through seed-demo's service, then `publish_release` of the
final release (aggregates read once, disclosure decided and stored) and the report pages
served in process from that release: per page, its first read in a worker prepared as
gunicorn.conf.py prepares one (app.reports.warm: templates compiled, latest releases
decoded; the page's values not built yet, as for every page and filter a worker has not
served), the same in a worker that has not decoded the release, the median of warm reads,
and first reads of a department at one level.

Budgets (issue #12): a release of 100,000 responses x 200 teams builds in under 30 s on
PostgreSQL; any report page read from a release answers in under 100 ms server time.

    .venv/bin/python bench/bench_releases.py [--engine sqlite|postgres|both] [--responses N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_reports import DEMO_SEED, TEAMS, analyze, login, people_for
from bench.harness import (
    DEFAULT_PG_ADMIN_URL,
    IN_PROCESS_BASE_URL,
    BenchError,
    EngineResult,
    Row,
    environment,
    fresh_database,
    log,
    main_per_engine,
    migrate,
    production_app,
)
from config import new_ballot_key

BUILD_BUDGET_S = 30.0  # on PostgreSQL at 100,000 responses
PAGE_BUDGET_MS = 100.0
PAGES = (
    "/",
    "/heatmap",
    "/items",
    "/standpoint",
    "/trends",
    "/reliability",
    "/item-report",
    "/comments",
    "/response-rates",
)
# Each page's export in both formats (the overview's at /export.*), reported without a
# budget: a download, streamed as it is written.
EXPORTS = tuple(f"{page.rstrip('/')}/export.{fmt}" for page in PAGES for fmt in ("csv", "xlsx"))


@dataclass(frozen=True)
class Settings:
    engines: tuple[str, ...]
    responses: int
    warm: int
    pg_admin_url: str


def parse_args(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--warm", type=int, default=5, help="warm reads per page")
    args = parser.parse_args(argv)
    return Settings(
        engines=("sqlite", "postgres") if args.engine == "both" else (args.engine,),
        responses=args.responses,
        warm=args.warm,
        pg_admin_url=os.environ.get("BENCH_PG_URL", DEFAULT_PG_ADMIN_URL),
    )


def _get_ms(client: Any, url: str) -> float:
    started = time.perf_counter()
    answer = client.get(url, base_url=IN_PROCESS_BASE_URL)
    body = answer.get_data()
    seconds = time.perf_counter() - started
    if answer.status_code != 200 or b"No results yet" in body:
        raise BenchError(f"GET {url} gave {answer.status_code} without the release")
    return 1000 * seconds


def seed_and_publish(
    url: str, engine_name: str, application: Any, responses: int
) -> tuple[Any, float, float]:
    """The demo wave (committed), then its final release: (summary, build s, stored kB)."""
    from app.db import Session
    from app.demo.services import seed_demo
    from app.reports.releases import publish_release
    from app.surveys.models import Survey

    with application.app_context():
        summary = seed_demo(
            teams=TEAMS, people=people_for(responses), waves=1, seed=DEMO_SEED, publish=False
        )
        Session.commit()
        Session.remove()
    if engine_name == "postgres":
        analyze(url)
    with application.app_context():
        survey = Session.get(Survey, summary.surveys[0].id)
        assert survey is not None
        began = time.perf_counter()
        release = publish_release(survey, actor=None, final=True)
        Session.commit()
        build_s = time.perf_counter() - began
        size_kb = len(release.snapshot) / 1024
        Session.remove()
    return summary, build_s, size_kb


@dataclass(frozen=True)
class Reads:
    """Server times of the report pages, in ms: the process's very first request with
    nothing prepared; per page, its first read in a worker prepared as gunicorn prepares one
    (app.reports.warm: templates compiled, latest releases decoded; the page's values not
    built yet) and in one that has not decoded the release yet, and the median of warm
    reads; first reads of a filtered view in a prepared worker."""

    process_first: float
    first: dict[str, float]
    undecoded_first: dict[str, float]
    warm: dict[str, float]
    filtered_first: dict[str, float]


def read_pages(application: Any, survey_id: int, warm: int) -> Reads:
    from app.reports import queries, registry
    from app.reports.warm import ready_worker

    client = application.test_client()
    login(client)
    base = f"/reports/surveys/{survey_id}"
    queries._snapshots.clear()
    registry._page_values.clear()
    process_first = _get_ms(client, base + "/")
    first: dict[str, float] = {}
    undecoded: dict[str, float] = {}
    medians: dict[str, float] = {}
    department, level = _a_department_and_level(application, survey_id)
    team_view = f"/teams/{department}"  # a department's team view (issue #14: < 100 ms)
    for page in (*PAGES, team_view, *EXPORTS):
        queries._snapshots.clear()
        registry._page_values.clear()
        undecoded[page] = _get_ms(client, base + page)
        queries._snapshots.clear()
        registry._page_values.clear()
        ready_worker(application)
        first[page] = _get_ms(client, base + page)
        medians[page] = statistics.median(_get_ms(client, base + page) for _ in range(warm))
    filtered: dict[str, float] = {}
    for page in ("/", "/heatmap", "/items", "/comments"):
        registry._page_values.clear()  # the release decoded, this filter never read
        filtered[page] = _get_ms(client, f"{base}{page}?team={department}&level={level}")
    return Reads(process_first, first, undecoded, medians, filtered)


def _a_department_and_level(application: Any, survey_id: int) -> tuple[int, int]:
    """A team with children (a department) and the first level of the survey."""
    from sqlalchemy import select

    from app.db import Session
    from app.org.models import Team
    from app.surveys.models import Survey

    with application.app_context():
        parents = set(Session.scalars(select(Team.parent_id).where(Team.parent_id.is_not(None))))
        survey = Session.get(Survey, survey_id)
        assert survey is not None and parents
        level = survey.levels[0].id
        Session.remove()
    return min(p for p in parents if p is not None), level


def bench_engine(engine_name: str, settings: Settings, workdir: Path) -> EngineResult:
    result = EngineResult(engine_name)
    started = time.perf_counter()
    with fresh_database(engine_name, workdir, settings.pg_admin_url, tag="releases") as url:
        migrate(url)
        with environment(BALLOT_KEYS=new_ballot_key()):
            application = production_app(url)
        try:
            summary, build_s, size_kb = seed_and_publish(
                url, engine_name, application, settings.responses
            )
            reads = read_pages(application, summary.surveys[0].id, settings.warm)
        finally:
            application.extensions["sqlalchemy_engine"].dispose()
    n = summary.responses
    budgeted = engine_name == "postgres" and settings.responses >= 100_000
    result.rows += [
        Row(engine_name, "responses x teams", f"{n:,} x {summary.teams}"),
        Row(
            engine_name,
            "release build (s)",
            f"{build_s:.1f}",
            f"< {BUILD_BUDGET_S:.0f}" if budgeted else "",
            build_s < BUILD_BUDGET_S if budgeted else None,
        ),
        Row(engine_name, "snapshot stored (kB)", f"{size_kb:.0f}"),
        Row(
            engine_name,
            "the process's first request (ms, templates compiled)",
            f"{reads.process_first:.0f}",
        ),
    ]
    for label, times in (("first read", reads.first), ("warm, median", reads.warm)):
        for page, ms in times.items():
            result.rows.append(_page_row(engine_name, f"page {page} {label} (ms)", ms, page))
    for page, ms in reads.undecoded_first.items():
        result.rows.append(
            Row(engine_name, f"page {page} first read, release not decoded yet (ms)", f"{ms:.0f}")
        )
    for page, ms in reads.filtered_first.items():
        result.rows.append(
            _page_row(
                engine_name, f"page {page}, a department at one level, first read (ms)", ms, page
            )
        )
    result.figures = {
        "responses": n,
        "build_s": build_s,
        "snapshot_kb": size_kb,
        "process_first_ms": reads.process_first,
        "first_ms": reads.first,
        "undecoded_first_ms": reads.undecoded_first,
        "warm_ms": reads.warm,
        "filtered_first_ms": reads.filtered_first,
    }
    result.seconds = time.perf_counter() - started
    return result


def _page_row(engine_name: str, label: str, ms: float, page: str) -> Row:
    """A page's time against the budget (the export is reported without one)."""
    if page in EXPORTS:
        return Row(engine_name, label, f"{ms:.0f}")
    return Row(engine_name, label, f"{ms:.0f}", f"< {PAGE_BUDGET_MS:.0f}", ms < PAGE_BUDGET_MS)


def main(argv: list[str] | None = None) -> int:
    settings = parse_args(argv)
    log(f"bench_releases: {settings.responses:,} responses x {TEAMS} teams")
    return main_per_engine("bench_releases", settings, bench_engine)


if __name__ == "__main__":
    sys.exit(main())
