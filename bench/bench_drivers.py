"""Key drivers: what they add to a release at 100,000 responses with 1,000 bootstrap draws.

For each engine: a fresh migrated database with the bundled instrument, 200 teams in 50
departments and one survey whose responses carry dimension and family scores drawn from a
latent climate (written straight to the score tables: the benchmark times the release's
reading and computing, not the submissions). Then, as `publish_release` does
(app.reports.releases._key_drivers): the one query that reads every complete response's
team and scores (app.reports.queries.driver_scores), and the relative weights with their
intervals for the organisation and every department (app.reports.drivers.release_drivers).

Budget (issue #14): key drivers add under 10 s to a release of 100,000 responses with
1,000 bootstrap draws.

    .venv/bin/python bench/bench_drivers.py [--engine sqlite|postgres|both] [--responses N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from sqlalchemy import insert, select

from app.db import Session
from app.instruments.queries import document_of
from app.instruments.services import sync_instruments
from app.org.models import Team
from app.org.services import ensure_team
from app.reports.drivers import driver_keys, release_drivers
from app.reports.queries import driver_scores
from app.surveys.models import Survey
from app.surveys.services import create_survey
from app.taking.models import DimensionScore, FamilyScore, Response
from bench.harness import (
    DEFAULT_PG_ADMIN_URL,
    ROOT,
    EngineResult,
    Row,
    fresh_database,
    log,
    main_per_engine,
    migrate,
    production_app,
)

BUDGET_S = 10.0
TEAMS = 200
DEPARTMENTS = 50
BATCH = 20_000


@dataclass(frozen=True)
class Settings:
    engines: tuple[str, ...]
    responses: int
    draws: int
    pg_admin_url: str


def parse_args(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--draws", type=int, default=1000)
    args = parser.parse_args(argv)
    return Settings(
        engines=("sqlite", "postgres") if args.engine == "both" else (args.engine,),
        responses=args.responses,
        draws=args.draws,
        pg_admin_url=os.environ.get("BENCH_PG_URL", DEFAULT_PG_ADMIN_URL),
    )


def _seed(responses: int) -> tuple[int, dict[int, int | None]]:
    """The survey's id and its team tree, the responses and their scores stored."""
    (synced,) = sync_instruments([ROOT / "instruments" / "archive" / "relational-climate.v1.json"])
    version = synced.version
    teams = [
        ensure_team(f"Department {d}/Team {t}")[0].id
        for d in range(DEPARTMENTS)
        for t in range(TEAMS // DEPARTMENTS)
    ]
    survey = create_survey(instrument_key="relational-climate", title="Drivers bench")
    Session.commit()
    document = document_of(version)
    rng = np.random.default_rng(7)
    dimensions = [(d.key, d.family) for d in document.dimensions]
    families = [f.key for f in document.families]
    for start in range(0, responses, BATCH):
        size = min(BATCH, responses - start)
        ids = [uuid.uuid4() for _ in range(size)]
        team_of = rng.choice(teams, size)
        climate = rng.normal(size=size)
        rows: list[dict[str, object]] = []
        dimension_rows: list[dict[str, object]] = []
        scores: dict[str, list[np.ndarray]] = {f: [] for f in families}
        for key, family in dimensions:
            sign = -1.0 if family == "power_over" else 1.0
            values = np.clip(3 + 0.7 * sign * climate + 0.6 * rng.normal(size=size), 1, 5)
            values = np.round(values * 4) / 4
            scores[family].append(values)
            dimension_rows.extend(
                {"response_id": i, "dimension_key": key, "score": float(v)}
                for i, v in zip(ids, values, strict=True)
            )
        for i, team in zip(ids, team_of, strict=True):
            rows.append(
                {
                    "id": i,
                    "survey_id": survey.id,
                    "team_id": int(team),
                    "level_id": None,
                    "instrument_version_id": version.id,
                    "submitted_on": dt.date(2027, 3, 3),
                }
            )
        family_rows = [
            {"response_id": i, "family_key": family, "score": float(v)}
            for family, parts in scores.items()
            for i, v in zip(ids, np.mean(parts, axis=0), strict=True)
        ]
        Session.execute(insert(Response), rows)
        Session.execute(insert(DimensionScore), dimension_rows)
        Session.execute(insert(FamilyScore), family_rows)
        Session.commit()
        log(f"  {start + size:,} responses stored")
    tree = Session.execute(select(Team.id, Team.parent_id)).all()
    parents: dict[int, int | None] = {row.id: row.parent_id for row in tree}
    return survey.id, parents


def bench_engine(engine_name: str, settings: Settings, workdir: Path) -> EngineResult:
    result = EngineResult(engine_name)
    started = time.perf_counter()
    with fresh_database(engine_name, workdir, settings.pg_admin_url, "drivers") as url:
        migrate(url)
        app = production_app(url)
        with app.app_context():
            log(f"{engine_name}: storing {settings.responses:,} responses")
            survey_id, parents = _seed(settings.responses)
            survey = Session.get_one(Survey, survey_id)
            keys = driver_keys(document_of(survey.instrument_version))
            assert keys.outcome is not None
            every = [keys.outcome, *keys.predictors]
            groups = [None, *(t for t, p in parents.items() if p is None)]
            shown: dict[tuple[int | None, int | None], int] = {(g, None): 1 for g in groups}
            log(f"{engine_name}: reading the scores")
            t0, c0 = time.perf_counter(), time.process_time()
            teams, matrix = driver_scores(survey_id, keys.predictors, keys.outcome)
            read, read_cpu = time.perf_counter() - t0, time.process_time() - c0
            Session.rollback()
            log(f"{engine_name}: computing the drivers ({settings.draws} draws)")
            t1, c1 = time.perf_counter(), time.process_time()
            drivers = release_drivers(
                parents,
                shown,
                dict.fromkeys(every, shown),
                keys,
                teams,
                matrix,
                seed=(survey_id, 1),
                draws=settings.draws,
            )
            computed, computed_cpu = time.perf_counter() - t1, time.process_time() - c1
            organisation = drivers.weights(None)
            computed_groups = sum(1 for g in drivers.groups if drivers.weights(g) is not None)
    total = read + computed
    load = os.getloadavg()[0]
    at_scale = settings.responses >= 100_000 and settings.draws >= 1000
    result.rows += [
        Row(engine_name, "complete responses read", f"{len(teams):,}"),
        Row(engine_name, "read (one query, numpy pivot)", f"{read:.2f} s"),
        Row(
            engine_name,
            f"weights + intervals ({computed_groups} groups: organisation + departments)",
            f"{computed:.2f} s",
        ),
        Row(
            engine_name,
            "key drivers added to the release",
            f"{total:.2f} s",
            f"< {BUDGET_S:.0f} s at 100k x 1000",
            (total < BUDGET_S) if at_scale else None,
        ),
        Row(
            engine_name,
            "the same in this process's CPU time (what a quiet machine would take)",
            f"read {read_cpu:.2f} s + compute {computed_cpu:.2f} s",
        ),
        Row(engine_name, "load average (1 min) at the end", f"{load:.1f}"),
    ]
    if organisation is not None:
        result.rows.append(Row(engine_name, "organisation R^2", f"{organisation.r_squared:.3f}"))
    result.figures = {
        "responses": len(teams),
        "read_s": read,
        "compute_s": computed,
        "total_s": total,
        "read_cpu_s": read_cpu,
        "compute_cpu_s": computed_cpu,
        "groups": computed_groups,
        "load": load,
    }
    result.seconds = time.perf_counter() - started
    return result


def main(argv: list[str] | None = None) -> int:
    settings = parse_args(argv)
    return main_per_engine(
        "bench_drivers",
        settings,
        bench_engine,
        note="Budget: the read and the computation that publish_release adds for key drivers.",
    )


if __name__ == "__main__":
    sys.exit(main())
