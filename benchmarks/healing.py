"""Healing benchmark: run the engine on a Similo-format dataset; the JSON object is the last line.

python benchmarks/healing.py [DATASET]                 summary, miss table, JSON
python benchmarks/healing.py [DATASET] --cross-validate   + leave-apps-out figures
python benchmarks/healing.py [DATASET] --fit              refit the model constants
"""

# ruff: noqa: E402, PTH100, PTH120
# benchmarks/operator.py shadows the standard library's `operator` for every script run from this
# folder: drop the folder from the path first, with os.path only (pathlib imports `operator`).
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from testforge.healing.benchmark import (
    TargetOutcome,
    cross_validate,
    is_labelled,
    run_benchmark,
    training_examples,
)
from testforge.healing.misses import classify_misses, tally
from testforge.healing.similo import load_dataset
from testforge.healing.training import app_folds, fit_model

DEFAULT_DATASET = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "similo-dev"


def _line(name: str, outcomes: Sequence[TargetOutcome]) -> str:
    correct = sum(1 for o in outcomes if o.correct)
    auto = [o for o in outcomes if o.auto_applied]
    auto_ok = sum(1 for o in auto if o.correct)
    return (
        f"{name:<28} top-1 {correct}/{len(outcomes)} = {correct / len(outcomes):.1%}   "
        f"auto-applied {len(auto)} ({len(auto) / len(outcomes):.1%} coverage), "
        f"precision {auto_ok / max(1, len(auto)):.1%}"
    )


def _cross_validation(dataset: Path, l2: float) -> None:
    apps = load_dataset(dataset)
    names = [a.name for a in apps]
    halves = app_folds(names, 2)
    first = cross_validate(apps, [halves[0]], l2)
    second = cross_validate(apps, [halves[1]], l2)
    print("leave-apps-out (weights and calibration refitted without the evaluated apps)")
    print(_line("  fit B, evaluate A (10)", first))
    print(_line("  fit A, evaluate B (10)", second))
    print(_line("  two folds combined", first + second))
    print(_line("  leave-one-app-out", cross_validate(apps, app_folds(names), l2)))


def _fit(dataset: Path, l2: float) -> None:
    model = fit_model(training_examples(load_dataset(dataset)), l2)
    weights = ",\n".join(f'        "{k}": {v:.3f}' for k, v in model.weights.items())
    cal = model.calibration
    print(f"weights={{\n{weights},\n    }},")
    print(f"calibration=Calibration(intercept={cal.intercept:.3f}, slope={cal.slope:.3f}),")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", nargs="?", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--cross-validate", action="store_true")
    parser.add_argument("--fit", action="store_true", help="print refitted model constants")
    parser.add_argument("--l2", type=float, default=0.03, help="weight prior for --fit / CV")
    args = parser.parse_args(argv)

    if args.fit:
        _fit(args.dataset, args.l2)
        return 0
    report = run_benchmark(args.dataset)
    overall = report["overall"]
    print(f"dataset {args.dataset}: {overall['targets']} targets")
    for app, figures in report["per_app"].items():
        correct = "-" if figures["correct"] is None else figures["correct"]
        print(f"  {app:<14} {correct}/{figures['targets']}")
    if overall["accuracy"] is not None:
        auto, auto_ok = overall["auto_applied"], overall["auto_applied_correct"]
        print(
            f"top-1 accuracy {overall['accuracy']:.1%} ({overall['correct']}/{overall['targets']})"
        )
        print(
            f"auto-applied {auto} ({auto / overall['targets']:.1%} coverage), "
            f"precision {auto_ok / max(1, auto):.1%}"
        )
        apps = load_dataset(args.dataset)
        if is_labelled(apps):
            misses = classify_misses(apps, report["choices"])
            print("misses by category:")
            for category, count in tally(misses).items():
                print(f"  {category.value:<20} {count}")
            for miss in misses:
                print(f"    {miss.app}/{miss.target}: {miss.category.value}")
    print(f"per-target time: median {overall['ms_median']} ms, p95 {overall['ms_p95']} ms")
    if args.cross_validate:
        _cross_validation(args.dataset, args.l2)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
