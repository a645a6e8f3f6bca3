# ruff: noqa: E402  (the repository root goes on sys.path before the app is imported)
"""Faults: no acknowledged submission is lost when PostgreSQL restarts or a worker dies.

    .venv/bin/python bench/faults.py [--scenario restart|kill|both] [--quick]

On a PostgreSQL instance of its own (initdb in a temporary directory, a free port on
127.0.0.1, trust authentication, fsync on; never the shared server), migrated with
`alembic upgrade head` and seeded with the real services (one survey per scenario, one
invitation per planned submission), the real app runs under `gunicorn -w 2` (production
configuration) while client threads submit the bundled instrument completely (GET
/s/<token>, CSRF token, POST 52 answers and 2 comments, expect 302), each token once. A
client that gets 503 or no answer tries the same token again, as a person whose answers are
kept in the browser would; a retry answered 410 ("already used") means an earlier attempt was
stored (acknowledged by retry).

- restart: after a few seconds of steady load, a fast shutdown of PostgreSQL (SIGINT to the
  postmaster, what `pg_ctl stop -m fast` sends) while a worker is in the middle of a POST, a
  few seconds down, `pg_ctl start`; the load goes on throughout. While the database is down
  the app must answer 503 with the clear page, and afterwards 302 again by itself
  (pool_pre_ping; no app restart). `--outage 0`: `pg_ctl restart -m fast` instead.
- kill: `kill -9` of the gunicorn worker serving a POST, a few times during the load; the
  master forks a replacement each time and the load goes on.

Then, in the database, per scenario: every acknowledged token's invitation is responded
(lost = 0), responses = responded invitations (no duplicate, no invitation flipped without
its response), every response has all its answers, dimension and family scores and both
comments (none half stored), nothing stored that was never sent.

Prints a table (sent, acknowledged, 503 answered, connection errors, stored, lost,
duplicates, half stored, time to recover) with PASS/FAIL; exits 1 on FAIL, 2 when it cannot
run (no PostgreSQL binaries, no `postgres` user when run as root, ...). Everything it
creates (the PostgreSQL instance and its data directory, the gunicorn process group,
temporary files) is removed at the end, on failure and interruption too. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import http.client
import itertools
import json
import os
import pwd
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import bindparam, func, select, text

from app.db import Session, make_engine
from app.surveys.models import Invitation, InvitationToken
from app.surveys.tokens import token_sha256
from app.taking.models import Answer, Comment, DimensionScore, FamilyScore, Response
from bench.bench_submission import (
    BUNDLED_INSTRUMENT,
    FORM_CONTENT_TYPE,
    Seeded,
    answers_body,
    seed,
)
from bench.harness import (
    CSRF_RE,
    BenchError,
    exit_on_sigterm,
    free_port,
    gunicorn_process,
    listening,
    log,
    migrate,
    mix_every_ballot,
    print_columns,
    production_app,
    production_env,
    tail,
    write_output,
)

DATABASE = "mutuality_faults"
# What the 503 page must say (app/errors.py): its title and that the answers are not lost.
CLEAR_503_MARKS = (b"temporarily unavailable", b"stay in this browser")
HTTP_TIMEOUT = 10.0  # seconds per request (connect, send, answer)
RETRY_PAUSE = 0.25  # seconds a client waits before trying a refused or cut submission again
SETTLE_SECONDS = 20.0  # after the load, how long clients may keep retrying open submissions
WARMUP_TOKENS = 400  # submissions of a survey of its own that warm both workers up


# --- settings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    scenarios: tuple[str, ...]
    concurrency: int  # client threads
    tokens: int  # invitations seeded per scenario
    steady: float  # seconds of load before the fault
    after: float  # seconds of load after the app is back
    outage: float  # restart: seconds PostgreSQL stays down (0: `pg_ctl restart`)
    kills: int  # kill: workers killed, one after the other
    kill_interval: float  # kill: seconds between kills
    pg_bindir: str | None


def parse_args(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=("restart", "kill", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="shorter phases")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--tokens", type=int, help="invitations per scenario (default 4000)")
    parser.add_argument("--steady", type=float, help="seconds of load before the fault")
    parser.add_argument("--after", type=float, help="seconds of load after the recovery")
    parser.add_argument(
        "--outage", type=float, default=3.0, help="seconds PostgreSQL stays down (0: restart)"
    )
    parser.add_argument("--kills", type=int, default=3, help="workers killed (default 3)")
    parser.add_argument("--kill-interval", type=float, default=2.0)
    args = parser.parse_args(argv)
    return Settings(
        scenarios=("restart", "kill") if args.scenario == "both" else (args.scenario,),
        concurrency=args.concurrency,
        tokens=args.tokens or (2000 if args.quick else 4000),
        steady=args.steady if args.steady is not None else (2.0 if args.quick else 4.0),
        after=args.after if args.after is not None else (3.0 if args.quick else 5.0),
        outage=args.outage,
        kills=max(1, args.kills),
        kill_interval=args.kill_interval,
        pg_bindir=os.environ.get("FAULTS_PG_BINDIR"),
    )


def run(cmd: Sequence[str], log_path: Path, timeout: float, what: str) -> None:
    """Run `cmd` with its output appended to `log_path`; BenchError when it fails."""
    with log_path.open("ab") as out:
        try:
            done = subprocess.run(
                cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            raise BenchError(f"{what} did not finish within {timeout:g} s") from None
    if done.returncode != 0:
        raise BenchError(f"{what} exited with {done.returncode}:\n{tail(log_path, 15)}")


# --- a PostgreSQL instance of our own -------------------------------------------------------


def find_pg_bindir(configured: str | None) -> Path:
    candidates = [configured] if configured else []
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(x) for x in re.findall(r"\d+", p)],
        reverse=True,
    )
    if found := shutil.which("pg_ctl"):
        candidates.append(str(Path(found).parent))
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    raise BenchError(
        "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or on "
        "PATH; install the server package or set FAULTS_PG_BINDIR"
    )


class PgInstance:
    """initdb in `workdir`/data, started with pg_ctl on a free port of 127.0.0.1 (trust
    authentication, fsync on, its socket in `workdir`). As root, initdb and pg_ctl run as
    the `postgres` user (initdb refuses root), and `workdir` is handed to that user."""

    def __init__(self, bindir: Path, workdir: Path) -> None:
        self.bindir = bindir
        self.workdir = workdir
        self.data = workdir / "data"
        self.server_log = workdir / "postgresql.log"
        self.ctl_log = workdir / "pg_ctl.log"
        self.port = free_port()
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                raise BenchError("running as root and there is no `postgres` user") from None
            os.chown(workdir, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.running = False

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _ctl(self, *args: str, timeout: float = 40.0) -> None:
        cmd = [*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.data), *args]
        run(cmd, self.ctl_log, timeout, f"pg_ctl {args[-1]}")

    def init(self) -> None:
        run(
            [
                *self.prefix,
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",  # initdb's own final flush only; the server runs with fsync on
            ],
            self.ctl_log,
            60.0,
            "initdb",
        )
        settings = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.workdir}'",
            "fsync": "on",
            "synchronous_commit": "on",
            "full_page_writes": "on",
            "max_connections": "40",
            "shared_buffers": "32MB",
            "logging_collector": "off",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# bench/faults.py\n")
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

    def start(self) -> None:
        self._ctl("-l", str(self.server_log), "-w", "-t", "30", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "-w", "-t", "30", "stop")
        self.running = False

    def wait_stopped(self, timeout: float = 30.0) -> None:
        """Wait until the postmaster has exited (it removes postmaster.pid last)."""
        deadline = time.monotonic() + timeout
        while (self.data / "postmaster.pid").exists():
            if time.monotonic() > deadline:
                raise BenchError(f"PostgreSQL did not shut down within {timeout:g} s")
            time.sleep(0.02)
        self.running = False

    def restart(self) -> None:
        self._ctl("-l", str(self.server_log), "-m", "fast", "-w", "-t", "30", "restart")
        self.running = True

    def postmaster_pid(self) -> int:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            raise BenchError("PostgreSQL is not running (no postmaster.pid)") from None

    def accepts_connections(self) -> bool:
        return listening(self.port)

    def destroy(self) -> None:
        """Stop the server (immediate), whatever state it is in."""
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except BenchError:
                # pg_ctl failed: kill our own postmaster by the pid it wrote.
                with contextlib.suppress(OSError, BenchError):
                    os.kill(self.postmaster_pid(), signal.SIGKILL)


@contextlib.contextmanager
def postgres_instance(bindir: Path, workdir: Path) -> Iterator[PgInstance]:
    instance = PgInstance(bindir, workdir)
    try:
        instance.init()
        instance.start()
        yield instance
    finally:
        instance.destroy()


def create_database(instance: PgInstance) -> None:
    admin = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{instance.port}/postgres")
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    finally:
        admin.dispose()


@dataclass
class Shape:
    """How many rows a complete submission of the bundled instrument stores."""

    answers: int
    dimensions: int
    families: int
    comments: int


def instrument_shape() -> Shape:
    document = json.loads(BUNDLED_INSTRUMENT.read_text())
    return Shape(
        answers=len(document["items"]),
        dimensions=len(document["dimensions"]),
        families=len({d["family"] for d in document["dimensions"]}),
        comments=len(document["prompts"]),
    )


def seed_surveys(url: str, tokens: dict[str, int]) -> dict[str, Seeded]:
    """One open survey per name with that many invitations, through the real services."""
    migrate(url)
    application = production_app(url)
    try:
        with application.app_context():
            return {name: seed(count) for name, count in tokens.items()}
    finally:
        Session.remove()
        application.extensions["sqlalchemy_engine"].dispose()


# --- gunicorn -------------------------------------------------------------------------------


@contextlib.contextmanager
def gunicorn(env: dict[str, str], log_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`gunicorn -w 2 "app:create_app()"` (see harness.gunicorn_process), ready once
    both workers run; (the master process, the port)."""
    with gunicorn_process(
        "app:create_app()",
        env,
        log_path,
        options=("--graceful-timeout", "3", "--timeout", "30"),
        ready=lambda proc, port: len(workers_of(proc.pid)) >= 2 and listening(port),
    ) as started:
        yield started


