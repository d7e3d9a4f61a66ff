"""HealThresholds: proceed and auto-apply thresholds."""

import pytest
from pydantic import ValidationError

from testforge.domain.fingerprint import ElementFingerprint
from testforge.domain.healing import HealingCandidate, HealingResult, HealingStrategy
from testforge.healing.policy import HealThresholds, auto_applicable, margin


def candidate(score: float, confidence: float) -> HealingCandidate:
    return HealingCandidate(
        fingerprint=ElementFingerprint(tag="button"),
        score=score,
        confidence=confidence,
        strategy=HealingStrategy.TEXT,
    )


def result(*candidates: HealingCandidate, chosen: bool = True) -> HealingResult:
    return HealingResult(
        key="k",
        candidates=list(candidates),
        chosen=candidates[0] if chosen and candidates else None,
        reason="test",
    )


def test_auto_applies_a_confident_unambiguous_heal() -> None:
    assert auto_applicable(result(candidate(9.0, 0.99), candidate(3.0, 0.01)), HealThresholds())


def test_never_auto_applies_without_a_chosen_candidate() -> None:
    heal = result(candidate(9.0, 0.99), candidate(3.0, 0.01), chosen=False)
    assert not auto_applicable(heal, HealThresholds())


def test_does_not_auto_apply_below_the_threshold() -> None:
    policy = HealThresholds(auto_apply_confidence=0.95)
    assert not auto_applicable(result(candidate(9.0, 0.94), candidate(3.0, 0.01)), policy)


def test_rechecks_the_margin_of_a_result_made_under_a_laxer_policy() -> None:
    close = result(candidate(5.0, 0.99), candidate(4.9, 0.2))
    assert not auto_applicable(close, HealThresholds(min_margin=0.5))
    assert auto_applicable(close, HealThresholds(min_margin=0.05))


def test_margin_of_a_single_candidate_is_unbounded() -> None:
    assert margin(result(candidate(1.0, 0.99))) == float("inf")
    assert margin(result()) == 0.0


def test_auto_apply_threshold_cannot_be_laxer_than_proceeding() -> None:
    with pytest.raises(ValidationError):
        HealThresholds(min_confidence=0.9, auto_apply_confidence=0.8)
