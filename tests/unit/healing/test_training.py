"""Trainer: conditional-logit weights, Platt calibration and app folds."""

import random

import pytest

from testforge.healing.features import FEATURE_NAMES
from testforge.healing.training import (
    HeldOut,
    TrainingExample,
    app_folds,
    fit_calibration,
    fit_model,
    fit_weights,
    leave_groups_out,
    predict,
)

TEXT = FEATURE_NAMES.index("text")
XPATH = FEATURE_NAMES.index("xpath")


def synthetic(count: int, seed: int = 0) -> list[TrainingExample]:
    """Text decides (the answer always matches, one decoy in four does); xpath is noise."""
    rng = random.Random(seed)
    examples = []
    for n in range(count):
        rows = []
        answer = rng.randrange(6)
        for i in range(6):
            row = [0.0] * len(FEATURE_NAMES)
            row[TEXT] = 1.0 if i == answer or rng.random() < 0.25 else 0.0
            row[XPATH] = rng.random()
            rows.append(tuple(row))
        examples.append(TrainingExample(group=f"app{n % 4}", rows=tuple(rows), answer=answer))
    return examples


def test_learns_that_the_decisive_feature_matters_most() -> None:
    weights = fit_weights(synthetic(80), l2=0.01)
    assert weights["text"] > 1.0
    assert abs(weights["xpath"]) < weights["text"] / 3
    assert set(weights) == set(FEATURE_NAMES)


def test_stronger_prior_shrinks_the_weights() -> None:
    examples = synthetic(80)
    assert fit_weights(examples, l2=1.0)["text"] < fit_weights(examples, l2=0.01)["text"]


def test_predict_reports_the_top_pick_and_its_margin() -> None:
    row = [0.0] * len(FEATURE_NAMES)
    good = list(row)
    good[TEXT] = 1.0
    example = TrainingExample(group="a", rows=(tuple(row), tuple(good)), answer=1)
    held = predict(example, {"text": 2.0})
    assert held.correct
    assert held.margin == 2.0
    assert held.top_logit == pytest.approx(2.0)


def test_calibration_slope_follows_the_evidence() -> None:
    points = [HeldOut("a", correct=x > 0, top_logit=x, margin=1.0) for x in (-3, -2, -1, 1, 2, 3)]
    points += [HeldOut("a", correct=False, top_logit=2.5, margin=1.0)]
    calibration = fit_calibration(points)
    assert calibration.slope > 0
    assert calibration.confidence(0.95) > calibration.confidence(0.5) > calibration.confidence(0.05)


def test_app_folds_never_split_an_app() -> None:
    assert app_folds(["b", "a", "c", "a"]) == [["a"], ["b"], ["c"]]
    assert app_folds(["a", "b", "c", "d"], 2) == [["a", "c"], ["b", "d"]]


def test_leave_groups_out_predicts_every_example_once() -> None:
    examples = synthetic(40)
    held = leave_groups_out(examples, app_folds(ex.group for ex in examples), l2=0.03)
    assert len(held) == len(examples)
    assert sorted(h.group for h in held) == sorted(ex.group for ex in examples)
    assert sum(h.correct for h in held) > 20


def test_fit_model_yields_a_usable_scoring_model() -> None:
    model = fit_model(synthetic(40), l2=0.03, calibration_folds=2)
    assert model.weights["text"] > 0
    assert 0.0 < model.calibration.confidence(0.9) < 1.0