def workers_of(master: int) -> list[int]:
    """The live (not zombie) child processes of `master`, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == master and fields[0] != "Z":
            found.append(int(entry))
    return sorted(found)


def worker_serving(server_port: int, client_port: int, workers: Sequence[int]) -> int | None:
    """The worker holding the server side of the TCP connection from `client_port`, if one
    has accepted it (from /proc/net/tcp and the workers' file descriptors)."""
    inodes = set()
    with contextlib.suppress(OSError):
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if (
                int(local.rsplit(":", 1)[1], 16) == server_port
                and int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                inodes.add(f"socket:[{inode}]")
    if not inodes:
        return None
    for pid in workers:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                        return pid
    return None


def await_post_in_flight(
    load: Load, port: int, master: int, timeout: float = 5.0
) -> tuple[int, float] | None:
    """Wait until some client's POST has been accepted by a worker and sent a random few
    milliseconds ago (so that faults land at different points of the request: parsing,
    the UPDATE, the inserts, the commit, the redirect); (that worker, the POST's age)."""
    deadline = time.monotonic() + timeout
    age = random.uniform(0.0, 0.015)
    while time.monotonic() < deadline:
        workers = workers_of(master)
        for client in load.clients:
            inflight = client.inflight
            if inflight is None or inflight[0] != "POST":
                continue
            waited = time.monotonic() - inflight[2]
            if waited < age:
                continue
            pid = worker_serving(port, inflight[1], workers)
            if pid is not None and client.inflight == inflight:
                return pid, time.monotonic() - inflight[2]
        time.sleep(0.001)
    return None


# --- the load -------------------------------------------------------------------------------


@dataclass
class Event:
    at: float  # time.monotonic() when the answer (or the failure) arrived
    kind: str  # "ack" (302), "ack-retry" (410 after an attempt), "503", "conn", "other"
    started: float = 0.0  # when the request was sent


@dataclass
class Outcome:
    token: str
    posts: int = 0  # POST attempts
    result: str = "not sent"  # "acknowledged", "acknowledged by retry", "unresolved", ...


@dataclass
class ClientStats:
    events: list[Event] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)  # "GET 200", "POST 302", ...
    answers_503: int = 0
    clear_503: int = 0
    sample_503: bytes = b""
    sample_other: str = ""
    conn_errors: int = 0
    posts_cut: int = 0  # POSTs sent that got no answer
    ran_out: bool = False


class Client:
    """One simulated respondent after another: GET the page, POST the answers with its CSRF
    token (and a session cookie, if the page set one: it sets none). A submission is retried
    with the same token after a 503, an unexpected status or no answer at all, until it is
    acknowledged or `give_up_at`."""

    def __init__(self, port: int, body: bytes, tokens: Iterator[str]) -> None:
        self.port = port
        self.body = body
        self.tokens = tokens
        self.stats = ClientStats()
        # (method, the client's local port, when the request was sent) while waiting for
        # the answer: how the fault injector finds a worker in the middle of a POST.
        self.inflight: tuple[str, int, float] | None = None

    def request(
        self, method: str, path: str, body: bytes | None = None, cookie: str | None = None
    ) -> tuple[int, str | None, bytes]:
        headers = {"Accept": "text/html"}
        if body is not None:
            headers["Content-Type"] = FORM_CONTENT_TYPE
        if cookie is not None:
            headers["Cookie"] = cookie
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers)
            if conn.sock is not None:
                self.inflight = (method, conn.sock.getsockname()[1], time.monotonic())
            answer = conn.getresponse()
            payload = answer.read()
            cookie = None
            for value in answer.msg.get_all("Set-Cookie") or []:
                if value.startswith("session="):
                    cookie = value.split(";", 1)[0]
            return answer.status, cookie, payload
        finally:
            self.inflight = None
            conn.close()

    def run(self, stop: threading.Event, give_up_at: list[float]) -> None:
        while not stop.is_set():
            token = next(self.tokens, None)
            if token is None:
                self.stats.ran_out = True
                return
            outcome = Outcome(token)
            self.stats.outcomes.append(outcome)
            self.submit(outcome, give_up_at)

    def note(self, kind: str, started: float) -> None:
        self.stats.events.append(Event(time.monotonic(), kind, started))

    def submit(self, outcome: Outcome, give_up_at: list[float]) -> None:
        stats = self.stats
        path = f"/s/{outcome.token}"
        while time.monotonic() < give_up_at[0]:
            started = time.monotonic()
            method = "GET"
            try:
                status, cookie, page = self.request("GET", path)
                stats.statuses[f"GET {status}"] += 1
                if status == 200:
                    match = CSRF_RE.search(page)
                    if match is None:
                        raise BenchError("the survey page came without its CSRF token")
                    method = "POST"
                    payload = self.body + b"&csrf_token=" + quote(match.group(1)).encode()
                    outcome.posts += 1
                    status, _, page = self.request("POST", path, payload, cookie)
                    stats.statuses[f"POST {status}"] += 1
            except (OSError, http.client.HTTPException):
                stats.conn_errors += 1
                stats.posts_cut += method == "POST"
                self.note("conn", started)
                time.sleep(RETRY_PAUSE)
                continue
            if status == 302 and method == "POST":
                outcome.result = "acknowledged"
                self.note("ack", started)
                return
            if status == 410 and outcome.posts and (method == "GET" or outcome.posts > 1):
                # "already used": an earlier attempt of this very submission was stored.
                outcome.result = "acknowledged by retry"
                self.note("ack-retry", started)
                return
            if status == 503:
                stats.answers_503 += 1
                clear = all(mark in page for mark in CLEAR_503_MARKS)
                stats.clear_503 += clear
                if not stats.sample_503 or not clear:
                    stats.sample_503 = page
                self.note("503", started)
            else:
                stats.sample_other = stats.sample_other or (
                    f"{method} {status}: {page[:400].decode(errors='replace')}"
                )
                self.note("other", started)
            time.sleep(RETRY_PAUSE)
        outcome.result = "unresolved" if outcome.posts else "never posted"


