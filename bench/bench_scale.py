"""Releases at a million responses on PostgreSQL: the release build and the report pages.

Seeding a million people through seed-demo's service takes hours on two cores, so this
benchmark seeds a wave of `--base` responses through the service (200 teams, the demo's
model) and then copies every response `--copies` times inside PostgreSQL: each copy is a
new response (a new id) with the same team, level, answers, scores and comments as its
original; the invitations are copied alike (so response rates stay plausible). The
release then reads the million rows as it would any others; a page reads the release,
whose size depends on the teams, levels and items, not on the number of responses.

Reported: the build of the final release (no budget at 1M: issue #12 budgets 100k), each
page's first read in a prepared worker, warm reads, and a department at one level, against
the 100 ms budget (bench_releases' reading, shared).

    .venv/bin/python bench/bench_scale.py [--base 100000] [--copies 10] [--warm 3]
    .venv/bin/python bench/bench_scale.py --keep        # keeps the database, prints its URL
    .venv/bin/python bench/bench_scale.py --reuse URL   # reads the pages of a kept database

The build takes long on a shared machine; `--keep` then `--reuse` reads the pages again
once the machine is quiet.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_releases import _page_row, read_pages
from bench.bench_reports import DEMO_SEED, TEAMS, analyze, people_for
from bench.harness import (
    DEFAULT_PG_ADMIN_URL,
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


@dataclass(frozen=True)
class Settings:
    engines: tuple[str, ...]
    base: int
    copies: int
    warm: int
    pg_admin_url: str
    keep: bool = False
    reuse: str | None = None


def parse_args(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=int, default=100_000, help="responses seeded")
    parser.add_argument("--copies", type=int, default=10, help="times each response is held")
    parser.add_argument("--warm", type=int, default=3, help="warm reads per page")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--reuse", help="read the pages of a database kept by --keep")
    args = parser.parse_args(argv)
    return Settings(
        ("postgres",),
        args.base,
        max(1, args.copies),
        args.warm,
        os.environ.get("BENCH_PG_URL", DEFAULT_PG_ADMIN_URL),
        args.keep,
        args.reuse,
    )


# Copies of every response of the survey, made in the database. Each statement copies one
# table through the (old id -> new id) map; the copies share nothing with any invitation.
_COPY_STATEMENTS = (
    """CREATE TEMP TABLE copy_map AS
       SELECT r.id AS old, gen_random_uuid() AS new
       FROM response r CROSS JOIN generate_series(2, :copies) AS c
       WHERE r.survey_id = :survey""",
    """INSERT INTO response (id, survey_id, team_id, level_id, instrument_version_id,
                             submitted_on)
       SELECT m.new, r.survey_id, r.team_id, r.level_id, r.instrument_version_id,
              r.submitted_on
       FROM copy_map m JOIN response r ON r.id = m.old""",
    """INSERT INTO answer (response_id, item_key, value)
       SELECT m.new, a.item_key, a.value FROM copy_map m JOIN answer a ON a.response_id = m.old""",
    """INSERT INTO dimension_score (response_id, dimension_key, score)
       SELECT m.new, s.dimension_key, s.score
       FROM copy_map m JOIN dimension_score s ON s.response_id = m.old""",
    """INSERT INTO family_score (response_id, family_key, score)
       SELECT m.new, s.family_key, s.score
       FROM copy_map m JOIN family_score s ON s.response_id = m.old""",
)


def _copy_columns(conn: object, table: str, skip: set[str]) -> str:
    from sqlalchemy import text

    names = conn.execute(  # type: ignore[attr-defined]
        text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
            "ORDER BY ordinal_position"
        ),
        {"t": table},
    ).scalars()
    return ", ".join(n for n in names if n not in skip)


def replicate(url: str, survey_id: int, copies: int) -> tuple[int, float]:
    """Hold every response of the survey `copies` times (comments and invitations alike);
    (responses now, seconds)."""
    from sqlalchemy import text

    from app.db import make_engine

    started = time.perf_counter()
    engine = make_engine(url)
    with engine.begin() as conn:
        params = {"copies": copies, "survey": survey_id}
        for statement in _COPY_STATEMENTS:
            conn.execute(text(statement), params)
        for table in ("comment", "invitation"):
            columns = _copy_columns(conn, table, {"id"})
            id_column = "gen_random_uuid(), " if table == "comment" else ""
            target = f"id, {columns}" if table == "comment" else columns
            conn.execute(
                text(
                    f"INSERT INTO {table} ({target}) SELECT {id_column}{columns} "
                    f"FROM {table} CROSS JOIN generate_series(2, :copies) AS c "
                    "WHERE survey_id = :survey"
                ),
                params,
            )
        total = conn.execute(
            text("SELECT count(*) FROM response WHERE survey_id = :survey"), params
        ).scalar_one()
    engine.dispose()
    return int(total), time.perf_counter() - started


def bench_engine(engine_name: str, settings: Settings, workdir: Path) -> EngineResult:
    started = time.perf_counter()
    if settings.reuse:
        result = _read_kept(engine_name, settings)
    elif settings.keep:
        result = _build_and_read(engine_name, settings, _kept_database(settings))
    else:
        with fresh_database(engine_name, workdir, settings.pg_admin_url, tag="scale") as url:
            result = _build_and_read(engine_name, settings, url)
    result.seconds = time.perf_counter() - started
    return result


def _kept_database(settings: Settings) -> str:
    from sqlalchemy import make_url, text

    from app.db import make_engine

    name = f"mutuality_scale_{int(time.time())}"
    admin_url = make_url(settings.pg_admin_url)
    admin = make_engine(admin_url.render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    log(f"kept database: {url} (drop it when done)")
    return url


def _build_and_read(engine_name: str, settings: Settings, url: str) -> EngineResult:
    from app.db import Session
    from app.demo.services import seed_demo
    from app.reports.releases import publish_release
    from app.surveys.models import Survey

    result = EngineResult(engine_name)
    migrate(url)
    key = new_ballot_key()
    if settings.keep:
        log(f"its BALLOT_KEYS: {key}")
    with environment(BALLOT_KEYS=key):
        application = production_app(url)
    try:
        log(f"seeding {settings.base:,} responses through seed-demo")
        with application.app_context():
            summary = seed_demo(
                teams=TEAMS,
                people=people_for(settings.base),
                waves=1,
                seed=DEMO_SEED,
                publish=False,
            )
            Session.commit()
            Session.remove()
        survey_id = summary.surveys[0].id
        log(f"copying every response {settings.copies} times")
        n, copy_s = replicate(url, survey_id, settings.copies)
        analyze(url)
        log(f"{n:,} responses; publishing the final release")
        with application.app_context():
            survey = Session.get(Survey, survey_id)
            assert survey is not None
            began = time.perf_counter()
            release = publish_release(survey, actor=None, final=True)
            Session.commit()
            build_s = time.perf_counter() - began
            size_kb = len(release.snapshot) / 1024
            Session.remove()
        result.rows += [
            Row(engine_name, "responses x teams", f"{n:,} x {summary.teams}"),
            Row(engine_name, "copying in the database (s)", f"{copy_s:.0f}"),
            Row(engine_name, "release build (s)", f"{build_s:.1f}"),
            Row(engine_name, "snapshot stored (kB)", f"{size_kb:.0f}"),
        ]
        result.figures = {"responses": n, "build_s": build_s}
        _read(result, application, survey_id, settings)
    finally:
        application.extensions["sqlalchemy_engine"].dispose()
    return result


def _read_kept(engine_name: str, settings: Settings) -> EngineResult:
    from sqlalchemy import func, select

    from app.db import Session
    from app.reports.models import Release

    result = EngineResult(engine_name)
    assert settings.reuse is not None
    with environment(BALLOT_KEYS=os.environ.get("BALLOT_KEYS", new_ballot_key())):
        application = production_app(settings.reuse)
    try:
        with application.app_context():
            survey_id, responded = Session.execute(
                select(Release.survey_id, func.max(Release.responded)).group_by(Release.survey_id)
            ).one()
            Session.remove()
        result.rows.append(Row(engine_name, "responses (kept database)", f"{responded:,}"))
        _read(result, application, survey_id, settings)
    finally:
        application.extensions["sqlalchemy_engine"].dispose()
    return result


def _read(result: EngineResult, application: object, survey_id: int, settings: Settings) -> None:
    engine_name = result.engine
    reads = read_pages(application, survey_id, settings.warm)
    for label, times in (("first read", reads.first), ("warm, median", reads.warm)):
        for page, ms in times.items():
            result.rows.append(_page_row(engine_name, f"page {page} {label} (ms)", ms, page))
    for page, ms in reads.filtered_first.items():
        result.rows.append(
            _page_row(
                engine_name, f"page {page}, a department at one level, first read (ms)", ms, page
            )
        )
    result.figures.update(
        {
            "first_ms": reads.first,
            "warm_ms": reads.warm,
            "filtered_first_ms": reads.filtered_first,
        }
    )


def main(argv: list[str] | None = None) -> int:
    settings = parse_args(argv)
    log(f"bench_scale: {settings.base:,} responses x {settings.copies} copies, {TEAMS} teams")
    return main_per_engine("bench_scale", settings, bench_engine)


if __name__ == "__main__":
    sys.exit(main())
