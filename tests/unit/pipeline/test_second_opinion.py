"""The re-ranker as a tie-breaker: it may continue a test, never auto-apply a heal."""

from testforge.domain.fingerprint import ElementFingerprint
from testforge.domain.healing import HealingCandidate, HealingResult, HealingStrategy
from testforge.healing.engine import HealingEngine
from testforge.healing.policy import HealThresholds, auto_applicable
from testforge.llm.rerank import RerankDecision
from testforge.runtime.healer import PageHealer

TARGET = ElementFingerprint(tag="button", text="Save")


def candidate(text: str, confidence: float) -> HealingCandidate:
    return HealingCandidate(
        fingerprint=ElementFingerprint(tag="button", text=text),
        score=confidence,
        confidence=confidence,
        strategy=HealingStrategy.TEXT,
    )


class PicksSecond:
    def __init__(self) -> None:
        self.asked = 0

    def choose(
        self, target: ElementFingerprint, candidates: list[HealingCandidate], k: int
    ) -> RerankDecision:
        self.asked += 1
        return RerankDecision(
            candidate=candidates[1], index=1, reason="same label", provider="claude", model="m"
        )


def unsure(*confidences: float) -> HealingResult:
    return HealingResult(
        key="form.save",
        reason="no confident match",
        candidates=[candidate(f"Save {n}", c) for n, c in enumerate(confidences)],
    )


def test_close_candidates_get_a_second_opinion_that_is_never_auto_applied() -> None:
    opinion = PicksSecond()
    healer = PageHealer(HealingEngine(), second_opinion=opinion)
    result = healer._ask_second_opinion(TARGET, unsure(0.55, 0.5))
    assert result.chosen is not None and result.chosen.fingerprint.text == "Save 1"
    assert result.chosen.strategy is HealingStrategy.LLM
    assert result.reason == "chosen by claude (m): same label"
    assert not auto_applicable(result, HealThresholds())


def test_without_evidence_the_re_ranker_is_not_asked_to_guess() -> None:
    opinion = PicksSecond()
    healer = PageHealer(HealingEngine(), second_opinion=opinion)
    result = healer._ask_second_opinion(TARGET, unsure(0.1, 0.05))
    assert result.chosen is None and opinion.asked == 0


def test_without_a_re_ranker_the_refusal_stands() -> None:
    result = PageHealer(HealingEngine())._ask_second_opinion(TARGET, unsure(0.55, 0.5))
    assert result.chosen is None
