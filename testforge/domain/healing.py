"""Healing: ranked candidates for a lost element, the engine's verdict, the reviewable request."""

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from testforge.domain.base import DomainModel, FrozenModel
from testforge.domain.fingerprint import ElementFingerprint
from testforge.domain.locators import LocatorLadder
from testforge.domain.review import ReviewRequest


class HealingStrategy(StrEnum):
    """Which evidence found a candidate. LADDER means a lower rung of the ladder still resolved."""

    LADDER = "ladder"
    ATTRIBUTE = "attribute"
    TEXT = "text"
    RELATIVE = "relative"
    VISUAL = "visual"
    SEMANTIC = "semantic"
    LLM = "llm"


class Evidence(FrozenModel):
    """How one property of the candidate compared with the fingerprint (similarity in [0, 1])."""

    property: str
    strategy: HealingStrategy
    similarity: float
    weight: float
    expected: str | None = None
    found: str | None = None


class HealingCandidate(DomainModel):
    fingerprint: ElementFingerprint
    score: float
    confidence: float = Field(ge=0.0, le=1.0)
    strategy: HealingStrategy
    evidence: list[Evidence] = Field(default_factory=list)
    index: int = 0


class HealingResult(DomainModel):
    """The engine's answer. `chosen` is None when there is no confident match."""

    key: str
    candidates: list[HealingCandidate]
    chosen: HealingCandidate | None = None
    reason: str
    new_ladder: LocatorLadder = ()
    elapsed_ms: float = 0.0

    @property
    def healed(self) -> bool:
        return self.chosen is not None


class HealingDecision(StrEnum):
    """Where a heal stands. Only APPLIED heals have changed the suite's registry.

    NEEDS_APPROVAL waits for a person; APPROVED (by the policy or a person) waits to be applied;
    REJECTED is kept so the same heal is not proposed again.
    """

    NEEDS_APPROVAL = "needs_approval"
    APPROVED = "approved"
    APPLIED = "applied"
    REJECTED = "rejected"


class HealingRequest(ReviewRequest):
    """One distinct heal of one registry key, however many tests needed it; kept for review,
    approval and learning (the HealingRequest CR's content)."""

    plan_hash: str  # of the suite's plan (Suite.plan_hash)
    key: str
    page_url: str
    broken_ladder: LocatorLadder
    fingerprint: ElementFingerprint
    result: HealingResult
    decision: HealingDecision
    decided_at: datetime | None = None
    decided_by: str | None = None
    pattern_id: str | None = None
    snapshot: str | None = None
