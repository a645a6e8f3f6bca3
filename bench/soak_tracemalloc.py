"""tracemalloc in the processes of `bench_soak.py --tracemalloc` (not a benchmark).

- As gunicorn's settings (`gunicorn -c bench/soak_tracemalloc.py`): the production settings
  of ./gunicorn.conf.py, and each worker starts tracing once the app is loaded.
- As a script (`python bench/soak_tracemalloc.py worker --interval 2`): `flask --app app`
  with those arguments, traced from the start.

A traced process writes a snapshot of its allocations on SIGUSR2 (after a full collection,
so garbage does not count as growth) to $BENCH_SOAK_TRACE_DIR/proc-<pid>-<n>.tracemalloc.
bench_soak.py sends the signal at the end of the warm-up and at the end of the run, and
compares the two snapshots of each process. gunicorn resets SIGUSR2 in its workers before
`post_worker_init`, so the handler set there stays.
"""

from __future__ import annotations

import gc
import os
import runpy
import signal
import sys
import tracemalloc
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FRAMES = 12  # enough to see which of our functions is behind a library's allocation


def trace_until_signalled() -> None:
    """Start tracing; each SIGUSR2 writes the next snapshot."""
    out = Path(os.environ["BENCH_SOAK_TRACE_DIR"])
    taken = 0

    def dump(_signum: int, _frame: FrameType | None) -> None:
        nonlocal taken
        taken += 1
        gc.collect()
        path = out / f"proc-{os.getpid()}-{taken}.tracemalloc"
        tracemalloc.take_snapshot().dump(f"{path}.part")
        os.replace(f"{path}.part", path)  # the benchmark waits for the complete file

    tracemalloc.start(FRAMES)
    signal.signal(signal.SIGUSR2, dump)


def post_worker_init(worker: Any) -> None:
    trace_until_signalled()


if __name__ == "__main__":
    from flask.cli import main

    trace_until_signalled()
    sys.argv = ["flask", "--app", "app", *sys.argv[1:]]
    main()
else:
    # -c replaces ./gunicorn.conf.py: take its settings and hooks (its production checks).
    globals().update(
        (name, value)
        for name, value in runpy.run_path(str(ROOT / "gunicorn.conf.py")).items()
        if not name.startswith("_") and name != "post_worker_init"
    )
