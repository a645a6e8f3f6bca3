# ruff: noqa: E402  (the repository root goes on sys.path before the app is imported)
"""Soak: worker memory under sustained load stays flat once warmed up.

    .venv/bin/python bench/bench_soak.py [--minutes 10] [--engine postgres|sqlite]
                                         [--rate 80] [--tracemalloc]

On a fresh database (migrated, then seeded with the real services: a small demo organisation
from seed-demo's service, two waves with their final releases, and one open survey of the
bundled instrument with an invitation per planned submission), the production app runs
under `gunicorn -w 2` and `flask worker` runs beside it (sending the outbox, mixing the
sealed ballots into responses), as in production. For --minutes (default 10, or
$BENCH_SOAK_MINUTES):

- submitters complete the open survey at a steady --rate (GET /s/<token>, CSRF token, POST
  52 answers and 2 comments, expect 302), each token once;
- a staff reader signed in as the demo HR user reads the latest wave's report pages
  (every tab, the whole organisation, two teams, one level), its response rates and the
  reports list, in turn, --read-rate pages a second.

Every 10 s the resident set (VmRSS) of each gunicorn worker and of the `flask worker`
process is sampled. The first --warmup minutes (default: 2, or a fifth of a shorter run)
are warm-up: caches filling, pools opening, arenas growing. After it, for each process:

- slope: the least-squares slope of its samples, at most SLOPE_BUDGET MiB per minute;
- step: its last sample at most STEP_BUDGET MiB above the median of its samples.

Either one over budget fails the run; so do load errors, a worker replaced during the run
(its memory would start again) and stored rows that differ from acknowledged submissions.
With --tracemalloc the workers trace their allocations (bench/soak_tracemalloc.py, slower)
and the allocation sites that grew most between the end of the warm-up and the end of the
run are printed.

Prints the samples and the figures; writes bench/out/bench_soak.json; exits 1 when a budget
is missed, 2 when it cannot run. Everything it creates (gunicorn's process group, the
worker, the PostgreSQL database mutuality_bench_soak_*, temporary files) is removed at the
end, on failure and interruption too. See bench/README.md ("Soak").
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import os
import re
import signal
import statistics
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select

from app.db import Session
from app.demo.services import DEMO_HR, seed_demo
from app.org.models import Team
from app.surveys.models import Level
from bench.bench_submission import (
    OutOfTokensError,
    RealCycle,
    Seeded,
    answers_body,
    seed,
    stored_counts,
)
from bench.faults import workers_of
from bench.harness import (
    CSRF_RE,
    DEFAULT_PG_ADMIN_URL,
    BenchError,
    EngineResult,
    Row,
    fresh_database,
    gunicorn_process,
    last_exception,
    listening,
    log,
    main_per_engine,
    migrate,
    print_columns,
    production_app,
    production_env,
    stop_process_group,
    tail,
)

SAMPLE_SECONDS = 10.0
# Justified in bench/README.md ("Soak"): after the warm-up the gunicorn workers measured
# +0.06 MiB/min, the flask worker +0.42 MiB/min with one 4.1 MiB step (the high-water mark
# of a larger mix batch, not growth with time); the reported growth, 0.7 MiB per 10 s, is
# 4.2 MiB/min and would add about 34 MiB over the 8 judged minutes.
SLOPE_BUDGET = 0.5  # MiB per minute, least-squares over the samples after the warm-up
STEP_BUDGET = 8.0  # MiB, last sample above the median of the samples after the warm-up
MIXED_RE = re.compile(rb"ballots (\d+) opened")
DEMO_TEAMS, DEMO_PEOPLE, DEMO_WAVES, DEMO_SEED = 12, 1500, 2, 7
REPORT_TABS = ("", "heatmap", "items", "standpoint", "trends", "reliability", "comments")
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MIB = 2**20


# --- settings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    engines: tuple[str, ...]
    minutes: float  # load duration
    warmup_minutes: float  # samples before this are not judged
    rate: float  # submissions per second (GET + POST), all submitters together
    submitters: int  # client threads submitting
    read_rate: float  # staff report reads per second
    participants: int  # invitations seeded for the open survey
    tracemalloc: bool
    pg_admin_url: str


def parse_args(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_minutes = float(os.environ.get("BENCH_SOAK_MINUTES", "10"))
    parser.add_argument("--engine", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument(
        "--minutes",
        type=float,
        default=default_minutes,
        help="load duration (default 10, or $BENCH_SOAK_MINUTES)",
    )
    parser.add_argument("--warmup", type=float, help="minutes not judged (default 2)")
    parser.add_argument("--rate", type=float, default=80.0, help="submissions/s (default 80)")
    parser.add_argument("--submitters", type=int, default=6, help="client threads (default 6)")
    parser.add_argument("--read-rate", type=float, default=3.0, help="report reads/s")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="trace the workers' allocations (slower)"
    )
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.rate <= 0:
        parser.error("--minutes and --rate must be positive")
    warmup = args.warmup if args.warmup is not None else min(2.0, args.minutes / 5)
    if not 0 <= warmup < args.minutes:
        parser.error("--warmup must be shorter than --minutes")
    return Settings(
        engines=(args.engine,),
        minutes=args.minutes,
        warmup_minutes=warmup,
        rate=args.rate,
        submitters=max(1, args.submitters),
        read_rate=args.read_rate,
        participants=int(args.rate * args.minutes * 60 * 1.05) + 200,
        tracemalloc=args.tracemalloc,
        pg_admin_url=os.environ.get("BENCH_PG_URL", DEFAULT_PG_ADMIN_URL),
    )


# --- seeding --------------------------------------------------------------------------------


@dataclass
class SoakData:
    seeded: Seeded  # the open survey the submitters complete
    read_paths: list[str]  # what the staff reader reads, in turn


def seed_soak(url: str, participants: int) -> SoakData:
    """The demo organisation with its releases, then the open survey; committed."""
    application = production_app(url)
    try:
        with application.app_context():
            summary = seed_demo(
                teams=DEMO_TEAMS, people=DEMO_PEOPLE, waves=DEMO_WAVES, seed=DEMO_SEED
            )
            Session.commit()
            latest = max(summary.surveys, key=lambda s: s.closes_on).id
            teams = Session.scalars(select(Team.id).where(Team.parent_id.is_not(None))).all()
            level = Session.scalars(select(Level.id).where(Level.survey_id == latest)).first()
            Session.remove()
            seeded = seed(participants)
    finally:
        application.extensions["sqlalchemy_engine"].dispose()
    filters = ["", *(f"?team={team}" for team in teams[:2]), f"?level={level}"]
    paths = [f"/reports/surveys/{latest}/{tab}{query}" for tab in REPORT_TABS for query in filters]
    paths += [f"/reports/surveys/{latest}/response-rates", "/reports/"]
    return SoakData(seeded=seeded, read_paths=paths)


# --- load -----------------------------------------------------------------------------------


@dataclass
class Counts:
    """What the load threads did so far (each thread adds to its own, read by the sampler)."""

    submitted: int = 0
    reads: int = 0
    errors: int = 0
    first_error: str | None = None
    tokens_ran_out: bool = False

    def failed(self, exc: BaseException) -> None:
        self.errors += 1
        self.first_error = self.first_error or f"{exc.__class__.__name__}: {exc}"[:300]


def paced(rate: float, stop: threading.Event) -> Iterator[None]:
    """Yield `rate` times a second until `stop`; a thread that falls behind by more than a
    second forgets the backlog instead of bursting."""
    interval = 1.0 / rate
    due = time.monotonic()
    while not stop.is_set():
        now = time.monotonic()
        if due > now:
            stop.wait(due - now)
            if stop.is_set():
                return
        elif now - due > 1.0:
            due = now
        yield
        due += interval


def submit_loop(cycle: RealCycle, rate: float, counts: Counts, stop: threading.Event) -> None:
    try:
        for _ in paced(rate, stop):
            try:
                cycle()
            except OutOfTokensError:
                counts.tokens_ran_out = True
                return
            except Exception as exc:
                counts.failed(exc)
                continue
            counts.submitted += 1
    finally:
        cycle.close()


class StaffReader:
    """A browser of one staff user: the session cookie kept, one request per connection
    (gunicorn's sync workers close each)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie: str | None = None

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body is not None:
            headers["Content-Type"] = FORM_CONTENT_TYPE
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            if value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, data

    def sign_in(self, email: str, password: str) -> None:
        status, page = self.request("GET", "/login")
        match = CSRF_RE.search(page)
        if status != 200 or match is None:
            raise BenchError(f"GET /login gave {status} without a CSRF token")
        form = {"email": email, "password": password, "csrf_token": match.group(1).decode()}
        status, _ = self.request("POST", "/login", urlencode(form).encode())
        if status != 302:
            raise BenchError(f"signing in as {email} gave {status}, not 302")

    def read(self, path: str) -> None:
        status, body = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} gave {status}: {body[:200]!r}")