class Load:
    """`concurrency` client threads submitting the tokens, until stop(); then each client
    finishes (retries) its open submission for at most SETTLE_SECONDS."""

    def __init__(self, port: int, body: bytes, tokens: list[str], concurrency: int) -> None:
        self.clients = [
            Client(port, body, iter(tokens[i::concurrency])) for i in range(concurrency)
        ]
        self.stopping = threading.Event()
        self.give_up_at = [float("inf")]
        self.threads = [
            threading.Thread(target=c.run, args=(self.stopping, self.give_up_at), daemon=True)
            for c in self.clients
        ]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.stopping.is_set():
            return
        self.give_up_at[0] = time.monotonic() + SETTLE_SECONDS
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=SETTLE_SECONDS + 2 * HTTP_TIMEOUT + 5)
        if any(thread.is_alive() for thread in self.threads):
            raise BenchError("client threads did not finish in time")

    def posts_cut(self) -> int:
        return sum(c.stats.posts_cut for c in self.clients)

    def total(self) -> ClientStats:
        total = ClientStats()
        for c in self.clients:
            s = c.stats
            total.events += s.events
            total.outcomes += s.outcomes
            total.statuses.update(s.statuses)
            total.answers_503 += s.answers_503
            total.clear_503 += s.clear_503
            total.sample_503 = total.sample_503 or s.sample_503
            total.sample_other = total.sample_other or s.sample_other
            total.conn_errors += s.conn_errors
            total.posts_cut += s.posts_cut
            total.ran_out = total.ran_out or s.ran_out
        total.events.sort(key=lambda e: e.at)
        return total


