"""The app served to a real browser: werkzeug on a free port of 127.0.0.1, from a daemon
thread, for the live-server fixture of tests/conftest.py and for docs/screenshots.py (which
imports this module)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask import Flask
from werkzeug.serving import make_server


@dataclass(frozen=True)
class LiveServer:
    """Where the server listens, and how to start it (once the data it serves is in)."""

    base_url: str
    start: Callable[[], None]


@contextlib.contextmanager
def serving(app: Flask, name: str) -> Iterator[LiveServer]:
    """`app` bound to a free port, served from the thread `name` once started; on exit the
    server is shut down (if it was started) and its socket closed."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
    )
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", thread.start)
    finally:
        if thread.is_alive():
            server.shutdown()
            thread.join(timeout=10)
        server.server_close()
