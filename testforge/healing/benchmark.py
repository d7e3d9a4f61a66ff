"""Healing benchmark on a Similo-format dataset: per-target picks, auto-apply decisions, timings.

`run_benchmark` is the single entry point of `testforge bench healing`; it scores against
`widget_id` only when every target carries one, and reports null figures otherwise. The
leave-apps-out evaluation (`cross_validate`) refits the model without the held-out apps and runs
them through the same engine code.
"""

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from testforge.domain.healing import HealingResult
from testforge.healing.engine import HealingEngine
from testforge.healing.page import CandidatePage
from testforge.healing.policy import auto_applicable
from testforge.healing.similo import SimiloApp, load_dataset
from testforge.healing.training import TrainingExample, example, fit_model


@dataclass(frozen=True, slots=True)
class TargetOutcome:
    """What the engine did for one target (the answer key is used only to fill `correct`)."""

    app: str
    target: str
    choice: str | None
    auto_applied: bool
    correct: bool | None
    elapsed_ms: float
    result: HealingResult


def _answer(app: SimiloApp, widget_id: str | None) -> set[str]:
    if widget_id is None:
        return set()
    return {c.file for c in app.candidates if c.widget_id == widget_id}


def is_labelled(apps: Sequence[SimiloApp]) -> bool:
    return all(t.widget_id is not None for app in apps for t in app.targets)


def evaluate(apps: Sequence[SimiloApp], engine: HealingEngine) -> list[TargetOutcome]:
    """Heal every target of every app; all targets of an app share one candidate page."""
    labelled = is_labelled(apps)
    outcomes: list[TargetOutcome] = []
    for app in apps:
        fingerprints = [c.fingerprint for c in app.candidates]
        for target in app.targets:
            started = time.perf_counter()
            result = engine.heal(target.file, target.fingerprint, fingerprints)
            elapsed = (time.perf_counter() - started) * 1000.0
            top = result.candidates[0] if result.candidates else None
            choice = app.candidates[top.index].file if top is not None else None
            outcomes.append(
                TargetOutcome(
                    app=app.name,
                    target=target.file,
                    choice=choice,
                    auto_applied=auto_applicable(result, engine.policy),
                    correct=(choice in _answer(app, target.widget_id)) if labelled else None,
                    elapsed_ms=elapsed,
                    result=result,
                )
            )
    return outcomes


def _percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[rank]


def summarise(outcomes: Sequence[TargetOutcome], labelled: bool) -> dict[str, Any]:
    """The benchmark JSON: choices, confident flags, overall and per-app figures."""
    choices: dict[str, dict[str, str | None]] = {}
    confident: dict[str, dict[str, bool]] = {}
    per_app: dict[str, dict[str, int | None]] = {}
    for o in outcomes:
        choices.setdefault(o.app, {})[o.target] = o.choice
        confident.setdefault(o.app, {})[o.target] = o.auto_applied
        app = per_app.setdefault(o.app, {"targets": 0, "correct": 0 if labelled else None})
        app["targets"] = (app["targets"] or 0) + 1
        if labelled and o.correct:
            app["correct"] = (app["correct"] or 0) + 1
    targets = len(outcomes)
    correct = sum(1 for o in outcomes if o.correct) if labelled else None
    auto = [o for o in outcomes if o.auto_applied]
    times = [o.elapsed_ms for o in outcomes]
    return {
        "choices": choices,
        "confident": confident,
        "overall": {
            "targets": targets,
            "correct": correct,
            "accuracy": round(correct / targets, 4) if correct is not None and targets else None,
            "auto_applied": len(auto),
            "auto_applied_correct": sum(1 for o in auto if o.correct) if labelled else None,
            "ms_median": round(statistics.median(times), 3) if times else 0.0,
            "ms_p95": round(_percentile(times, 0.95), 3),
        },
        "per_app": per_app,
    }


def run_benchmark(dataset: Path, engine: HealingEngine | None = None) -> dict[str, Any]:
    """Run the engine on every target of a Similo-format dataset; see the module docstring."""
    apps = load_dataset(dataset)
    return summarise(evaluate(apps, engine or HealingEngine()), is_labelled(apps))


def training_examples(apps: Sequence[SimiloApp]) -> list[TrainingExample]:
    """Labelled examples for the trainer; targets without a findable answer are skipped."""
    examples: list[TrainingExample] = []
    for app in apps:
        page = CandidatePage.of([c.fingerprint for c in app.candidates])
        for target in app.targets:
            answers = [
                i
                for i, c in enumerate(app.candidates)
                if target.widget_id is not None and c.widget_id == target.widget_id
            ]
            if answers:
                examples.append(example(target.fingerprint, page, answers[0], app.name))
    return examples


def cross_validate(
    apps: Sequence[SimiloApp],
    folds: Sequence[Sequence[str]],
    l2: float = 0.03,
    calibration_folds: int | None = 5,
) -> list[TargetOutcome]:
    """Leave-apps-out: for each fold, fit weights and calibration on the other apps only."""
    examples = training_examples(apps)
    outcomes: list[TargetOutcome] = []
    for fold in folds:
        held_out = set(fold)
        train = [ex for ex in examples if ex.group not in held_out]
        model = fit_model(train, l2, calibration_folds)
        engine = HealingEngine(model=model)
        outcomes.extend(evaluate([a for a in apps if a.name in held_out], engine))
    return outcomes
