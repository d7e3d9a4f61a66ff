"""ScoringModel: feature weights and confidence calibration, the engine's only learned constants.

Weights are a conditional-logit (softmax over the candidates of a page) fitted by
`testforge.healing.training` on the similo-dev benchmark; the score of a candidate is therefore
a log-odds: exp(score difference) is how much likelier one candidate is than another. The
calibration is Platt scaling of the top candidate's softmax probability, fitted on
leave-one-app-out predictions so it reflects apps the weights never saw.
"""

import math

from pydantic import Field, field_validator

from testforge.domain.base import FrozenModel
from testforge.healing.features import FEATURE_NAMES

_EPS = 1e-9


def logit(p: float) -> float:
    p = min(max(p, _EPS), 1.0 - _EPS)
    return math.log(p / (1.0 - p))


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class Calibration(FrozenModel):
    """P(pick is right) = sigmoid(intercept + slope * logit(softmax probability of the pick))."""

    intercept: float = 0.0
    slope: float = 1.0

    def confidence(self, top_probability: float) -> float:
        return sigmoid(self.intercept + self.slope * logit(top_probability))


class ScoringModel(FrozenModel):
    weights: dict[str, float]
    calibration: Calibration = Field(default_factory=Calibration)
    # Learned change patterns arrive as probabilities; their log-odds add to the score with this
    # weight (1 = trust them as much as an independent piece of evidence).
    semantic_weight: float = Field(default=1.0, ge=0.0)

    @field_validator("weights")
    @classmethod
    def _known_features(cls, weights: dict[str, float]) -> dict[str, float]:
        unknown = set(weights) - set(FEATURE_NAMES)
        if unknown:
            raise ValueError(f"unknown features: {sorted(unknown)}")
        return weights


# Fitted by `python benchmarks/healing.py --fit` (l2 = 0.03) on the 20 apps of similo-dev.
DEFAULT_MODEL = ScoringModel(
    weights={
        "identity": 0.846,
        "classes": 0.877,
        "href": 0.550,
        "identifiers": 1.834,
        "text": 2.151,
        "text_shape": 1.992,
        "text_presence": 0.444,
        "neighbors": 0.615,
        "xpath": 1.230,
        "id_xpath": 1.390,
        "region": 1.403,
        "position": 0.670,
        "size": 0.455,
        "shape": 0.504,
        "overlap": 0.207,
    },
    calibration=Calibration(intercept=2.767, slope=0.864),
)
