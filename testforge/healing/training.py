"""Offline fitting of the ScoringModel: conditional-logit weights, Platt calibration, app-level CV.

Pure Python (a 15-parameter Newton solver needs no numpy). Every fold boundary is an app, so a
reported figure always comes from apps the fitted constants never saw.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from testforge.domain.fingerprint import ElementFingerprint
from testforge.healing.features import FEATURE_NAMES, compare
from testforge.healing.model import Calibration, ScoringModel, logit, sigmoid
from testforge.healing.page import CandidatePage, view_of

Vector = tuple[float, ...]

# Below this softmax probability a candidate's share of the Hessian is negligible; skipping it
# makes a Newton step cost a few hundred rows per target instead of the whole page.
_NEGLIGIBLE = 1e-7


@dataclass(frozen=True, slots=True)
class TrainingExample:
    """One lost element: a feature vector per candidate and the index of the right one."""

    group: str
    rows: tuple[Vector, ...]
    answer: int


@dataclass(frozen=True, slots=True)
class HeldOut:
    """A held-out prediction: was the top pick right, and the inputs of its confidence."""

    group: str
    correct: bool
    top_logit: float
    margin: float


def example(
    target: ElementFingerprint, page: CandidatePage, answer: int, group: str
) -> TrainingExample:
    columns = compare(view_of(target), page)
    rows = tuple(
        tuple(columns[name].get(i, 0.0) for name in FEATURE_NAMES) for i in range(len(page))
    )
    return TrainingExample(group=group, rows=rows, answer=answer)


def _dot(w: Sequence[float], x: Sequence[float]) -> float:
    return sum(a * b for a, b in zip(w, x, strict=True))


def _softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def _objective(examples: Sequence[TrainingExample], w: Sequence[float], l2: float) -> float:
    total = 0.0
    for ex in examples:
        scores = [_dot(w, row) for row in ex.rows]
        top = max(scores)
        total += top + math.log(sum(math.exp(s - top) for s in scores)) - scores[ex.answer]
    return total / len(examples) + 0.5 * l2 * sum(x * x for x in w)


def _solve(matrix: list[list[float]], rhs: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the matrix is small and positive definite)."""
    n = len(rhs)
    a = [[*row, b] for row, b in zip(matrix, rhs, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, n):
            factor = a[r][col] / a[col][col]
            if factor:
                for c in range(col, n + 1):
                    a[r][c] -= factor * a[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (a[r][n] - sum(a[r][c] * x[c] for c in range(r + 1, n))) / a[r][r]
    return x


def fit_weights(
    examples: Sequence[TrainingExample], l2: float = 0.03, iterations: int = 30
) -> dict[str, float]:
    """Maximum-likelihood conditional logit with an L2 prior, by damped Newton steps."""
    if not examples:
        raise ValueError("no training examples")
    dim = len(FEATURE_NAMES)
    w = [0.0] * dim
    current = _objective(examples, w, l2)
    for _ in range(iterations):
        grad = [l2 * x for x in w]
        hess = [[l2 if r == c else 0.0 for c in range(dim)] for r in range(dim)]
        scale = 1.0 / len(examples)
        for ex in examples:
            probs = _softmax([_dot(w, row) for row in ex.rows])
            mean = [0.0] * dim
            live = [(p, row) for p, row in zip(probs, ex.rows, strict=True) if p > _NEGLIGIBLE]
            for p, row in live:
                for k in range(dim):
                    mean[k] += p * row[k]
            answer = ex.rows[ex.answer]
            for k in range(dim):
                grad[k] += scale * (mean[k] - answer[k])
            for p, row in live:
                centred = [row[k] - mean[k] for k in range(dim)]
                for r in range(dim):
                    pr = scale * p * centred[r]
                    if pr:
                        hess_row = hess[r]
                        for c in range(r, dim):
                            hess_row[c] += pr * centred[c]
        for r in range(dim):
            for c in range(r):
                hess[r][c] = hess[c][r]
        step = _solve(hess, grad)
        size = 1.0
        while size > 1e-4:
            trial = [x - size * d for x, d in zip(w, step, strict=True)]
            value = _objective(examples, trial, l2)
            if value <= current:
                break
            size *= 0.5
        else:
            break
        improvement = current - value
        w, current = trial, value
        if improvement < 1e-9:
            break
    return dict(zip(FEATURE_NAMES, w, strict=True))


def predict(example: TrainingExample, weights: dict[str, float]) -> HeldOut:
    w = [weights.get(name, 0.0) for name in FEATURE_NAMES]
    scores = [_dot(w, row) for row in example.rows]
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    probs = _softmax(scores)
    top = order[0]
    gap = scores[top] - scores[order[1]] if len(order) > 1 else math.inf
    return HeldOut(
        group=example.group,
        correct=top == example.answer,
        top_logit=logit(probs[top]),
        margin=gap,
    )


def fit_calibration(held_out: Iterable[HeldOut], l2: float = 1e-3) -> Calibration:
    """Platt scaling: logistic regression of correctness on the top pick's softmax log-odds."""
    points = [(h.top_logit, 1.0 if h.correct else 0.0) for h in held_out]
    a, b = 0.0, 1.0
    for _ in range(50):
        g0 = -l2 * a
        g1 = -l2 * b
        h00 = h01 = h11 = l2
        for x, y in points:
            p = sigmoid(a + b * x)
            g0 += y - p
            g1 += (y - p) * x
            v = p * (1.0 - p)
            h00 += v
            h01 += v * x
            h11 += v * x * x
        det = h00 * h11 - h01 * h01
        if det <= 0:
            break
        da = (h11 * g0 - h01 * g1) / det
        db = (h00 * g1 - h01 * g0) / det
        a, b = a + da, b + db
        if abs(da) + abs(db) < 1e-10:
            break
    return Calibration(intercept=a, slope=b)


def leave_groups_out(
    examples: Sequence[TrainingExample], folds: Sequence[Sequence[str]], l2: float = 0.03
) -> list[HeldOut]:
    """Fit on every app outside a fold, predict the fold; one prediction per example."""
    held: list[HeldOut] = []
    for fold in folds:
        test = set(fold)
        train = [ex for ex in examples if ex.group not in test]
        weights = fit_weights(train, l2)
        held.extend(predict(ex, weights) for ex in examples if ex.group in test)
    return held


def app_folds(groups: Iterable[str], count: int | None = None) -> list[list[str]]:
    """Split app names into `count` folds by sorted position (None: one fold per app)."""
    names = sorted(set(groups))
    if count is None or count >= len(names):
        return [[name] for name in names]
    return [names[i::count] for i in range(count)]


def fit_model(
    examples: Sequence[TrainingExample], l2: float = 0.03, calibration_folds: int | None = None
) -> ScoringModel:
    """Weights from every example; calibration from predictions on apps left out of the fit."""
    folds = app_folds((ex.group for ex in examples), calibration_folds)
    held = leave_groups_out(examples, folds, l2)
    return ScoringModel(weights=fit_weights(examples, l2), calibration=fit_calibration(held))