# --- scenarios ------------------------------------------------------------------------------


@dataclass
class FaultLog:
    """What the scenario did and when (time.monotonic())."""

    started: float = 0.0
    # From when the app should answer 302 again: PostgreSQL accepts connections again
    # (restart), or the moment of each kill -9 (the other worker goes on serving).
    recover_from: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    replaced: bool = True  # kill: every killed worker was replaced


def restart_scenario(
    settings: Settings, instance: PgInstance, faults: FaultLog, load: Load, port: int, master: int
) -> None:
    time.sleep(settings.steady)
    if settings.outage > 0:
        # Fast shutdown (SIGINT to the postmaster, what `pg_ctl stop -m fast` sends) while a
        # POST is in flight, then pg_ctl waits for the shutdown to complete.
        found = await_post_in_flight(load, port, master)
        fault_at = time.monotonic()
        os.kill(instance.postmaster_pid(), signal.SIGINT)
        instance.wait_stopped()
        stopped = time.monotonic()
        faults.notes.append(
            "fast shutdown "
            + (
                f"{found[1] * 1000:.0f} ms into a POST"
                if found
                else "(no POST found in flight within 5 s)"
            )
            + f", complete after {stopped - fault_at:.1f} s"
        )
        time.sleep(settings.outage)
        instance.start()
        faults.notes.append(f"down for {time.monotonic() - stopped:.1f} s (stop to start)")
    else:
        fault_at = time.monotonic()
        instance.restart()
        faults.notes.append(f"pg_ctl restart -m fast took {time.monotonic() - fault_at:.1f} s")
    faults.recover_from.append(time.monotonic())
    time.sleep(settings.after)


