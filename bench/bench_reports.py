"""Benchmark: the overview and heatmap report pages of a 200-team survey at 10,000 and
100,000 responses of the bundled instrument.

    .venv/bin/python bench/bench_reports.py [--engine sqlite|postgres|both] [--quick]

Per engine and per size, on a fresh database migrated with `alembic upgrade head` and filled
by the real seed-demo service (app.demo.services.seed_demo: 200 teams, one wave, people =
responses / 0.765, the model's mean response rate; PostgreSQL is then ANALYZEd, as
autovacuum would do, unless --no-analyze):

1. Seeding runs in a subprocess and is timed from process start to commit (what
   `time flask seed-demo` would show). Budget at the large size: < 180 s.
2. Each page (GET /reports/surveys/<id>/ and .../heatmap) is rendered by a fresh subprocess
   (production configuration, Flask test client, signed in as the demo HR user through the
   real login form) from the wave's final release (seed-demo publishes it): the first render
   (empty caches: the release's snapshot decoded, statistics, figures, template), more cold
   renders with the snapshot and page caches cleared before each, then warm renders. Budget at the
   large size, on the first render: < 1.5 s on PostgreSQL, < 3 s on SQLite.
3. Peak memory: the render process's maximum RSS after the timed renders (imports included).
   Budget at the large size: < 300 MB. A tracemalloc pass (one more cold render, untimed)
   gives the Python allocation peak.
4. The bare baseline, timed in the same processes on the same database: one GROUP BY over
   the answers of the survey (team, item, value); every render is printed with its ratio.
5. Growth: cold render (median, cache cleared) at the large size over the small size must
   stay below 1.2 x the ratio of the response counts (about 10).

When a render budget is missed (or with --profile), the render process profiles one more
cold render under cProfile and prints where the time goes. Prints a table of figures, budgets
and PASS/FAIL; exits 1 when a budget is missed, 2 when the benchmark could not run (e.g.
PostgreSQL unreachable). Databases mutuality_bench_* and temporary files are removed at the
end, on failure too. See bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import textwrap
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    CSRF_RE,
    DEFAULT_PG_ADMIN_URL,
    IN_PROCESS_BASE_URL,
    BenchError,
    EngineResult,
    Row,
    fresh_database,
    log,
    main_per_engine,
    migrate,
    production_env,
)

TEAMS = 200
WAVES = 1
DEMO_SEED = 7
RESPONSE_RATE = 0.765  # mean of the demo model's per-team response rates (0.65 to 0.88)
SIZES = (10_000, 100_000)
QUICK_SIZES = (2_000, 20_000)

SEED_BUDGET_S = 180.0
RENDER_BUDGET_S = {"postgres": 1.5, "sqlite": 3.0}
MEMORY_BUDGET_MB = 300.0
GROWTH_TOLERANCE = 1.2

PAGES = {"overview": "/reports/surveys/{id}/", "heatmap": "/reports/surveys/{id}/heatmap"}

BASELINE_SQL = (
    "SELECT r.team_id, a.item_key, a.value, count(*) FROM answer a "
    "JOIN response r ON r.id = a.response_id WHERE r.survey_id = :s GROUP BY 1, 2, 3"
)


# --- settings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    engines: tuple[str, ...]
    sizes: tuple[int, int]  # target responses: small, large
    cold_repeats: int  # cold renders after the first, publication cache cleared each time
    warm_repeats: int
    baseline_repeats: int  # timed bare GROUP BYs per render process (after one warm-up)
    profile: str  # auto (when a render budget is missed), always, never
    analyze: bool  # ANALYZE the PostgreSQL tables after seeding (what autovacuum does)
    quick: bool
    pg_admin_url: str


def parse_args(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_SIZES[0]:,} and {QUICK_SIZES[1]:,} responses, fewer repeats (a smoke "
        "check: the budgets are the issue's, at smaller sizes)",
    )
    parser.add_argument(
        "--sizes",
        help="small,large target responses (default 10000,100000)",
    )
    parser.add_argument("--cold", type=int, help="cold renders after the first (default 2)")
    parser.add_argument("--warm", type=int, help="warm renders (default 5)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--profile",
        dest="profile",
        action="store_const",
        const="always",
        default="auto",
        help="profile a cold render of each page at the large size even when within budget",
    )
    group.add_argument(
        "--no-profile", dest="profile", action="store_const", const="never", help="never profile"
    )
    parser.add_argument(
        "--no-analyze",
        dest="analyze",
        action="store_false",
        help="do not ANALYZE the PostgreSQL tables after seeding (the planner then works from "
        "the statistics of empty tables unless autovacuum has analyzed them meanwhile)",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    sizes = QUICK_SIZES if quick else SIZES
    if args.sizes:
        small, large = (int(s.replace("_", "")) for s in args.sizes.split(","))
        if not 0 < small < large:
            parser.error("--sizes needs small,large with 0 < small < large")
        sizes = (small, large)
    return Settings(
        engines=("sqlite", "postgres") if args.engine == "both" else (args.engine,),
        sizes=sizes,
        cold_repeats=args.cold if args.cold is not None else (1 if quick else 2),
        warm_repeats=args.warm if args.warm is not None else (2 if quick else 5),
        baseline_repeats=2,
        profile=args.profile,
        analyze=args.analyze,
        quick=quick,
        pg_admin_url=os.environ.get("BENCH_PG_URL", DEFAULT_PG_ADMIN_URL),
    )


def people_for(responses: int) -> int:
    return max(TEAMS, round(responses / RESPONSE_RATE))


# --- databases ------------------------------------------------------------------------------


def analyze(url: str) -> float:
    """ANALYZE every table of a PostgreSQL database (what autovacuum does a while after a bulk
    load); its duration."""
    from sqlalchemy import text

    from app.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            started = time.perf_counter()
            conn.execute(text("ANALYZE"))
            return time.perf_counter() - started
    finally:
        engine.dispose()


# --- subprocesses ---------------------------------------------------------------------------


def run_worker(kind: str, url: str, out: Path, *args: str, timeout: float = 1200) -> dict[str, Any]:
    """Run `bench_reports.py _worker KIND ...` in a new process; its JSON result. The
    process is killed if this is interrupted. Returns the result with its wall time."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "_worker", kind, "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), **production_env(url)}
    out.unlink(missing_ok=True)
    stderr_path = out.with_suffix(".stderr")
    started = time.perf_counter()
    with stderr_path.open("wb") as stderr:
        proc = subprocess.Popen(
            [*cmd, *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stderr=stderr
        )
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise BenchError(f"the {kind} process did not finish within {timeout:.0f} s") from None
        finally:
            if proc.poll() is None:  # interrupted or timed out: end the process we started
                proc.kill()
                proc.wait()
    wall = time.perf_counter() - started
    if proc.returncode != 0 or not out.exists():
        tail = "\n".join(stderr_path.read_text(errors="replace").splitlines()[-30:])
        raise BenchError(
            f"the {kind} process exited with {proc.returncode}:\n" + textwrap.indent(tail, "  | ")
        )
    result: dict[str, Any] = json.loads(out.read_text())
    result["wall_s"] = wall
    return result


# --- worker: seed ---------------------------------------------------------------------------


def worker_seed(people: int) -> dict[str, Any]:
    """seed-demo through its service, as `flask seed-demo` calls it; committed."""
    from sqlalchemy import func, select

    from app import create_app
    from app.db import Session
    from app.demo.services import seed_demo
    from app.taking.models import Answer

    application = create_app("production")
    try:
        with application.app_context():
            started = time.perf_counter()
            summary = seed_demo(teams=TEAMS, people=people, waves=WAVES, seed=DEMO_SEED)
            Session.commit()
            seconds = time.perf_counter() - started
            answers = Session.scalar(select(func.count()).select_from(Answer)) or 0
            Session.remove()
    finally:
        application.extensions["sqlalchemy_engine"].dispose()
    return {
        "service_s": seconds,
        "responses": summary.responses,
        "people": summary.people,
        "teams": summary.teams,
        "departments": summary.departments,
        "answers": int(answers),
        "survey_id": summary.surveys[0].id,
        "maxrss_mb": maxrss_mb(),
    }


# --- worker: render -------------------------------------------------------------------------


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Phases:
    """Wall time and calls of a few functions of the report path, recorded without a
    profiler (wrappers around module attributes; the overhead is a few calls per render),
    plus the time spent in the DBAPI cursor (execute) per request."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.statements: dict[str, float] = {}  # SQL text (shortened) -> seconds
        self._undo: list[Callable[[], None]] = []

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()
        self.statements.clear()

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        self.calls[name] = self.calls.get(name, 0) + 1

    def wrap(self, owner: Any, attribute: str, name: str) -> None:
        original = getattr(owner, attribute)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - started)

        setattr(owner, attribute, timed)
        self._undo.append(lambda: setattr(owner, attribute, original))

    def watch_sql(self, engine: Any) -> None:
        from sqlalchemy import event

        starts: list[float] = []

        def before(*_args: Any) -> None:
            starts.append(time.perf_counter())

        def after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if starts:
                seconds = time.perf_counter() - starts.pop()
                self.add("sql", seconds)
                head = " ".join(statement.split())[:90]
                self.statements[head] = self.statements.get(head, 0.0) + seconds

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)

    def install(self) -> None:
        from app.reports import figures, pages, queries, routes
        from app.reports.privacy import suppression

        self.wrap(routes, "snapshot_of", "publication")  # the release's snapshot, decoded
        for function in ("response_counts", "score_sums"):  # execute, fetch, Python rows
            self.wrap(queries, function, "aggregates")
        self.wrap(suppression, "suppress", "suppress")  # each disclosure decision
        self.wrap(suppression, "_leaks", "suppress_rounds")  # one elimination + search per round
        for function in ("quadrant", "family_comparison", "heatmap", "family_table"):
            self.wrap(pages, function, "figures")  # statistics (lazy) and Plotly figures
        self.wrap(routes, "render_template", "template")  # Jinja, chart JSON included
        self.wrap(figures.ChartSpec, "payload", "chart_json")  # figure.to_json, per chart

    def snapshot(self) -> dict[str, list[float]]:
        return {name: [self.seconds[name], self.calls[name]] for name in self.seconds}

    def slowest_sql(self, count: int = 3) -> list[list[Any]]:
        ranked = sorted(self.statements.items(), key=lambda item: -item[1])
        return [[statement, seconds] for statement, seconds in ranked[:count]]


def login(client: Any) -> None:
    from app.demo.services import DEMO_HR

    page = client.get("/login", base_url=IN_PROCESS_BASE_URL)
    match = CSRF_RE.search(page.get_data())
    if page.status_code != 200 or match is None:
        raise BenchError(f"GET /login gave {page.status_code} without a CSRF token")
    email, password = DEMO_HR
    answer = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": match.group(1).decode()},
        base_url=IN_PROCESS_BASE_URL,
        headers={"Referer": f"{IN_PROCESS_BASE_URL}/login"},  # strict CSRF referrer check
    )
    if answer.status_code != 302:
        raise BenchError(f"signing in as {email} gave {answer.status_code}, not 302")


def baseline_times(engine: Any, survey_id: int, baseline: int) -> tuple[list[float], int]:
    """The bare GROUP BY over the same answers, on the same engine (one warm-up): its
    times in seconds and the rows it returns."""
    from sqlalchemy import text

    baseline_s: list[float] = []
    rows = 0
    for i in range(baseline + 1):
        with engine.connect() as conn:
            started = time.perf_counter()
            rows = len(conn.execute(text(BASELINE_SQL), {"s": survey_id}).all())
            if i:
                baseline_s.append(time.perf_counter() - started)
    return baseline_s, rows


def cold_renders(
    render: Callable[[], tuple[float, int]], forget: Callable[[], None], phases: Phases, count: int
) -> tuple[list[float], list[Any]]:
    """`count` renders, each after forgetting the cached publication: their seconds and
    where each spent them."""
    seconds, snapshots = [], []
    for _ in range(count):
        forget()
        seconds.append(render()[0])
        snapshots.append(phases.snapshot())
    return seconds, snapshots


def traced_peak_bytes(render: Callable[[], object], forget: Callable[[], None]) -> int:
    """Python allocations of one cold render (untimed: tracemalloc slows everything down)."""
    forget()
    gc.collect()
    tracemalloc.start()
    render()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return traced_peak


def profiled_render(render: Callable[[], tuple[float, int]], forget: Callable[[], None]) -> str:
    """The profile report of one cold render."""
    forget()
    profiler = cProfile.Profile()
    profiler.enable()
    profiled_s = render()[0]
    profiler.disable()
    return profile_report(profiler, profiled_s)


def watched_client() -> tuple[Any, Any, Phases]:
    """The production app's test client, signed in as HR; its engine; the phase timers,
    installed and watching that engine's SQL."""
    from app import create_app

    application = create_app("production")
    engine = application.extensions["sqlalchemy_engine"]
    phases = Phases()
    phases.install()
    phases.watch_sql(engine)
    client = application.test_client()
    login(client)
    return client, engine, phases


def worker_render(
    page: str, survey_id: int, cold: int, warm: int, baseline: int, profile: str, budget: float
) -> dict[str, Any]:
    from app.reports import queries, registry

    def forget() -> None:
        """A new process's caches: no decoded snapshot, no page values."""
        queries._snapshots.clear()
        registry._page_values.clear()

    rss_start = current_rss_mb()
    client, engine, phases = watched_client()
    path = PAGES[page].format(id=survey_id)

    baseline_s, rows = baseline_times(engine, survey_id, baseline)

    def render() -> tuple[float, int]:
        phases.reset()
        started = time.perf_counter()
        response = client.get(path, base_url=IN_PROCESS_BASE_URL)
        body = response.get_data()
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise BenchError(f"GET {path} gave {response.status_code}:\n{body[:2000]!r}")
        return seconds, len(body)

    rss_before = current_rss_mb()
    forget()
    first_s, size = render()
    first_phases = phases.snapshot()
    first_sql = phases.slowest_sql()
    (snapshot,) = queries._snapshots.values()
    cells = len(snapshot.publication().cells)
    cold_s, cold_phases = cold_renders(render, forget, phases, cold)
    warm_s = [render()[0] for _ in range(warm)]
    peak_rss = maxrss_mb()

    traced_peak = traced_peak_bytes(render, forget)
    profile_text = None
    if profile == "always" or (profile == "auto" and first_s >= budget):
        profile_text = profiled_render(render, forget)

    return {
        "page": page,
        "path": path,
        "bytes": size,
        "baseline_s": baseline_s,
        "baseline_rows": rows,
        "first_s": first_s,
        "first_phases": first_phases,
        "first_slowest_sql": first_sql,
        "publication_cells": cells,
        "cold_s": cold_s,
        "cold_phases": cold_phases,
        "warm_s": warm_s,
        "rss_start_mb": rss_start,
        "rss_before_render_mb": rss_before,
        "maxrss_mb": peak_rss,
        "tracemalloc_peak_mb": traced_peak / 2**20,
        "profile": profile_text,
    }


# Where a cold render spends its time, by cumulative time of functions that do not nest in
# each other within a group (file suffix, function name).
PROFILE_GROUPS: dict[str, tuple[tuple[str, str], ...]] = {
    "SQL aggregates (publication_for: response_counts + score_sums x2)": (
        ("reports/queries.py", "response_counts"),
        ("reports/queries.py", "score_sums"),
    ),
    "disclosure control (privacy.suppress)": (("reports/privacy/suppression.py", "suppress"),),
    "  of which report_cells": (("reports/privacy/teams.py", "report_cells"),),
    "statistics: Summary (exact Fraction SS)": (("reports/stats/summaries.py", "__post_init__"),),
    "statistics: mean_ci": (("reports/stats/summaries.py", "mean_ci"),),
    "statistics: wilson_interval": (("reports/stats/summaries.py", "wilson_interval"),),
    "statistics: team_vs_rest (Welch t, Hedges g)": (
        ("reports/stats/comparisons.py", "team_vs_rest"),
    ),
    "statistics: benjamini_hochberg": (("reports/stats/comparisons.py", "benjamini_hochberg"),),
    "  scipy distribution calls (ppf/sf)": (
        ("_distn_infrastructure.py", "ppf"),
        ("_distn_infrastructure.py", "sf"),
    ),
    "figures (app.reports.figures, Plotly objects)": (
        ("reports/figures/teams.py", "quadrant_map"),
        ("reports/figures/teams.py", "family_bars"),
        ("reports/figures/heatmap.py", "difference_heatmap"),
    ),
    "chart JSON (ChartSpec.payload: to_json + loads)": (("reports/figures/chart.py", "payload"),),
    "template rendering (render_template, JSON included)": (
        ("flask/templating.py", "render_template"),
    ),
    "Publication.__init__ (disclosure of every statistic)": (
        ("reports/publication.py", "__init__"),
    ),
    "Publication.view (statistics of every cell read)": (("reports/publication.py", "view"),),
    "compare_teams (heatmap)": (("reports/publication.py", "compare_teams"),),
}


def profile_report(profiler: cProfile.Profile, seconds: float, limit: int = 25) -> str:
    stats = pstats.Stats(profiler)
    entries: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    lines = [f"cProfile of one cold render: {seconds:.2f} s under the profiler"]
    for label, targets in PROFILE_GROUPS.items():
        total, calls = 0.0, 0
        for (filename, _line, function), (_cc, nc, _tt, ct, _callers) in entries.items():
            if any(filename.endswith(f) and function == fn for f, fn in targets):
                total += ct
                calls += nc
        if calls:
            lines.append(f"  {label:<58} {total:7.3f} s  {calls:>7} call(s)")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(limit)
    lines.append(f"  top {limit} by own time:")
    lines += ["    " + line for line in _pstats_body(out.getvalue())]
    return "\n".join(lines)


def _pstats_body(text: str) -> list[str]:
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    root = str(ROOT) + "/"
    return [line.replace(root, "") for line in lines[start:] if line.strip()]


def worker_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_reports.py _worker")
    parser.add_argument("kind", choices=("seed", "render"))
    parser.add_argument("--out", required=True)
    parser.add_argument("--people", type=int)
    parser.add_argument("--page", choices=tuple(PAGES))
    parser.add_argument("--survey-id", type=int)
    parser.add_argument("--cold", type=int, default=3)
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--baseline", type=int, default=3)
    parser.add_argument("--profile", choices=("auto", "always", "never"), default="auto")
    parser.add_argument("--budget", type=float, default=float("inf"))
    args = parser.parse_args(argv)
    if args.kind == "seed":
        result = worker_seed(args.people)
    else:
        result = worker_render(
            args.page,
            args.survey_id,
            args.cold,
            args.warm,
            args.baseline,
            args.profile,
            args.budget,
        )
    Path(args.out).write_text(json.dumps(result))
    return 0


# --- per engine -----------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _ratio(seconds: float, base: float) -> str:
    ratio = seconds / base
    digits = 0 if ratio >= 10 else 1 if ratio >= 0.1 else 3
    return f"{ratio:.{digits}f}x bare"


def _breakdown(phases: dict[str, list[float]]) -> str:
    def s(name: str) -> str:
        return f"{phases.get(name, [0.0, 0])[0]:.2f}"

    def n(name: str) -> int:
        return int(phases.get(name, [0.0, 0])[1])

    return (
        f"publication {s('publication')} s (SQL aggregates {s('aggregates')}, suppress "
        f"{s('suppress')}: {n('suppress')} calls, {n('suppress_rounds')} rounds), figures "
        f"{s('figures')}, template {s('template')} (JSON {s('chart_json')}); all SQL "
        f"{s('sql')} s in cursor.execute, {n('sql')} queries"
    )


def bench_engine(engine_name: str, settings: Settings, workdir: Path) -> EngineResult:
    result = EngineResult(engine_name)
    rows = result.rows
    started = time.perf_counter()
    budget = RENDER_BUDGET_S[engine_name]
    small, large = settings.sizes
    cold_by: dict[tuple[str, int], float] = {}
    responses_by: dict[int, int] = {}
    for size in settings.sizes:
        is_large = size == large
        tag = f"{size // 1000}k" if size % 1000 == 0 else str(size)
        people = people_for(size)
        with fresh_database(engine_name, workdir, settings.pg_admin_url, tag) as url:
            log(f"== {engine_name} @ {size:,}: migrating, seeding {people:,} people, {TEAMS} teams")
            migrate(url)
            seeded = run_worker("seed", url, workdir / f"seed_{tag}.json", "--people", str(people))
            n = seeded["responses"]
            responses_by[size] = n
            log(
                f"   seeded {n:,} responses ({seeded['answers']:,} answers) in "
                f"{seeded['wall_s']:.1f} s (service {seeded['service_s']:.1f} s)"
            )
            if engine_name == "postgres" and settings.analyze:
                log(f"   ANALYZE in {analyze(url):.1f} s (steady state; --no-analyze skips it)")
            rows.append(
                Row(
                    engine_name,
                    f"seed-demo {n:,} responses ({people:,} people), wall",
                    f"{seeded['wall_s']:.1f} s (service {seeded['service_s']:.1f} s)",
                    f"< {SEED_BUDGET_S:g} s" if is_large else "",
                    seeded["wall_s"] < SEED_BUDGET_S if is_large else None,
                )
            )
            renders: dict[str, dict[str, Any]] = {}
            for page in PAGES:
                log(f"   rendering {page} in a fresh process")
                renders[page] = run_worker(
                    "render",
                    url,
                    workdir / f"render_{tag}_{page}.json",
                    "--page",
                    page,
                    "--survey-id",
                    str(seeded["survey_id"]),
                    "--cold",
                    str(settings.cold_repeats),
                    "--warm",
                    str(settings.warm_repeats),
                    "--baseline",
                    str(settings.baseline_repeats),
                    "--profile",
                    settings.profile if is_large or settings.profile == "always" else "never",
                    "--budget",
                    str(budget),
                )
                r = renders[page]
                log(
                    f"     first {_ms(r['first_s'])}, cold {', '.join(_ms(s) for s in r['cold_s'])}"
                    f", warm {_ms(statistics.median(r['warm_s']))}; bare GROUP BY "
                    f"{', '.join(_ms(s) for s in r['baseline_s'])}; "
                    f"{r['publication_cells']} publication cells"
                )
                for statement, seconds in r["first_slowest_sql"]:
                    log(f"       SQL {_ms(seconds):>7}  {statement}")
        # The baseline of both render processes, pooled: one figure per size.
        pooled = [s for r in renders.values() for s in r["baseline_s"]]
        base = statistics.median(pooled)
        rows.append(
            Row(
                engine_name,
                f"bare GROUP BY over answers @ {n:,} (median of {len(pooled)})",
                f"{_ms(base)} ({renders['overview']['baseline_rows']:,} rows)",
            )
        )
        result.figures[f"seed_{size}"] = seeded
        result.figures[f"baseline_{size}_s"] = base
        for page, r in renders.items():
            first, warm = r["first_s"], statistics.median(r["warm_s"])
            cold = statistics.median(r["cold_s"]) if r["cold_s"] else first
            cold_by[(page, size)] = cold
            result.figures[f"{page}_{size}"] = r
            rows.append(
                Row(
                    engine_name,
                    f"{page} @ {n:,}: first render (cold, fresh process)",
                    f"{_ms(first)} = {_ratio(first, base)}",
                    f"< {budget:g} s" if is_large else "",
                    first < budget if is_large else None,
                )
            )
            rows.append(
                Row(
                    engine_name,
                    f"{page} @ {n:,}: cold render, median of {len(r['cold_s'])}",
                    f"{_ms(cold)} = {_ratio(cold, base)}",
                )
            )
            rows.append(
                Row(
                    engine_name,
                    f"{page} @ {n:,}: warm render, median of {len(r['warm_s'])}",
                    f"{_ms(warm)} = {_ratio(warm, base)}",
                )
            )
            rows.append(
                Row(
                    engine_name,
                    f"{page} @ {n:,}: peak RSS of the render process",
                    f"{r['maxrss_mb']:.0f} MB (before rendering {r['rss_before_render_mb']:.0f};"
                    f" tracemalloc peak {r['tracemalloc_peak_mb']:.0f})",
                    f"< {MEMORY_BUDGET_MB:g} MB" if is_large else "",
                    r["maxrss_mb"] < MEMORY_BUDGET_MB if is_large else None,
                )
            )
            rows.append(
                Row(
                    engine_name,
                    f"{page} @ {n:,}: first render, where",
                    f"{_breakdown(r['first_phases'])}; page {r['bytes'] / 1e6:.2f} MB",
                )
            )
            if r["profile"]:
                result.profiles.append(f"{engine_name} {page} @ {n:,}:\n{r['profile']}")
    allowed = GROWTH_TOLERANCE * responses_by[large] / responses_by[small]
    for page in PAGES:
        growth = cold_by[(page, large)] / cold_by[(page, small)]
        result.figures[f"{page}_growth"] = growth
        rows.append(
            Row(
                engine_name,
                f"{page}: cold render {responses_by[large]:,} / {responses_by[small]:,}",
                f"{growth:.2f}",
                f"<= {allowed:.1f}",
                growth <= allowed,
            )
        )
    result.seconds = time.perf_counter() - started
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_worker"]:
        return worker_main(argv[1:])
    settings = parse_args(argv)
    note = "--quick: the issue's budgets at smaller sizes; a smoke check, not the figures"
    return main_per_engine(
        "bench_reports", settings, bench_engine, note=note if settings.quick else ""
    )


if __name__ == "__main__":
    sys.exit(main())
