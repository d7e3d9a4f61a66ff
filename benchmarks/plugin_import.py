"""What every generated suite's worker pays before its first test: importing the pytest plugin.

    .venv/bin/python benchmarks/plugin_import.py [--repeats N]

Each repeat starts a fresh interpreter, imports what every browser-test worker loads whatever
the plugin does (pytest, its host, and Playwright's sync API, the tests' own), then times the
import of `testforge.runtime.plugin` and counts the modules it added: the plugin's own cost,
which the 0.3 s target is about. It also reports the whole cold import (pytest and Playwright
included), and any heavy dependency that has no business in a test worker (an LLM SDK, the
Qdrant client, a designer). The last line is one JSON object: {"median_s": ..., "min_s": ...,
"cold_median_s": ..., "project_modules": ..., "modules": ..., "heavy": [...]}.
"""

# ruff: noqa: PTH100, PTH120
# benchmarks/operator.py shadows the standard library's `operator` for scripts run from this
# folder: drop the folder from the path first, with os.path only (pathlib imports `operator`).
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402

HEAVY = ("anthropic", "qdrant_client", "testforge.design")  # an LLM SDK, Qdrant, a designer
PROBE = f"""
import json, sys, time
cold = time.perf_counter()
import pytest, playwright.sync_api
before = set(sys.modules)
started = time.perf_counter()
import testforge.runtime.plugin
seconds = time.perf_counter() - started
total = time.perf_counter() - cold
loaded = set(sys.modules) - before
heavy = sorted(m for m in loaded if m.split(".")[0] in {HEAVY!r} or m.startswith({HEAVY!r}))
print(json.dumps({{
    "seconds": seconds,
    "total": total,
    "modules": len(loaded),
    "project_modules": sum(m.split(".")[0] == "testforge" for m in loaded),
    "heavy": heavy,
}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    root = os.path.dirname(_HERE)
    runs = []
    for _ in range(args.repeats):
        done = subprocess.run(
            [sys.executable, "-c", PROBE], cwd=root, capture_output=True, text=True, check=True
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    times = [r["seconds"] for r in runs]
    cold = [r["total"] for r in runs]
    last = runs[-1]
    print(
        f"plugin import (over pytest and Playwright): median {statistics.median(times):.3f} s, "
        f"min {min(times):.3f} s over {len(times)} fresh interpreters"
    )
    print(f"with pytest and Playwright, cold: median {statistics.median(cold):.3f} s")
    print(f"modules loaded: {last['modules']} ({last['project_modules']} of testforge)")
    print(f"heavy dependencies loaded: {', '.join(last['heavy']) or 'none'}")
    print(
        json.dumps(
            {
                "median_s": round(statistics.median(times), 3),
                "min_s": round(min(times), 3),
                "cold_median_s": round(statistics.median(cold), 3),
                "project_modules": last["project_modules"],
                "modules": last["modules"],
                "heavy": last["heavy"],
            }
        )
    )


if __name__ == "__main__":
    main()
