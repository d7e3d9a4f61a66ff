"""TestForge on the real-application corpus: what a new user gets with a URL and credentials.

    .venv/bin/python benchmarks/realapps.py [--apps roundup,trac,...] [--out DIR]

Per application (tests/realapps/corpus), old version then new: discovery (pages, templates,
elements, forms, wall time, pages per second, whether the app's data changed), generation
(tests), the suite on the old version in two random orders (pass rate, flaky) and a sample of
its tests alone, the same suite on the new version (passed, failed by kind, healed, heal
requests, each heal judged against tests/realapps/judgements.json, i.e. docs/realapps.md).
Prints a table per app; the last line is one JSON object with every figure per app and the
corpus totals (own-version pass rate, flaky, false heals, data changes, median seconds per
generated test, pages per second).
"""

# ruff: noqa: E402, PTH100, PTH120
# benchmarks/operator.py shadows the standard library's `operator` for scripts run from this
# folder: drop the folder from the path first, with os.path only (pathlib imports `operator`).
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from tests.realapps.corpus import corpus
from tests.realapps.harness import AppFigures, Measurement


def _print(figures: AppFigures) -> None:
    f = figures
    print(f"\n== {f.app} {f.old} -> {f.new}{' (control)' if f.control else ''}")
    print(
        f"discovery: {f.pages} pages ({f.templates} templates), {f.elements} elements, "
        f"{f.forms} forms in {f.discovery_s} s ({f.pages_per_second} pages/s); "
        f"data changed: {f.data_changed_by_discovery or 'no'}"
    )
    print(f"generated: {f.tests} tests")
    for n, run in enumerate(f.old_runs, 1):
        print(
            f"old, order {n}: {run.passed}/{run.total} passed, {run.flaky} flaky, "
            f"{run.failed} failed {run.failed_by_kind or ''} in {run.seconds} s"
        )
        for failure in run.failures:
            print(f"    {failure}")
    alone_failed = [n for n, v in f.alone.items() if v != "passed"]
    print(f"alone: {len(f.alone) - len(alone_failed)}/{len(f.alone)} passed {alone_failed or ''}")
    if f.new_run:
        r = f.new_run
        print(
            f"new: {r.passed}/{r.total} passed ({r.healed} healed), {r.failed} failed "
            f"{r.failed_by_kind or ''}; {f.heal_requests} heal requests"
        )
        for failure in r.failures:
            print(f"    {failure}")
    for heal in f.heals:
        print(
            f"    heal {heal.key}: {heal.broken} -> {heal.chosen} ({heal.confidence}, "
            f"{heal.decision}) judged {heal.judged} {heal.note}"
        )
    print(f"data changed by the suite: {f.data_changed_by_suite or 'no'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", help="comma-separated app names (default: the whole corpus)")
    parser.add_argument("--out", type=Path, help="keep every artifact here (default: a temp dir)")
    parser.add_argument("--alone", type=int, default=5, help="tests sampled to run alone")
    args = parser.parse_args()
    apps = corpus()
    names = args.apps.split(",") if args.apps else list(apps)
    out = args.out or Path(tempfile.mkdtemp(prefix="testforge-realapps-"))
    results: dict[str, dict[str, object]] = {}
    every: list[AppFigures] = []
    failed: dict[str, str] = {}
    for name in names:
        try:
            figures = Measurement(apps[name], out / name, alone=args.alone).run()
        except Exception as exc:  # one app's failure is a figure too; the others still run
            failed[name] = f"{type(exc).__name__}: {str(exc).strip()[:500]}"
            print(f"\n== {name}: FAILED {failed[name]}")
            continue
        _print(figures)
        every.append(figures)
        results[name] = figures.to_json()
    medians = [r.median_test_s for f in every for r in f.old_runs if r.median_test_s]
    totals = {
        "own_pass_rate": round(
            sum(r.passed for f in every for r in f.old_runs)
            / max(1, sum(r.total for f in every for r in f.old_runs)),
            4,
        ),
        "flaky": sum(r.flaky for f in every for r in f.old_runs),
        "false_heals": sum(f.false_heals for f in every),
        "unjudged_heals": sum(h.judged == "unjudged" for f in every for h in f.heals),
        "data_changes": sum(bool(f.data_changed_by_discovery) for f in every),
        "median_test_s": round(statistics.median(medians), 2) if medians else None,
        "pages_per_second": round(
            sum(f.pages for f in every) / max(0.001, sum(f.discovery_s for f in every)), 3
        ),
        "failed_apps": failed,
        "control_new_failures_and_heals": [
            (f.new_run.failed if f.new_run else None, len(f.heals)) for f in every if f.control
        ],
    }
    print(f"\nartifacts: {out}")
    print(json.dumps({"apps": results, "corpus": totals}))


if __name__ == "__main__":
    main()
