"""Knowledge-backed ChangeHints: how plausible a candidate's change is, from learned patterns."""

from testforge.domain.fingerprint import ElementFingerprint
from testforge.knowledge.patterns import pattern_tokens
from testforge.knowledge.store import PatternStore

MIN_SIMILARITY = 0.9  # below this a learned pattern says nothing about the pair


class KnowledgeHints:
    """Implements testforge.healing.hints.ChangeHints over a PatternStore."""

    def __init__(self, store: PatternStore, limit: int = 3) -> None:
        self.store = store
        self.limit = limit

    def plausibility(
        self, target: ElementFingerprint, candidate: ElementFingerprint
    ) -> float | None:
        matches = [
            m
            for m in self.store.similar(pattern_tokens(target, candidate), self.limit)
            if m.similarity >= MIN_SIMILARITY
        ]
        if not matches:
            return None
        best = max(matches, key=lambda m: m.similarity)
        # 0.5 is "no opinion"; a close, often-approved pattern moves it towards 1, a rejected one
        # towards 0, in proportion to how close the pattern is.
        closeness = (best.similarity - MIN_SIMILARITY) / (1 - MIN_SIMILARITY)
        return 0.5 + (best.pattern.confidence - 0.5) * closeness