def kill_scenario(settings: Settings, faults: FaultLog, load: Load, port: int, master: int) -> None:
    time.sleep(settings.steady)
    for n in range(settings.kills):
        # The worker in the middle of a POST; any worker if none is found in time.
        found = await_post_in_flight(load, port, master)
        before = workers_of(master)
        if not before:
            raise BenchError("gunicorn has no worker to kill")
        victim = found[0] if found else random.choice(before)
        killed_at = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        faults.recover_from.append(killed_at)
        deadline = killed_at + 30
        while time.monotonic() < deadline:
            now = workers_of(master)
            if victim not in now and len(now) >= len(before) and set(now) - set(before):
                break
            time.sleep(0.05)
        else:
            faults.replaced = False
        replaced = time.monotonic()
        cut = load.posts_cut()
        faults.notes.append(
            f"kill -9 {n + 1}/{settings.kills} "
            + (
                f"of a worker found {found[1] * 1000:.0f} ms into a POST"
                if found
                else "(no POST found in flight)"
            )
            + f": replacement forked after {replaced - killed_at:.2f} s, POSTs cut so far {cut}"
        )
        if n + 1 < settings.kills:
            time.sleep(settings.kill_interval)
    time.sleep(settings.after)


# --- verification ---------------------------------------------------------------------------


@dataclass
class Result:
    scenario: str
    sent: int = 0  # submissions whose answers were POSTed at least once
    post_attempts: int = 0
    acknowledged: int = 0  # 302
    acknowledged_by_retry: int = 0  # 410 on a retry after an unanswered or refused attempt
    answered_503: int = 0
    clear_503: int = 0
    conn_errors: int = 0
    posts_cut: int = 0
    other_answers: int = 0  # anything but 200, 302, 503 and the retry's 410 (e.g. 500)
    unresolved: int = 0  # sent, never acknowledged before the clients gave up
    stored: int = 0  # responses of the scenario's survey
    responded: int = 0  # invitations of the survey marked responded
    stored_for_acknowledged: int = 0
    lost: int = 0
    duplicates: int = 0
    half_stored: int = 0
    stored_never_sent: int = 0
    stored_unacknowledged: int = 0
    acks_after_recovery: int = 0
    # The longest, over the faults, from `recover_from` to the first acknowledgement of a
    # request sent after it.
    recover_s: float | None = None
    longest_gap_s: float = 0.0  # the longest time without any acknowledgement
    seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def verify(
    url: str, seeded: Seeded, shape: Shape, stats: ClientStats, faults: FaultLog, result: Result
) -> None:
    """Fill `result` from what the clients saw and what the database holds, and list the
    problems: lost, duplicated, half-stored or never-sent submissions, no recovery."""
    outcomes = stats.outcomes
    posted = {o.token for o in outcomes if o.posts}
    acked = [o.token for o in outcomes if o.result.startswith("acknowledged")]
    unresolved = {o.token for o in outcomes if o.result == "unresolved"}
    count_client_side(stats, posted, unresolved, result)
    # Submissions wait as sealed ballots; the close opens them all. What it opens is stored.
    mix_every_ballot(url, seeded.survey_id)
    stored = count_stored(url, seeded.survey_id, shape, posted)
    reconcile(stored, outcomes, posted, acked, unresolved, shape, result)
    time_recovery(stats, faults, result)
    list_problems(stored, stats, shape, result)


