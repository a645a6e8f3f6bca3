"""Releases: how long a release takes to build, and how fast report pages read from it.

For each engine: a fresh database, the demo organisation (200 teams, one closed wave of the
target number of responses) through seed-demo's service, then `publish_release` of the
final release (aggregates read once, disclosure decided and stored) and the report pages
served in process from that release: the first read after the process's snapshot cache is
cleared (it decodes the stored snapshot) and the median of warm reads.

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
    "/comments",
    "/response-rates",
)
EXPORT = "/export.csv"  # a download of every cell, reported without a budget


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


def read_pages(application: Any, survey_id: int, warm: int) -> tuple[float, dict[str, float]]:
    """The first read after the snapshot cache is cleared, and the median warm reads."""
    from app.reports import queries

    client = application.test_client()
    login(client)
    base = f"/reports/surveys/{survey_id}"
    queries._snapshots.clear()  # the first read of a new process decodes the snapshot
    first_ms = _get_ms(client, base + "/")
    medians = {
        page: statistics.median(_get_ms(client, base + page) for _ in range(warm))
        for page in (*PAGES, EXPORT)
    }
    return first_ms, medians


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
            first_ms, warm = read_pages(application, summary.surveys[0].id, settings.warm)
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
        Row(engine_name, "first page read, decoding the snapshot (ms)", f"{first_ms:.0f}"),
    ]
    for page, ms in warm.items():
        result.rows.append(
            Row(
                engine_name,
                f"page {page} (ms, median)",
                f"{ms:.0f}",
                "" if page == EXPORT else f"< {PAGE_BUDGET_MS:.0f}",
                None if page == EXPORT else ms < PAGE_BUDGET_MS,
            )
        )
    result.figures = {
        "responses": n,
        "build_s": build_s,
        "snapshot_kb": size_kb,
        "first_read_ms": first_ms,
        "warm_ms": warm,
    }
    result.seconds = time.perf_counter() - started
    return result


def main(argv: list[str] | None = None) -> int:
    settings = parse_args(argv)
    log(f"bench_releases: {settings.responses:,} responses x {TEAMS} teams")
    return main_per_engine("bench_releases", settings, bench_engine)


if __name__ == "__main__":
    sys.exit(main())
