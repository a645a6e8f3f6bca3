# ruff: noqa: E402  (the repository root goes on sys.path before the app is imported)
"""What the benchmark scripts share: scratch databases, gunicorn in a process group of its
own, the figures table and the end of a run (verdict, bench/out/<name>.json, exit status).

Used by bench_submission.py, bench_reports.py and faults.py; not a benchmark itself (make bench
runs bench/bench_*.py only). See bench/README.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask
from sqlalchemy import make_url, text

from app import create_app
from app.ballots.services import mix_ballots
from app.db import Session, make_engine
from app.surveys.models import Survey
from config import new_ballot_key

OUT_DIR = ROOT / "bench" / "out"
DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
IN_PROCESS_BASE_URL = "https://localhost"  # production cookies are Secure
CSRF_RE = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


class BenchError(RuntimeError):
    """The benchmark could not run as designed (not a missed budget)."""


def log(message: str) -> None:
    print(message, flush=True)


# --- databases ------------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(
    engine_name: str, workdir: Path, pg_admin_url: str, tag: str = ""
) -> Iterator[str]:
    """The URL of an empty database, removed on exit: a SQLite file in `workdir` (WAL comes
    from make_engine), or a new PostgreSQL database mutuality_bench_[<tag>_]<random>."""
    prefix = f"{tag}_" if tag else ""
    if engine_name == "sqlite":
        path = workdir / f"bench_{prefix}db.sqlite3"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = f"mutuality_bench_{prefix}{secrets.token_hex(4)}"
    admin_url = make_url(pg_admin_url)
    admin = make_engine(admin_url.render_as_string(hide_password=False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        raise BenchError(
            f"PostgreSQL is not usable at {admin_url.render_as_string()} ({exc.__class__.__name__}:"
            f" {str(exc).splitlines()[0]}). Start it, set BENCH_PG_URL, or use --engine sqlite."
        ) from None
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate(url: str) -> None:
    """`alembic upgrade head` on `url`, through the project's migrations/env.py."""
    engine = make_engine(url)
    try:
        config = AlembicConfig(str(ROOT / "alembic.ini"))
        config.set_main_option("script_location", str(ROOT / "migrations"))
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    finally:
        engine.dispose()


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# One ballot key for the whole run: the servers seal with it, and mix_every_ballot opens
# what they sealed.
BALLOT_KEYS = new_ballot_key()


def production_env(url: str) -> dict[str, str]:
    """The environment of the app in its production configuration on the database at
    `url`: a fresh secret, the run's ballot key. The benchmarks' two workers sign in
    rarely, so each may count failed sign-ins alone (gunicorn.conf.py refuses that unless
    allowed)."""
    return {
        "MUTUALITY_CONFIG": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "BALLOT_KEYS": BALLOT_KEYS,
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        "DATABASE_URL": url,
        "ALLOW_PER_PROCESS_THROTTLE": "1",
    }


def production_app(url: str) -> Flask:
    """The app in its production configuration on the database at `url`."""
    with environment(**production_env(url)):
        return create_app("production")


def mix_every_ballot(url: str, survey_id: int) -> int:
    """Open every sealed ballot of the survey into responses, as its close does; how many
    were opened."""
    app = production_app(url)
    try:
        with app.app_context():
            survey = Session.get(Survey, survey_id)
            assert survey is not None, f"no survey {survey_id}"
            opened = mix_ballots(survey, final=True).opened
            Session.commit()
    finally:
        app.extensions["sqlalchemy_engine"].dispose()
    return opened


# --- gunicorn -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
        return True
    return False


def gunicorn_executable() -> str:
    beside = Path(sys.executable).parent / "gunicorn"
    found = str(beside) if beside.exists() else shutil.which("gunicorn")
    if not found:
        raise BenchError("gunicorn is not installed in this environment (.venv/bin/gunicorn)")
    return found