def read_loop(
    reader: StaffReader, paths: Sequence[str], rate: float, counts: Counts, stop: threading.Event
) -> None:
    for path, _ in zip(itertools.cycle(paths), paced(rate, stop), strict=False):
        try:
            reader.read(path)
        except Exception as exc:
            counts.failed(exc)
            continue
        counts.reads += 1


@dataclass
class Load:
    """The load threads and their counts."""

    stop: threading.Event = field(default_factory=threading.Event)
    submitting: list[Counts] = field(default_factory=list)
    reading: Counts = field(default_factory=Counts)
    threads: list[threading.Thread] = field(default_factory=list)
    server_error: str | None = None  # the app's exception behind failed requests, from its log

    def start(self, settings: Settings, data: SoakData, port: int) -> None:
        """Sign the reader in (before the submitters load the workers), then start every
        thread."""
        if settings.read_rate > 0:
            reader = StaffReader(port)
            reader.sign_in(*DEMO_HR)
            self._thread(
                read_loop, reader, data.read_paths, settings.read_rate, self.reading, self.stop
            )
        body = answers_body(data.seeded)
        n = settings.submitters
        for share in range(n):
            counts = Counts()
            self.submitting.append(counts)
            cycle = RealCycle(port, body, iter(data.seeded.tokens[share::n]))
            self._thread(submit_loop, cycle, settings.rate / n, counts, self.stop)

    def _thread(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self.threads.append(thread)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=90)

    @property
    def submitted(self) -> int:
        return sum(c.submitted for c in self.submitting)

    @property
    def errors(self) -> int:
        return self.reading.errors + sum(c.errors for c in self.submitting)

    def first_error(self) -> str | None:
        return self.server_error or next(
            (c.first_error for c in (*self.submitting, self.reading) if c.first_error), None
        )


