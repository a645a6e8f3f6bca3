"""Report pages in a real browser: time to usable from a cold cache, against 1 s (issue #13).

Runs tests/e2e/test_report_load.py (headless Debian Chromium, the demo organisation of
`make run`, the HTTP cache emptied before each visit; see that module) with the budget
switched on, then prints the figures it wrote to bench/out/page_load.json.

    .venv/bin/python bench/bench_page_load.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "page_load.json"
BUDGET_MS = 1000.0


def main() -> int:
    test = (
        "tests/e2e/test_report_load.py::test_every_report_page_draws_its_charts_from_a_cold_cache"
    )
    env = {**os.environ, "MUTUALITY_PAGE_LOAD_BUDGET": "1", "MUTUALITY_REQUIRE_BROWSER": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test], cwd=ROOT, env=env
    )
    if OUT.exists():
        figures = json.loads(OUT.read_text())
        print(f"\n{'page':<12} {'usable (ms)':>12} {'all drawn (ms)':>15}  budget  result")
        for name, found in figures.items():
            ok = "PASS" if found["usable"] < BUDGET_MS else "FAIL"
            drawn = round(found.get("all_drawn") or 0)
            print(f"{name:<12} {found['usable']:>12.0f} {drawn!s:>15}  < {BUDGET_MS:.0f}  {ok}")
    print("bench_page_load:", "PASS" if run.returncode == 0 else "FAIL")
    return 0 if run.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
