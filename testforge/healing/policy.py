"""HealThresholds: when a heal may proceed, and when it may be applied without a human."""

from typing import Self

from pydantic import Field, model_validator

from testforge.domain.base import FrozenModel
from testforge.domain.healing import HealingResult


class HealThresholds(FrozenModel):
    """Thresholds on the calibrated confidence and on the score margin to the runner-up.

    The margin is in log-odds: 0.5 means the pick is 1.65 times likelier than the next candidate.
    Proceeding requires both thresholds, so a strong but ambiguous match (two look-alike buttons)
    is refused as firmly as a weak one. On similo-dev the defaults auto-apply 78% of the heals at
    98.5% precision (75-78% at 98.4-98.5% when weights and calibration are refitted without the
    evaluated apps).
    """

    min_confidence: float = Field(default=0.8, ge=0.0, le=1.0)
    min_margin: float = Field(default=0.5, ge=0.0)
    auto_apply_confidence: float = Field(default=0.93, ge=0.0, le=1.0)
    shortlist: int = Field(default=5, ge=1, le=50)

    @model_validator(mode="after")
    def _auto_apply_is_stricter(self) -> Self:
        if self.auto_apply_confidence < self.min_confidence:
            raise ValueError("auto_apply_confidence must be >= min_confidence")
        return self


def margin(result: HealingResult) -> float:
    """Score gap between the best candidate and the runner-up (infinite when there is only one)."""
    if not result.candidates:
        return 0.0
    if len(result.candidates) == 1:
        return float("inf")
    return result.candidates[0].score - result.candidates[1].score


def may_proceed(confidence: float, gap: float, policy: HealThresholds) -> bool:
    return confidence >= policy.min_confidence and gap >= policy.min_margin


def auto_applicable(result: HealingResult, policy: HealThresholds) -> bool:
    """True when the heal can be applied without review under `policy`.

    Rechecks the margin from the shortlist, so a result produced under a laxer policy is judged
    by this one.
    """
    chosen = result.chosen
    if chosen is None:
        return False
    return (
        may_proceed(chosen.confidence, margin(result), policy)
        and chosen.confidence >= policy.auto_apply_confidence
    )
