"""gunicorn's settings for Mutuality (gunicorn reads ./gunicorn.conf.py by default; the
README's production command names it).

Two checks before any worker starts. Every setting parses (config.load_config): a bad
value stops gunicorn with "Error: <the setting and what it accepts>" (exit status 1). In
production, several workers without REDIS_URL would each count failed sign-ins on their
own, multiplying every limit; gunicorn stops with config.check_shared_throttle's message
instead (exit status 1), unless ALLOW_PER_PROCESS_THROTTLE=1. `server.cfg.workers` is
gunicorn's final count: -w, WEB_CONCURRENCY or a config file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from app.reports.warm import ready_worker
from config import check_shared_throttle, load_config


def on_starting(server: Any) -> None:
    # Every setting is read once before any worker starts: a bad value (MAIL_PORT=abc)
    # stops the server with one line naming it, not with each worker's traceback.
    load_config()
    if os.environ.get("MUTUALITY_CONFIG") == "production":
        check_shared_throttle(server.cfg.workers, os.environ)


def post_worker_init(worker: Any) -> None:
    """Before a worker's first request (app.reports.warm.ready_worker)."""
    ready_worker(worker.wsgi)
