"""`make run`: the development web server and a worker beside it, in one command.

    python -m app.worker.launcher [--host HOST] [--port PORT] [--interval SECONDS]

Starts `flask run --host HOST --port PORT` and `flask worker --interval SECONDS` as two
child processes with FLASK_RUN_HOST and FLASK_RUN_PORT set for both, so that the links the
worker emails lead to the server that was started (config.development_base_url), unless
PUBLIC_BASE_URL says otherwise. Ctrl-C (or SIGTERM) stops both: the children get SIGINT
(the worker ends its step and exits), then SIGTERM, then SIGKILL if they linger. When
one child ends on its own the other is stopped too, and the launcher exits with the first
one's status. Needs nothing but the Python that runs it and the project's packages.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from types import FrameType

GRACE_SECONDS = 10.0


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "app", *args]


def commands(host: str, port: int, interval: float) -> dict[str, list[str]]:
    """The two children's command lines, by name."""
    return {
        "web": _flask("run", "--host", host, "--port", str(port)),
        "worker": _flask("worker", "--interval", f"{interval:g}"),
    }


def child_environment(host: str, port: int, base: dict[str, str]) -> dict[str, str]:
    """The environment of both children: FLASK_RUN_HOST/PORT say where the server is."""
    return {**base, "FLASK_RUN_HOST": host, "FLASK_RUN_PORT": str(port)}


def _stop(children: dict[str, subprocess.Popen[bytes]]) -> None:
    """SIGINT to those still running, then SIGTERM, then SIGKILL, a grace period apart."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        running = [child for child in children.values() if child.poll() is None]
        if not running:
            return
        for child in running:
            child.send_signal(sig)
        deadline = time.monotonic() + GRACE_SECONDS
        for child in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(0.0, deadline - time.monotonic()))


def run(host: str, port: int, interval: float) -> int:
    """Run both children until Ctrl-C, SIGTERM or the end of one; the exit status."""
    stop = threading.Event()

    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    env = child_environment(host, port, dict(os.environ))
    children: dict[str, subprocess.Popen[bytes]] = {}
    status = 0
    try:
        for name, command in commands(host, port, interval).items():
            children[name] = subprocess.Popen(command, env=env)  # noqa: S603
        print(
            f"Serving on http://{host}:{port}/ with a worker beside it "
            f"(web pid {children['web'].pid}, worker pid {children['worker'].pid}); "
            "Ctrl-C stops both.",
            flush=True,
        )
        while not stop.wait(0.2):
            ended = [(name, c.returncode) for name, c in children.items() if c.poll() is not None]
            if ended:
                name, status = ended[0]
                print(f"The {name} process ended (status {status}); stopping the other.")
                break
    finally:
        _stop(children)
        for sig, old in previous.items():
            signal.signal(sig, old)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The web server and a worker, together.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--interval", type=float, default=5.0, help="Seconds between rounds.")
    options = parser.parse_args(argv)
    return run(options.host, options.port, options.interval)


if __name__ == "__main__":
    sys.exit(main())