@contextlib.contextmanager
def gunicorn_process(
    app_spec: str,
    env: dict[str, str],
    log_path: Path,
    *,
    options: Sequence[str] = ("--graceful-timeout", "5"),
    ready: Callable[[subprocess.Popen[bytes], int], bool] | None = None,
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`gunicorn -w 2 -b 127.0.0.1:<free port> [options] APP_SPEC` in its own process group;
    (the master process, the port) once `ready` (default: the port accepts connections).
    The whole group is terminated (then killed) on exit."""
    port = free_port()
    cmd = [gunicorn_executable(), "-w", "2", "-b", f"127.0.0.1:{port}", *options]
    cmd += ["--log-level", "warning", app_spec]
    is_ready = ready or (lambda _proc, at: listening(at))
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while not is_ready(proc, port):
            if proc.poll() is not None:
                raise BenchError(
                    f"gunicorn {app_spec} exited with {proc.returncode}:\n" + tail(log_path)
                )
            if time.monotonic() > deadline:
                raise BenchError(f"gunicorn {app_spec} was not ready within 60 s")
            time.sleep(0.1)
        yield proc, port
    finally:
        stop_process_group(proc)


def stop_process_group(proc: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        # The master is gone; make sure no worker of its group outlives it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        return


EXCEPTION_LINE_RE = re.compile(r"^[\w.]+(?:Error|Exception|Exit)\b.*$", re.MULTILINE)


def last_exception(path: Path) -> str | None:
    """The last "SomeError: message" line of a log (the cause of a 500), if any."""
    found = EXCEPTION_LINE_RE.findall(tail(path, 400))
    return found[-1] if found else None


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- the figures table and the end of a run -------------------------------------------------


@dataclass
class Row:
    engine: str
    figure: str
    value: str
    budget: str = ""
    ok: bool | None = None  # None: informational


@dataclass
class EngineResult:
    engine: str
    rows: list[Row] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    profiles: list[str] = field(default_factory=list)  # printed before the table
    seconds: float = 0.0


def print_columns(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A plain text table, columns as wide as their widest cell, between blank lines."""
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    line = "  ".join("{:<%d}" % w for w in widths)  # noqa: UP031
    log("")
    log(line.format(*headers))
    log(line.format(*("-" * w for w in widths)))
    for row in rows:
        log(line.format(*row))
    log("")


def print_table(rows: list[Row]) -> None:
    print_columns(
        ("engine", "figure", "value", "budget", "result"),
        [
            (
                r.engine,
                r.figure,
                r.value,
                r.budget or "(info)",
                "" if r.ok is None else ("PASS" if r.ok else "FAIL"),
            )
            for r in rows
        ],
    )


def exit_on_sigterm() -> None:
    """A terminated run still cleans up: SIGTERM becomes an exception that unwinds the finally
    blocks (gunicorn process groups, PostgreSQL databases or instances, temporary files)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def write_output(name: str, payload: dict[str, Any]) -> None:
    """bench/out/<name>.json (ignored by git)."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")


class EngineSettings(Protocol):
    engines: tuple[str, ...]
    pg_admin_url: str


S = TypeVar("S", bound=EngineSettings)


def main_per_engine(
    name: str,
    settings: S,
    bench_engine: Callable[[str, S, Path], EngineResult],
    *,
    note: str = "",
) -> int:
    """Run `bench_engine` for each engine of `settings` in a temporary directory of its own,
    print the profiles and the table, the time per engine, `note` and the verdict; write
    bench/out/<name>.json. Exit status: 0 every budget met, 1 a budget missed, 2 the benchmark
    could not run (a BenchError)."""
    exit_on_sigterm()
    started = time.perf_counter()
    results: list[EngineResult] = []
    try:
        with tempfile.TemporaryDirectory(prefix="mutuality_bench_") as tmp:
            for engine_name in settings.engines:
                workdir = Path(tmp) / engine_name
                workdir.mkdir()
                results.append(bench_engine(engine_name, settings, workdir))
    except BenchError as exc:
        log(f"{name}: cannot run: {exc}")
        return 2
    total = time.perf_counter() - started
    for result in results:
        for profile in result.profiles:
            log("")
            log(profile)
    rows = [row for result in results for row in result.rows]
    print_table(rows)
    missed = [r for r in rows if r.ok is False]
    for result in results:
        log(f"{result.engine}: {result.seconds:.0f} s")
    if note:
        log(note)
    verdict = "PASS" if not missed else f"FAIL ({len(missed)} budget(s) missed)"
    log(f"{name}: {verdict} in {total:.0f} s")
    write_output(
        name,
        {
            "settings": asdict(settings) | {"pg_admin_url": "(omitted)"},  # type: ignore[call-overload]
            "engines": {r.engine: r.figures | {"seconds": r.seconds} for r in results},
            "pass": not missed,
            "seconds": total,
        },
    )
    return 0 if not missed else 1