def count_client_side(
    stats: ClientStats, posted: set[str], unresolved: set[str], result: Result
) -> None:
    """What the clients sent and the answers they had."""
    outcomes = stats.outcomes
    result.sent = len(posted)
    result.post_attempts = sum(o.posts for o in outcomes)
    result.acknowledged = sum(o.result == "acknowledged" for o in outcomes)
    result.acknowledged_by_retry = sum(o.result == "acknowledged by retry" for o in outcomes)
    result.unresolved = len(unresolved)
    result.answered_503 = stats.answers_503
    result.clear_503 = stats.clear_503
    result.conn_errors = stats.conn_errors
    result.posts_cut = stats.posts_cut
    result.statuses = dict(sorted(stats.statuses.items()))
    result.other_answers = sum(e.kind == "other" for e in stats.events)


@dataclass(frozen=True)
class StoredCounts:
    """What the database holds for the scenario's survey after the run."""

    stored: int  # responses
    responded: set[str]  # token digests of the responded invitations
    incomplete: int  # responses without all their answers and scores
    comments: int
    orphans: int  # answer and score rows without their response
    elsewhere: int  # sent tokens that responded in another survey

    @property
    def flipped_without_response(self) -> int:
        """Invitations marked responded beyond the responses stored."""
        return max(0, len(self.responded) - self.stored)


