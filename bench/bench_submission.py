# ruff: noqa: E402  (the repository root goes on sys.path before the app is imported)
"""Benchmark: a complete submission of the bundled instrument (52 items, 2 comments).

    .venv/bin/python bench/bench_submission.py [--engine sqlite|postgres|both] [--quick]

Per engine, on a fresh database migrated with `alembic upgrade head` and seeded with the real
services (sync_instruments, create_survey, import_participants, open_survey, issue_links):

1. Server time: the app (production configuration) handles a few hundred GET-then-POST
   submissions in-process through the Flask test client; the time spent inside
   `app.wsgi_app` for each POST /s/<token> (parse, validate, score, insert, commit,
   redirect; body iterated) is recorded. Budget: median < 20 ms.
2. Throughput: the app under `gunicorn -w 2` on 127.0.0.1 is driven through the full cycle
   (GET the page, take the CSRF token (and a session cookie, if any), POST the answers, expect 302)
   by a cheap threaded keep-alive-capable HTTP client for a fixed time; then, in the same run
   and with the same client, the same concurrency and the same gunicorn settings, a bare
   Flask route that inserts the same rows (bench/bare_app.py). Phases alternate in rounds so
   that drift on a noisy machine hits both. Budget: real cycles/s >= 0.5 x bare POSTs/s.

Prints a table of figures, budgets and PASS/FAIL; exits 1 when a budget is missed or the
run had errors, 2 when it could not run (e.g. PostgreSQL unreachable). Everything it creates
(gunicorn process groups, the PostgreSQL database mutuality_bench_*, temporary files) is
removed at the end, on failure too. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import socket
import statistics
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote_from_bytes, urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Flask
from sqlalchemy import Engine, func, select

import app.models  # noqa: F401  (fills Base.metadata)
from app.ballots.models import Ballot
from app.db import Session, make_engine
from app.instruments.services import sync_instruments
from app.surveys.models import Invitation
from app.surveys.services import create_survey, import_participants, issue_links, open_survey
from app.taking.models import Response
from bench.harness import (
    CSRF_RE,
    DEFAULT_PG_ADMIN_URL,
    IN_PROCESS_BASE_URL,
    BenchError,
    EngineResult,
    Row,
    fresh_database,
    gunicorn_process,
    last_exception,
    log,
    main_per_engine,
    migrate,
    production_app,
    production_env,
    tail,
)

BUNDLED_INSTRUMENT = ROOT / "instruments" / "archive" / "relational-climate.v1.json"

SERVER_MEDIAN_BUDGET_MS = 20.0
THROUGHPUT_RATIO_BUDGET = 0.5
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
TEAMS = ("Engineering/Platform", "Engineering/Data", "Sales", "Operations", "People")
LEVELS = ("individual_contributor", "manager", "senior_leader")
COMMENTS = {
    "prompt_change_together": (
        "Last quarter we rebuilt the release process as a group: everyone reviewed the\r\n"
        "checklist and the on-call load was shared fairly for the first time."
    ),
    "prompt_safer_to_speak": (
        "Fewer status meetings where numbers are compared in public, and more one-to-one\r\n"
        "time where disagreement is welcome rather than noted."
    ),
}


# --- settings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    engines: tuple[str, ...]
    submissions: int  # measured in-process POSTs per engine
    warmup_submissions: int  # in-process submissions before measuring
    participants: int  # invitations seeded per engine (one token per submission)
    concurrency: int  # client threads against gunicorn
    duration: float  # measured seconds per server (split over the rounds)
    rounds: int  # alternating real/bare phases
    warmup_seconds: float  # per server, before the rounds
    pg_admin_url: str
    profile: int  # extra in-process submissions run under cProfile (0: none)


def parse_args(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="fewer submissions, shorter phases")
    parser.add_argument("--submissions", type=int, help="measured in-process POSTs per engine")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--duration", type=float, help="measured seconds per server")
    parser.add_argument("--rounds", type=int, help="alternating real/bare phases")
    parser.add_argument("--participants", type=int, help="tokens seeded per engine")
    parser.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=100,
        default=0,
        metavar="N",
        help="also run N (default 100) in-process submissions under cProfile and print where "
        "GET and POST spend their time",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    submissions = args.submissions or (80 if quick else 300)
    warmup = 10 if quick else 20
    duration = args.duration or (4.0 if quick else 18.0)
    rounds = args.rounds or (1 if quick else 3)
    warmup_seconds = 1.0 if quick else 2.0
    # Enough tokens for the in-process part and for the real app's cycles of every round at a
    # generous rate (a submission writes one sealed ballot: about 600 cycles/s on SQLite on
    # this machine; the rounds draw on one pool of tokens).
    participants = args.participants or (
        submissions + warmup + args.profile + int(rounds * (duration + warmup_seconds) * 750)
    )
    engines = ("sqlite", "postgres") if args.engine == "both" else (args.engine,)
    return Settings(
        engines=engines,
        submissions=submissions,
        warmup_submissions=warmup,
        participants=participants,
        concurrency=args.concurrency,
        duration=duration,
        rounds=rounds,
        warmup_seconds=warmup_seconds,
        pg_admin_url=os.environ.get("BENCH_PG_URL", DEFAULT_PG_ADMIN_URL),
        profile=args.profile,
    )


# --- seeding --------------------------------------------------------------------------------


@dataclass
class Seeded:
    tokens: list[str]
    survey_id: int
    team_id: int
    level_id: int
    version_id: int
    item_keys: list[str]
    prompt_keys: list[str]


def seed(participants: int) -> Seeded:
    """The bundled instrument, one open survey, `participants` invitations and their raw
    tokens, through the real services; committed. Needs an app context."""
    (outcome,) = sync_instruments([BUNDLED_INSTRUMENT])
    survey = create_survey(instrument_key="relational-climate", title="Benchmark wave")
    rows = "".join(
        f"p{i:06d}@example.org,{TEAMS[i % len(TEAMS)]},{LEVELS[i % len(LEVELS)]}\n"
        for i in range(participants)
    )
    import_participants(survey.id, "email,team,level\n" + rows)
    tokens = [raw for _email, raw in issue_links(survey.id)]
    open_survey(survey.id)
    first = Session.scalars(select(Invitation).where(Invitation.survey_id == survey.id)).first()
    assert first is not None
    document = outcome.version.document
    seeded = Seeded(
        tokens=tokens,
        survey_id=survey.id,
        team_id=first.team_id,
        level_id=first.level_id,
        version_id=outcome.version.id,
        item_keys=[item["key"] for item in document["items"]],
        prompt_keys=[prompt["key"] for prompt in document["prompts"]],
    )
    Session.commit()
    Session.remove()
    return seeded


def answers_body(seeded: Seeded) -> bytes:
    """The urlencoded answers (every item answered, both comments), without the CSRF token."""
    fields = {"lang": "en"}
    fields.update({f"item_{key}": str(i % 5 + 1) for i, key in enumerate(seeded.item_keys)})
    fields.update({f"prompt_{key}": COMMENTS[f"prompt_{key}"] for key in seeded.prompt_keys})
    return urlencode(fields).encode("ascii")


# --- 1. server time, in-process -------------------------------------------------------------


@dataclass
class ServerTimes:
    post_ms: list[float]
    get_ms: list[float]

    @staticmethod
    def summary(values: list[float]) -> tuple[float, float]:
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return statistics.median(ordered), p95


def measure_server_time(
    application: Flask,
    tokens: list[str],
    body: bytes,
    warmup: int,
    count: int,
    profilers: dict[str, cProfile.Profile] | None = None,
) -> ServerTimes:
    """GET then POST each token through the test client; time spent in app.wsgi_app (the
    response body included) for each request. The first `warmup` submissions are dropped.
    With `profilers` ({"GET": ..., "POST": ...}), each request runs under its method's
    profiler (and its time is then not representative)."""
    inner = application.wsgi_app
    times: dict[str, list[float]] = {"GET": [], "POST": []}

    def timed(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        profiler = (profilers or {}).get(environ["REQUEST_METHOD"])
        if profiler is not None:
            profiler.enable()
        started = time.perf_counter()
        result = inner(environ, start_response)
        try:
            chunks = list(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        times[environ["REQUEST_METHOD"]].append((time.perf_counter() - started) * 1000)
        if profiler is not None:
            profiler.disable()
        return chunks

    application.wsgi_app = timed  # type: ignore[method-assign]
    try:
        for token in tokens[: warmup + count]:
            client = application.test_client()
            page = client.get(f"/s/{token}", base_url=IN_PROCESS_BASE_URL)
            match = CSRF_RE.search(page.get_data())
            if page.status_code != 200 or match is None:
                raise BenchError(f"GET /s/<token> gave {page.status_code} without a CSRF token")
            posted = client.post(
                f"/s/{token}",
                data=body + b"&csrf_token=" + quote_from_bytes(match.group(1)).encode(),
                content_type=FORM_CONTENT_TYPE,
                base_url=IN_PROCESS_BASE_URL,
            )
            if posted.status_code != 302:
                raise BenchError(
                    f"POST /s/<token> gave {posted.status_code}, not 302:\n"
                    + posted.get_data(as_text=True)[:2000]
                )
    finally:
        application.wsgi_app = inner  # type: ignore[method-assign]
    return ServerTimes(post_ms=times["POST"][warmup:], get_ms=times["GET"][warmup:])


# --- 2. throughput under gunicorn -----------------------------------------------------------


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict[str, str], log_path: Path) -> Iterator[int]:
    """`gunicorn_process` with the default settings; the port."""
    with gunicorn_process(app_spec, env, log_path) as (_proc, port):
        yield port


class HttpConnection:
    """A minimal HTTP/1.1 client on a blocking socket: pre-built request bytes in, status,
    session cookie and body out. Keeps the connection when the server does (gunicorn's sync
    workers answer `Connection: close`, so it reconnects for every request there)."""

    def __init__(self, port: int) -> None:
        self.address = ("127.0.0.1", port)
        self.sock: socket.socket | None = None

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def request(self, raw: bytes) -> tuple[int, bytes | None, bytes]:
        if self.sock is None:
            self.sock = socket.create_connection(self.address, timeout=60)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock = self.sock
        try:
            sock.sendall(raw)
            buf = bytearray()
            while (end := buf.find(b"\r\n\r\n")) < 0:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("connection closed before the response headers")
                buf += chunk
            lines = bytes(buf[:end]).split(b"\r\n")
            status = int(lines[0].split(b" ", 2)[1])
            length: int | None = None
            close = lines[0].startswith(b"HTTP/1.0")
            cookie = None
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection":
                    close = value.strip().lower() == b"close"
                elif name == b"set-cookie" and value.strip().startswith(b"session="):
                    cookie = value.strip().split(b";", 1)[0]
            body = buf[end + 4 :]
            while length is None or len(body) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    if length is None:
                        break
                    raise ConnectionError("connection closed in the middle of the body")
                body += chunk
        except BaseException:
            self.close()
            raise
        if close or length is None:
            self.close()
        return status, cookie, bytes(body)


@dataclass
class Tally:
    """What one phase's client threads achieved in the measured window."""

    completed: int = 0  # successful units (cycles or bare POSTs) finished in the window
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    total_ok: int = 0  # successful units including warm-up and the window's edges
    errors: int = 0
    first_error: str | None = None
    tokens_ran_out: bool = False
    server_error: str | None = None  # the app's exception behind failed requests, from its log

    def add(self, other: Tally) -> None:
        self.completed += other.completed
        self.seconds += other.seconds
        self.latencies_ms += other.latencies_ms
        self.total_ok += other.total_ok
        self.errors += other.errors
        self.first_error = self.first_error or other.first_error
        self.tokens_ran_out = self.tokens_ran_out or other.tokens_ran_out

    @property
    def rate(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0


class OutOfTokensError(Exception):
    pass


class Unit(Protocol):
    def __call__(self) -> None: ...
    def close(self) -> None: ...


class RealCycle:
    """One unit of work against the real app: GET the page, POST the answers with the page's
    CSRF token (and session cookie, if any); raises on anything but 200 then 302."""

    def __init__(self, port: int, body: bytes, tokens: Iterator[str]) -> None:
        self.conn = HttpConnection(port)
        self.host = f"Host: 127.0.0.1:{port}\r\n".encode()
        self.post_headers = f"Content-Type: {FORM_CONTENT_TYPE}\r\nContent-Length: ".encode()
        self.body = body
        self.tokens = tokens

    def __call__(self) -> None:
        token = next(self.tokens, None)
        if token is None:
            raise OutOfTokensError
        path = f"/s/{token}".encode()
        status, cookie, page = self.conn.request(
            b"GET " + path + b" HTTP/1.1\r\n" + self.host + b"\r\n"
        )
        match = CSRF_RE.search(page)
        if status != 200 or match is None:
            raise RuntimeError(f"GET gave {status} (csrf: {match})")
        payload = self.body + b"&csrf_token=" + quote_from_bytes(match.group(1)).encode()
        # The survey page sets no cookie; a session cookie, if one came, goes back.
        cookie_header = b"\r\nCookie: " + cookie if cookie is not None else b""
        status, _, answer = self.conn.request(
            b"POST " + path + b" HTTP/1.1\r\n" + self.host + self.post_headers
            + str(len(payload)).encode() + cookie_header + b"\r\n\r\n" + payload
        )  # fmt: skip
        if status != 302:
            raise RuntimeError(f"POST gave {status}: {answer[:300]!r}")

    def close(self) -> None:
        self.conn.close()


class BarePost:
    """One unit of work against the bare app: POST the same answers (with a CSRF-sized
    dummy field, so the body has the same size); expects 302."""

    def __init__(self, port: int, body: bytes) -> None:
        self.conn = HttpConnection(port)
        payload = body + b"&csrf_token=" + b"x" * 91
        self.raw = (
            f"POST /submit HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: {FORM_CONTENT_TYPE}\r\nContent-Length: {len(payload)}\r\n\r\n"
        ).encode() + payload

    def __call__(self) -> None:
        status, _, answer = self.conn.request(self.raw)
        if status != 302:
            raise RuntimeError(f"bare POST gave {status}: {answer[:300]!r}")

    def close(self) -> None:
        self.conn.close()


def run_phase(units: list[Unit], seconds: float, warmup: float = 0.0) -> Tally:
    """Run each unit in a loop on its own thread for warmup + seconds; count units that end
    after the warm-up."""
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + seconds
    tallies = [Tally() for _ in units]

    def loop(unit: Unit, tally: Tally) -> None:
        while (now := time.perf_counter()) < stop_at:
            try:
                unit()
            except OutOfTokensError:
                tally.tokens_ran_out = True
                return
            except Exception as exc:
                tally.errors += 1
                tally.first_error = tally.first_error or f"{exc.__class__.__name__}: {exc}"
                if tally.errors > 20 and tally.errors > tally.total_ok:
                    return  # failing throughout: stop hammering
                continue
            ended = time.perf_counter()
            tally.total_ok += 1
            if ended >= measure_from and ended <= stop_at:
                tally.completed += 1
                tally.latencies_ms.append((ended - now) * 1000)

    threads = [
        threading.Thread(target=loop, args=(unit, tally), daemon=True)
        for unit, tally in zip(units, tallies, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Tally()
    for tally in tallies:
        total.add(tally)
    total.seconds = seconds
    return total


def measure_throughput(
    settings: Settings, seeded: Seeded, tokens: list[str], database_url: str, workdir: Path
) -> tuple[Tally, Tally]:
    """(real app cycles, bare app POSTs), both under gunicorn -w 2, alternating phases."""
    body = answers_body(seeded)
    common = production_env(database_url)
    bare_env = {
        **common,
        "BENCH_SURVEY_ID": str(seeded.survey_id),
        "BENCH_TEAM_ID": str(seeded.team_id),
        "BENCH_LEVEL_ID": str(seeded.level_id),
        "BENCH_INSTRUMENT_VERSION_ID": str(seeded.version_id),
    }
    n = settings.concurrency
    shares = [iter(tokens[i::n]) for i in range(n)]
    real, bare = Tally(), Tally()
    with (
        gunicorn("app:create_app()", common, workdir / "gunicorn-real.log") as real_port,
        gunicorn(
            "bench.bare_app:create_bare_app()", bare_env, workdir / "gunicorn-bare.log"
        ) as bare_port,
    ):
        real_units: list[Unit] = [RealCycle(real_port, body, share) for share in shares]
        bare_units: list[Unit] = [BarePost(bare_port, body) for _ in range(n)]
        slice_seconds = settings.duration / settings.rounds
        phases = {"real": (real_units, real), "bare": (bare_units, bare)}
        try:
            for name in ("real", "bare"):  # warm-up: imports, caches, pools, both workers
                units, tally = phases[name]
                warm = run_phase(units, 0.0, warmup=settings.warmup_seconds)
                warm.completed, warm.seconds, warm.latencies_ms = 0, 0.0, []
                tally.add(warm)
            for round_number in range(settings.rounds):
                order = ("real", "bare") if round_number % 2 == 0 else ("bare", "real")
                for name in order:
                    units, tally = phases[name]
                    tally.add(run_phase(units, slice_seconds))
                    log(f"     round {round_number + 1} {name}: {tally.rate:.1f}/s so far")
        finally:
            for unit in (*real_units, *bare_units):
                unit.close()
    for name, tally in (("real", real), ("bare", bare)):
        if tally.errors:
            log_path = workdir / f"gunicorn-{name}.log"
            tally.server_error = last_exception(log_path)
            log(f"   {name} app: {tally.errors} failed request(s); end of its gunicorn log:")
            log(textwrap.indent(tail(log_path, 25), "     | "))
    return real, bare


# --- per engine -----------------------------------------------------------------------------


def bench_engine(engine_name: str, settings: Settings, workdir: Path) -> EngineResult:
    result = EngineResult(engine_name)
    started = time.perf_counter()
    with fresh_database(engine_name, workdir, settings.pg_admin_url) as url:
        seeded, in_process_total = measure_in_process(result, settings, url, started)
        measure_under_gunicorn(result, settings, seeded, in_process_total, url, workdir)
    result.seconds = time.perf_counter() - started
    return result


def measure_in_process(
    result: EngineResult, settings: Settings, url: str, started: float
) -> tuple[Seeded, int]:
    """Migrate and seed, then the in-process server times (and the profile, if asked for);
    their rows. Returns the seeded survey and how many of its tokens were used."""
    engine_name = result.engine
    log(f"== {engine_name}: migrating and seeding {settings.participants} participants")
    migrate(url)
    application = production_app(url)
    engine: Engine = application.extensions["sqlalchemy_engine"]
    try:
        with application.app_context():
            seeded = seed(settings.participants)
        if len(seeded.item_keys) != 52 or len(seeded.prompt_keys) != 2:
            log(
                f"   note: the bundled instrument has {len(seeded.item_keys)} items and "
                f"{len(seeded.prompt_keys)} prompts (the budget was set for 52 and 2)"
            )
        in_process = settings.warmup_submissions + settings.submissions
        log(
            f"   seeded in {time.perf_counter() - started:.0f} s; server time: "
            f"{in_process} submissions in-process ({settings.warmup_submissions} warm-up)"
        )
        times = measure_server_time(
            application,
            seeded.tokens,
            answers_body(seeded),
            settings.warmup_submissions,
            settings.submissions,
        )
        in_process_total = in_process
        if settings.profile:
            profilers = {"GET": cProfile.Profile(), "POST": cProfile.Profile()}
            measure_server_time(
                application,
                seeded.tokens[in_process:],
                answers_body(seeded),
                0,
                settings.profile,
                profilers,
            )
            in_process_total += settings.profile
            for method, profiler in profilers.items():
                log(f"   cProfile of {settings.profile} x {method} /s/<token> ({engine_name}):")
                log(textwrap.indent(profile_report(profiler), "     "))
    finally:
        Session.remove()
        engine.dispose()

    add_server_time_rows(result, times)
    return seeded, in_process_total


def add_server_time_rows(result: EngineResult, times: ServerTimes) -> None:
    """The in-process figures: POST and GET server time, median and p95."""
    engine_name, rows = result.engine, result.rows
    post_median, post_p95 = ServerTimes.summary(times.post_ms)
    get_median, get_p95 = ServerTimes.summary(times.get_ms)
    result.figures.update(
        post_median_ms=post_median,
        post_p95_ms=post_p95,
        get_median_ms=get_median,
        get_p95_ms=get_p95,
    )
    rows.append(
        Row(
            engine_name,
            f"POST /s/<token> server time, median (n={len(times.post_ms)})",
            f"{post_median:.1f} ms",
            f"< {SERVER_MEDIAN_BUDGET_MS:g} ms",
            post_median < SERVER_MEDIAN_BUDGET_MS,
        )
    )
    rows.append(Row(engine_name, "POST /s/<token> server time, p95", f"{post_p95:.1f} ms"))
    rows.append(
        Row(
            engine_name,
            "GET /s/<token> server time, median / p95",
            f"{get_median:.1f} / {get_p95:.1f} ms",
        )
    )


def measure_under_gunicorn(
    result: EngineResult,
    settings: Settings,
    seeded: Seeded,
    in_process_total: int,
    url: str,
    workdir: Path,
) -> None:
    """Throughput of the real app and the bare one under gunicorn, the load errors and the
    stored rows checked against the acknowledged submissions; their rows."""
    engine_name, rows = result.engine, result.rows
    log(
        f"   throughput: gunicorn -w 2, {settings.concurrency} client threads, "
        f"{settings.rounds} x ({settings.duration / settings.rounds:g} s real + "
        f"{settings.duration / settings.rounds:g} s bare)"
    )
    remaining = seeded.tokens[in_process_total:]
    real, bare = measure_throughput(settings, seeded, remaining, url, workdir)
    ratio = real.rate / bare.rate if bare.rate else 0.0
    result.figures.update(real_cycles_per_s=real.rate, bare_posts_per_s=bare.rate, ratio=ratio)
    for rate_figure, latency_figure, tally in (
        ("real GET+POST cycles/s (gunicorn -w 2)", "  cycle latency, median (client side)", real),
        ("bare insert POSTs/s (gunicorn -w 2)", "  bare latency, median (client side)", bare),
    ):
        rows.append(Row(engine_name, rate_figure, f"{tally.rate:.1f}/s"))
        median = f"{statistics.median(tally.latencies_ms):.1f} ms" if tally.latencies_ms else "-"
        rows.append(Row(engine_name, latency_figure, median))
    rows.append(
        Row(
            engine_name,
            "ratio real/bare",
            f"{ratio:.2f}",
            f">= {THROUGHPUT_RATIO_BUDGET:g}",
            ratio >= THROUGHPUT_RATIO_BUDGET,
        )
    )
    problems = load_problems(real, bare)
    rows.append(
        Row(
            engine_name,
            "load errors",
            "; ".join(problems) if problems else "0",
            "0",
            not problems,
        )
    )
    # Sanity: every acknowledged submission is stored once, and nothing else is.
    stored, responded = stored_counts(url)
    expected_responded = in_process_total + real.total_ok
    consistent = responded == expected_responded and stored == responded + bare.total_ok
    rows.append(
        Row(
            engine_name,
            "stored responses = acknowledged submissions",
            f"{stored} = {in_process_total} in-process + {real.total_ok} real"
            f" + {bare.total_ok} bare",
            "equal",
            consistent or bool(problems),  # a failed request may have committed
        )
    )


def load_problems(real: Tally, bare: Tally) -> list[str]:
    """The failed requests of each phase (with their cause) and a run out of tokens."""
    problems = []
    for name, tally in (("real", real), ("bare", bare)):
        if tally.errors:
            cause = (tally.server_error or tally.first_error or "")[:110]
            problems.append(f"{name}: {tally.errors} failed request(s): {cause}")
    if real.tokens_ran_out:
        problems.append("real: tokens ran out; raise --participants")
    return problems


def stored_counts(url: str) -> tuple[int, int]:
    """(submissions stored: responses and sealed ballots, invitations responded) in the
    database at `url`."""
    check = make_engine(url)
    try:
        with check.connect() as conn:
            stored = sum(
                conn.scalar(select(func.count()).select_from(table)) or 0
                for table in (Response, Ballot)
            )
            responded = (
                conn.scalar(
                    select(func.count())
                    .select_from(Invitation)
                    .where(Invitation.responded.is_(True))
                )
                or 0
            )
    finally:
        check.dispose()
    return stored, responded


def profile_report(profiler: cProfile.Profile, limit: int = 30) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
    stats.print_stats(limit)
    return out.getvalue().strip()


def main(argv: list[str] | None = None) -> int:
    return main_per_engine("bench_submission", parse_args(argv), bench_engine)


if __name__ == "__main__":
    sys.exit(main())