# --- the processes and their memory ---------------------------------------------------------


def rss_mib(pid: int) -> float | None:
    """VmRSS of `pid` in MiB, None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


@contextlib.contextmanager
def flask_worker(
    env: dict[str, str], log_path: Path, *, traced: bool = False
) -> Iterator[subprocess.Popen[bytes]]:
    """`flask --app app worker --interval 2` in its own process group (traced: through
    bench/soak_tracemalloc.py), stopped on exit."""
    args = ["worker", "--interval", "2"]
    if traced:
        cmd = [sys.executable, str(ROOT / "bench" / "soak_tracemalloc.py"), *args]
    else:
        cmd = [str(Path(sys.executable).parent / "flask"), "--app", "app", *args]
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            # Unbuffered: the sampler reads each round's line as it is written.
            env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **env},
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        time.sleep(1.0)
        if proc.poll() is not None:
            raise BenchError(f"flask worker exited with {proc.returncode}:\n{tail(log_path)}")
        yield proc
    finally:
        stop_process_group(proc)


@dataclass
class Sample:
    seconds: float
    submitted: int
    reads: int
    errors: int
    largest_mix: int  # the most ballots the flask worker opened in one round so far
    rss_mib: dict[str, float]  # process label -> MiB


@dataclass
class Watched:
    """The processes sampled: gunicorn's two workers (by pid, in the order they started) and
    the flask worker. A worker that is replaced is noted, not followed."""

    master: int
    flask_worker: int
    flask_log: Path
    workers: list[int] = field(default_factory=list)
    replaced: list[int] = field(default_factory=list)

    def labels(self) -> dict[str, int]:
        found = {f"gunicorn worker {i + 1}": pid for i, pid in enumerate(self.workers)}
        return found | {"flask worker": self.flask_worker}

    def sample(self, seconds: float, load: Load) -> Sample:
        live = workers_of(self.master)
        self.replaced += [
            pid for pid in self.workers if pid not in live and pid not in self.replaced
        ]
        sizes = {label: rss_mib(pid) for label, pid in self.labels().items()}
        return Sample(
            seconds=seconds,
            submitted=load.submitted,
            reads=load.reading.reads,
            errors=load.errors,
            largest_mix=max(map(int, MIXED_RE.findall(self.flask_log.read_bytes())), default=0),
            rss_mib={label: size for label, size in sizes.items() if size is not None},
        )


# --- the run --------------------------------------------------------------------------------


def soak(
    settings: Settings, data: SoakData, url: str, workdir: Path
) -> tuple[list[Sample], Load, Watched, list[str]]:
    """Start gunicorn and the flask worker, run the load for --minutes while sampling;
    (samples, load, processes, tracemalloc reports)."""
    env = production_env(url)
    options: list[str] = ["--graceful-timeout", "5"]
    trace_dir = workdir / "tracemalloc"
    flask_log = workdir / "flask-worker.log"
    if settings.tracemalloc:
        trace_dir.mkdir()
        env["BENCH_SOAK_TRACE_DIR"] = str(trace_dir)
        options += ["-c", str(ROOT / "bench" / "soak_tracemalloc.py")]
    with (
        gunicorn_process(
            "app:create_app()",
            env,
            workdir / "gunicorn.log",
            options=options,
            ready=lambda proc, port: len(workers_of(proc.pid)) >= 2 and listening(port),
        ) as (master, port),
        flask_worker(env, flask_log, traced=settings.tracemalloc) as worker,
    ):
        watched = Watched(master.pid, worker.pid, flask_log, workers_of(master.pid))
        load = Load()
        load.start(settings, data, port)
        try:
            samples = sample_until(settings, load, watched, trace_dir)
        finally:
            load.finish()
        reports = compare_traces(trace_dir, watched) if settings.tracemalloc else []
    return samples, load, watched, reports


def sample_until(settings: Settings, load: Load, watched: Watched, trace_dir: Path) -> list[Sample]:
    """Sample every SAMPLE_SECONDS (the first at 0) until --minutes; print each sample.
    With --tracemalloc, snapshot the workers at the end of the warm-up and at the end."""
    started = time.monotonic()
    end = settings.minutes * 60
    samples: list[Sample] = []
    traced_warmup = False
    for tick in itertools.count():
        at = tick * SAMPLE_SECONDS
        if at > end + 1e-9:
            break
        time.sleep(max(0.0, started + at - time.monotonic()))
        if settings.tracemalloc and not traced_warmup and at >= settings.warmup_minutes * 60:
            snapshot_workers(watched, trace_dir, 1)
            traced_warmup = True
        sample = watched.sample(time.monotonic() - started, load)
        samples.append(sample)
        sizes = "  ".join(f"{mib:6.1f}" for mib in sample.rss_mib.values())
        log(
            f"   {sample.seconds:5.0f} s  {sample.submitted:7d} submitted  {sample.reads:5d} read"
            f"  {sample.errors} errors  largest mix {sample.largest_mix}  RSS MiB: {sizes}"
        )
    if settings.tracemalloc:
        snapshot_workers(watched, trace_dir, 2)
    return samples


def snapshot_workers(watched: Watched, trace_dir: Path, number: int) -> None:
    """SIGUSR2 to each process, then wait (at most 120 s) for its snapshot file `number`."""
    pids = list(watched.labels().values())
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGUSR2)
    deadline = time.monotonic() + 120
    for pid in pids:
        path = trace_dir / f"proc-{pid}-{number}.tracemalloc"
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.2)


def compare_traces(trace_dir: Path, watched: Watched, top: int = 12) -> list[str]:
    """Per process, the allocation sites that grew most from the end of the warm-up to the
    end: grouped by the innermost frame in this repository (what of ours allocated, or
    called the library that did), with the innermost frame of all."""
    reports = []
    for label, pid in watched.labels().items():
        first, last = (trace_dir / f"proc-{pid}-{n}.tracemalloc" for n in (1, 2))
        if not (first.exists() and last.exists()):
            reports.append(f"{label}: no tracemalloc snapshots")
            continue
        before = sizes_by_site(tracemalloc.Snapshot.load(str(first)))
        after = sizes_by_site(tracemalloc.Snapshot.load(str(last)))
        growth = {
            site: (after.get(site, (0, 0))[0] - size, after.get(site, (0, 0))[1] - blocks)
            for site, (size, blocks) in before.items()
        } | {site: value for site, value in after.items() if site not in before}
        total = sum(size for size, _ in growth.values()) / MIB
        lines = [f"{label}: traced memory grew {total:+.2f} MiB; top sites:"]
        for (ours, innermost), (size, blocks) in sorted(growth.items(), key=lambda g: -g[1][0])[
            :top
        ]:
            lines.append(f"  {size / 1024:+9.1f} KiB {blocks:+7d} blocks  {ours}  ({innermost})")
        reports.append("\n".join(lines))
    return reports


def sizes_by_site(snapshot: tracemalloc.Snapshot) -> dict[tuple[str, str], tuple[int, int]]:
    """(bytes, blocks) by (innermost frame of this repository, innermost frame)."""
    found: dict[tuple[str, str], tuple[int, int]] = {}
    root = str(ROOT)
    for trace in snapshot.traces:
        frames = list(trace.traceback)  # oldest first
        innermost = frames[-1]
        ours = next(
            (
                f
                for f in reversed(frames)
                if f.filename.startswith(root) and "/.venv/" not in f.filename
            ),
            None,
        )
        key = (
            f"{Path(ours.filename).relative_to(root)}:{ours.lineno}" if ours else "-",
            f"{Path(innermost.filename).name}:{innermost.lineno}",
        )
        size, blocks = found.get(key, (0, 0))
        found[key] = (size + trace.size, blocks + 1)
    return found


# --- the verdict ----------------------------------------------------------------------------


def slope_per_minute(points: Sequence[tuple[float, float]]) -> float:
    """The least-squares slope of (seconds, MiB) points, in MiB per minute."""
    if len(points) < 2:
        return 0.0
    return statistics.linear_regression([s for s, _ in points], [m for _, m in points]).slope * 60


@dataclass
class Growth:
    process: str
    warm_mib: float  # the first sample after the warm-up
    last_mib: float
    median_mib: float  # of the samples after the warm-up
    slope: float  # MiB per minute after the warm-up

    @property
    def step(self) -> float:
        return self.last_mib - self.median_mib

    @property
    def ok(self) -> bool:
        return self.slope <= SLOPE_BUDGET and self.step <= STEP_BUDGET


def growth_after_warmup(samples: Sequence[Sample], warmup_seconds: float) -> list[Growth]:
    judged = [s for s in samples if s.seconds >= warmup_seconds - 1]
    found = []
    for process in samples[0].rss_mib:
        points = [(s.seconds, s.rss_mib[process]) for s in judged if process in s.rss_mib]
        if not points:
            continue
        found.append(
            Growth(
                process=process,
                warm_mib=points[0][1],
                last_mib=points[-1][1],
                median_mib=statistics.median(m for _, m in points),
                slope=slope_per_minute(points),
            )
        )
    return found


def add_rows(
    result: EngineResult,
    settings: Settings,
    samples: list[Sample],
    load: Load,
    watched: Watched,
    stored: tuple[int, int],
) -> None:
    engine, rows = result.engine, result.rows
    seconds = samples[-1].seconds if samples else 0.0
    rows.append(
        Row(
            engine,
            "load",
            f"{load.submitted} submissions ({load.submitted / max(seconds, 1):.1f}/s), "
            f"{load.reading.reads} report reads in {seconds:.0f} s",
        )
    )
    for growth in growth_after_warmup(samples, settings.warmup_minutes * 60):
        start = samples[0].rss_mib.get(growth.process, 0.0)
        rows.append(
            Row(
                engine,
                f"{growth.process} RSS (MiB): start / warm / last",
                f"{start:.1f} / {growth.warm_mib:.1f} / {growth.last_mib:.1f}",
            )
        )
        rows.append(
            Row(
                engine,
                "  after warm-up: slope; last - median",
                f"{growth.slope:+.2f} MiB/min; {growth.step:+.1f} MiB",
                f"<= {SLOPE_BUDGET:g} MiB/min; <= {STEP_BUDGET:g} MiB",
                growth.ok,
            )
        )
    problems = load_problems(load, watched)
    rows.append(Row(engine, "load errors", "; ".join(problems) or "0", "0", not problems))
    submissions, responded = stored
    expected = load.submitted
    rows.append(
        Row(
            engine,
            "stored (responses + ballots) = responded = acknowledged",
            f"{submissions} = {responded} = {expected}",
            "equal",
            (submissions == responded == expected) or bool(problems),
        )
    )


def load_problems(load: Load, watched: Watched) -> list[str]:
    problems = []
    if load.errors:
        problems.append(f"{load.errors} failed request(s): {(load.first_error() or '')[:120]}")
    if any(c.tokens_ran_out for c in load.submitting):
        problems.append("tokens ran out")
    if watched.replaced:
        problems.append(f"{len(watched.replaced)} gunicorn worker(s) replaced during the run")
    return problems


def samples_table(samples: Sequence[Sample]) -> None:
    if not samples:
        return
    processes = list(samples[0].rss_mib)
    print_columns(
        ("s", "submitted", "reads", "errors", "largest mix", *(f"{p} MiB" for p in processes)),
        [
            (
                f"{s.seconds:.0f}",
                str(s.submitted),
                str(s.reads),
                str(s.errors),
                str(s.largest_mix),
                *(f"{s.rss_mib[p]:.1f}" if p in s.rss_mib else "-" for p in processes),
            )
            for s in samples
        ],
    )


# --- per engine -----------------------------------------------------------------------------


def bench_engine(engine_name: str, settings: Settings, workdir: Path) -> EngineResult:
    result = EngineResult(engine_name)
    started = time.perf_counter()
    with fresh_database(engine_name, workdir, settings.pg_admin_url, tag="soak") as url:
        log(f"== {engine_name}: migrating; seeding the demo and {settings.participants} links")
        migrate(url)
        data = seed_soak(url, settings.participants)
        before = stored_counts(url)  # the demo's
        log(
            f"   seeded in {time.perf_counter() - started:.0f} s; {settings.minutes:g} min at "
            f"{settings.rate:g} submissions/s and {settings.read_rate:g} reads/s"
            f" (warm-up {settings.warmup_minutes:g} min); RSS every {SAMPLE_SECONDS:g} s of:"
            " gunicorn worker 1, 2, flask worker"
        )
        samples, load, watched, reports = soak(settings, data, url, workdir)
        if load.errors:
            log(f"   {load.errors} failed request(s); end of the gunicorn log:")
            log(textwrap.indent(tail(workdir / "gunicorn.log", 25), "     | "))
            load.server_error = last_exception(workdir / "gunicorn.log")
        stored = stored_counts(url)
        stored = (stored[0] - before[0], stored[1] - before[1])
    samples_table(samples)
    result.profiles += reports
    add_rows(result, settings, samples, load, watched, stored)
    growth = growth_after_warmup(samples, settings.warmup_minutes * 60)
    result.figures.update(
        submitted=load.submitted,
        reads=load.reading.reads,
        errors=load.errors,
        workers_replaced=len(watched.replaced),
        samples=[
            {"seconds": round(s.seconds, 1), "submitted": s.submitted, "reads": s.reads}
            | {"largest_mix": s.largest_mix}
            | {"rss_mib": {p: round(m, 2) for p, m in s.rss_mib.items()}}
            for s in samples
        ],
        growth={
            g.process: {
                "slope_mib_per_min": round(g.slope, 3),
                "last_minus_median_mib": round(g.step, 2),
                "ok": g.ok,
            }
            for g in growth
        },
        tracemalloc=reports,
    )
    result.seconds = time.perf_counter() - started
    return result


def main(argv: list[str] | None = None) -> int:
    return main_per_engine(
        "bench_soak",
        parse_args(argv),
        bench_engine,
        note=f"Budgets after the warm-up: slope <= {SLOPE_BUDGET:g} MiB/min, "
        f"last sample <= median + {STEP_BUDGET:g} MiB (per process).",
    )


if __name__ == "__main__":
    sys.exit(main())