def count_stored(url: str, survey: int, shape: Shape, posted: set[str]) -> StoredCounts:
    """Count, in one connection, what the scenario's survey holds."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            stored = conn.scalar(
                select(func.count()).select_from(Response).where(Response.survey_id == survey)
            ) or 0  # fmt: skip
            responded = set(
                conn.scalars(
                    select(InvitationToken.token_sha256)
                    .join(Invitation, Invitation.id == InvitationToken.invitation_id)
                    .where(Invitation.survey_id == survey, Invitation.responded.is_(True))
                )
            )
            counts = [
                select(func.count())
                .select_from(model)
                .where(model.response_id == Response.id)
                .scalar_subquery()
                for model in (Answer, DimensionScore, FamilyScore)
            ]
            incomplete = conn.scalar(
                select(func.count())
                .select_from(Response)
                .where(
                    Response.survey_id == survey,
                    (counts[0] != shape.answers)
                    | (counts[1] != shape.dimensions)
                    | (counts[2] != shape.families),
                )
            ) or 0  # fmt: skip
            comments = conn.scalar(
                select(func.count()).select_from(Comment).where(Comment.survey_id == survey)
            ) or 0  # fmt: skip
            orphans = conn.scalar(
                text(
                    "SELECT (SELECT count(*) FROM answer a WHERE NOT EXISTS"
                    " (SELECT 1 FROM response r WHERE r.id = a.response_id))"
                    " + (SELECT count(*) FROM dimension_score d WHERE NOT EXISTS"
                    " (SELECT 1 FROM response r WHERE r.id = d.response_id))"
                    " + (SELECT count(*) FROM family_score f WHERE NOT EXISTS"
                    " (SELECT 1 FROM response r WHERE r.id = f.response_id))"
                )
            ) or 0  # fmt: skip
            # Other surveys of the run must not have received anything of this scenario.
            elsewhere = conn.scalar(
                select(func.count())
                .select_from(InvitationToken)
                .join(Invitation, Invitation.id == InvitationToken.invitation_id)
                .where(
                    Invitation.survey_id != survey,
                    InvitationToken.token_sha256.in_(bindparam("digests", expanding=True)),
                    Invitation.responded.is_(True),
                ),
                {"digests": [token_sha256(t) for t in posted] or [""]},
            ) or 0  # fmt: skip
    finally:
        engine.dispose()
    return StoredCounts(stored, responded, incomplete, comments, orphans, elsewhere)


def reconcile(
    stored: StoredCounts,
    outcomes: Sequence[Outcome],
    posted: set[str],
    acked: list[str],
    unresolved: set[str],
    shape: Shape,
    result: Result,
) -> None:
    """What the database holds against what the clients sent and were told."""
    result.stored = stored.stored
    result.responded = len(stored.responded)
    responded = stored.responded
    digest = {o.token: token_sha256(o.token) for o in outcomes}
    result.stored_for_acknowledged = sum(digest[t] in responded for t in acked)
    result.lost = len(acked) - result.stored_for_acknowledged
    result.duplicates = max(0, result.stored - result.responded)
    comments_off = abs(stored.comments - shape.comments * result.stored)
    result.half_stored = (
        stored.incomplete + stored.flipped_without_response + stored.orphans + comments_off
    )
    posted_digests = {digest[t] for t in posted}
    result.stored_never_sent = len(responded - posted_digests)
    result.stored_unacknowledged = sum(digest[t] in responded for t in unresolved)


def time_recovery(stats: ClientStats, faults: FaultLog, result: Result) -> None:
    """Acknowledgements after the last fault, the wait for the first one after each fault,
    and the longest stretch without any."""
    acks = [e for e in stats.events if e.kind.startswith("ack")]
    last = max(faults.recover_from, default=faults.started)
    result.acks_after_recovery = sum(e.started >= last for e in acks)
    waits = []
    for moment in faults.recover_from:
        first = min((e.at for e in acks if e.started >= moment), default=None)
        if first is None:
            break
        waits.append(first - moment)
    else:
        result.recover_s = max(waits, default=None)
    moments = [faults.started, *(e.at for e in acks)]
    result.longest_gap_s = max((b - a for a, b in itertools.pairwise(moments)), default=0)


def list_problems(stored: StoredCounts, stats: ClientStats, shape: Shape, result: Result) -> None:
    """Each check the run failed, in words."""
    problems = result.problems
    if result.lost:
        problems.append(f"{result.lost} acknowledged submission(s) not in the database")
    if result.duplicates:
        problems.append(f"{result.duplicates} response(s) more than responded invitations")
    if result.half_stored:
        problems.append(
            f"half stored: {stored.incomplete} incomplete response(s), "
            f"{stored.flipped_without_response} invitation(s) responded without a response, "
            f"{stored.orphans} orphan row(s), "
            f"{stored.comments} comments for {result.stored} responses ({shape.comments} each)"
        )
    if result.stored > result.sent:
        problems.append(f"stored {result.stored} > sent {result.sent}")
    if result.stored_never_sent or stored.elsewhere:
        problems.append(
            f"{result.stored_never_sent + stored.elsewhere} stored that were never sent"
        )
    if result.other_answers:
        problems.append(
            f"{result.other_answers} answer(s) other than 200/302/503 (first: "
            f"{stats.sample_other[:160]!r})"
        )
    if result.unresolved:
        problems.append(f"{result.unresolved} submission(s) never acknowledged (no recovery?)")
    if not result.acks_after_recovery:
        problems.append("no submission acknowledged after the fault: the app did not recover")
    if stats.ran_out:
        problems.append("the clients ran out of tokens: raise --tokens")


# --- driver ---------------------------------------------------------------------------------


def run_scenario(
    name: str,
    settings: Settings,
    seeded: Seeded,
    shape: Shape,
    instance: PgInstance,
    master: subprocess.Popen[bytes],
    port: int,
) -> Result:
    result = Result(name)
    faults = FaultLog(started=time.monotonic())
    log(
        f"== {name}: {settings.concurrency} clients, {settings.steady:g} s steady load, then "
        + (
            f"PostgreSQL down for {settings.outage:g} s"
            if name == "restart" and settings.outage > 0
            else "pg_ctl restart -m fast"
            if name == "restart"
            else f"{settings.kills} x kill -9 of a worker every {settings.kill_interval:g} s"
        )
        + f", {settings.after:g} s of load after"
    )
    load = Load(port, answers_body(seeded), seeded.tokens, settings.concurrency)
    with load:
        try:
            if name == "restart":
                restart_scenario(settings, instance, faults, load, port, master.pid)
            else:
                kill_scenario(settings, faults, load, port, master.pid)
        finally:
            if not instance.running:
                with contextlib.suppress(BenchError):
                    instance.start()
    result.seconds = time.monotonic() - faults.started
    stats = load.total()
    result.notes = faults.notes
    if not faults.replaced:
        result.problems.append("a killed worker was not replaced within 30 s")
    if name == "restart":
        if not stats.answers_503:
            result.problems.append("no 503 during the outage")
        elif stats.clear_503 < stats.answers_503:
            result.problems.append(
                f"{stats.answers_503 - stats.clear_503} 503 answer(s) without the clear page"
            )
        if stats.sample_503:
            result.notes.append("503 page: " + visible_text(stats.sample_503))
    verify(instance.url, seeded, shape, stats, faults, result)
    return result


def visible_text(html: bytes) -> str:
    """The main text of an error page, tags stripped."""
    body = html.decode(errors="replace")
    main = re.search(r"<main.*?</main>", body, re.S)
    words = re.sub(r"<[^>]+>", " ", main.group(0) if main else body)
    return re.sub(r"\s+", " ", words).strip()[:300]


def warm_up(seeded: Seeded, port: int, concurrency: int) -> None:
    """Load until a few submissions per client were acknowledged (templates compiled, the
    instrument parsed, pools filled in both workers), at most 20 s; nothing is measured."""
    started = time.monotonic()
    with Load(port, answers_body(seeded), seeded.tokens, concurrency) as load:
        while time.monotonic() - started < 20:
            acks = sum(
                o.result.startswith("acknowledged") for c in load.clients for o in c.stats.outcomes
            )
            if acks >= 4 * concurrency:
                break
            time.sleep(0.1)
    log(f"   warm-up: {acks} submissions in {time.monotonic() - started:.1f} s")


def print_table(results: list[Result]) -> None:
    headers = (
        "scenario",
        "sent",
        "acknowledged",
        "503 answered",
        "conn errors",
        "stored",
        "lost",
        "duplicates",
        "half stored",
        "recover (s)",
        "result",
    )
    rows = [
        (
            r.scenario,
            str(r.sent),
            f"{r.acknowledged + r.acknowledged_by_retry}"
            + (f" ({r.acknowledged_by_retry} by retry)" if r.acknowledged_by_retry else ""),
            str(r.answered_503),
            str(r.conn_errors),
            str(r.stored),
            str(r.lost),
            str(r.duplicates),
            str(r.half_stored),
            "-" if r.recover_s is None else f"{r.recover_s:.2f}",
            "PASS" if r.passed else "FAIL",
        )
        for r in results
    ]
    print_columns(headers, rows)
    for r in results:
        log(f"{r.scenario}:")
        details = [
            f"POST attempts {r.post_attempts}, POSTs cut (no answer) {r.posts_cut}, "
            f"other answers {r.other_answers}, unresolved {r.unresolved}",
            f"responded invitations {r.responded}, stored for acknowledged "
            f"{r.stored_for_acknowledged}, stored but unacknowledged {r.stored_unacknowledged}",
            f"acknowledged after recovery {r.acks_after_recovery}, longest time without an "
            f"acknowledgement {r.longest_gap_s:.2f} s, scenario {r.seconds:.0f} s",
            "answers: " + ", ".join(f"{k}: {v}" for k, v in r.statuses.items()),
            *r.notes,
            *(f"FAIL: {p}" for p in r.problems),
        ]
        log(textwrap.indent("\n".join(details), "   "))


def main(argv: list[str] | None = None) -> int:
    settings = parse_args(argv)
    exit_on_sigterm()
    started = time.monotonic()
    results: list[Result] = []
    try:
        bindir = find_pg_bindir(settings.pg_bindir)
        with tempfile.TemporaryDirectory(prefix="mutuality_faults_") as tmp:
            workdir = Path(tmp)
            with postgres_instance(bindir, workdir) as instance:
                log(
                    f"faults: own PostgreSQL ({bindir.parent.name}) on 127.0.0.1:{instance.port}"
                    f", {len(settings.scenarios)} x {settings.tokens} invitations"
                )
                create_database(instance)
                seeded = seed_surveys(
                    instance.url,
                    {"warm-up": WARMUP_TOKENS} | dict.fromkeys(settings.scenarios, settings.tokens),
                )
                shape = instrument_shape()
                log(f"   migrated and seeded in {time.monotonic() - started:.0f} s")
                env = production_env(instance.url)
                gunicorn_log = workdir / "gunicorn.log"
                with gunicorn(env, gunicorn_log) as (master, port):
                    warm_up(seeded["warm-up"], port, settings.concurrency)
                    for name in settings.scenarios:
                        results.append(
                            run_scenario(
                                name, settings, seeded[name], shape, instance, master, port
                            )
                        )
                unhandled = gunicorn_log.read_text(errors="replace").count("Unhandled error")
                if unhandled:
                    log(f"gunicorn log: {unhandled} unhandled error(s) (500); its end:")
                    log(textwrap.indent(tail(gunicorn_log, 30), "   | "))
    except BenchError as exc:
        log(f"faults: cannot run: {exc}")
        return 2
    total = time.monotonic() - started
    print_table(results)
    failed = [r.scenario for r in results if not r.passed]
    verdict = "PASS" if not failed else f"FAIL ({', '.join(failed)})"
    log(f"faults: {verdict} in {total:.0f} s")
    write_output(
        "faults",
        {
            "settings": asdict(settings),
            "scenarios": {r.scenario: asdict(r) | {"passed": r.passed} for r in results},
            "pass": not failed,
            "seconds": total,
        },
    )
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
