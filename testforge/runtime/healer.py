"""Healing at run time: candidates read off the live page, ranked by the healing engine, and a
new ladder verified to address exactly the chosen element."""

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from testforge.browser.locate import XPATHS_OF, rung_locator
from testforge.browser.snapshot import snapshot_sync
from testforge.domain.fingerprint import ElementFingerprint
from testforge.domain.healing import HealingCandidate, HealingResult, HealingStrategy
from testforge.domain.locators import Locator, LocatorLadder, LocatorStrategy, candidate_ladder
from testforge.domain.suite import RegistryEntry
from testforge.healing.engine import HealingEngine
from testforge.healing.guarantee import without_asserted
from testforge.healing.scope import in_scope

if TYPE_CHECKING:  # the LLM layer loads only when a second opinion is configured
    from testforge.llm.rerank import RerankDecision


def verified_ladder(page: Page, fp: ElementFingerprint) -> LocatorLadder:
    """Rungs that resolve to exactly the element at `fp.xpath`; its XPath as a last resort."""
    rungs: list[Locator] = []
    fallback = (Locator(strategy=LocatorStrategy.XPATH, value=fp.xpath),) if fp.xpath else ()
    for rung in (*candidate_ladder(fp), *fallback):
        try:
            if rung_locator(page, rung).evaluate_all(XPATHS_OF) == [fp.xpath]:
                rungs.append(rung)
        except PlaywrightError:
            continue
    return tuple(rungs)


# Below this the engine found no real evidence: a second opinion would be a guess among strangers.
MIN_CONFIDENCE_FOR_SECOND_OPINION = 0.3


class SecondOpinion(Protocol):
    """Chooses among the engine's close candidates (an LLM re-ranker); None to abstain."""

    def choose(
        self, target: ElementFingerprint, candidates: list[HealingCandidate], k: int
    ) -> "RerankDecision | None": ...


class PageHealer:
    def __init__(
        self,
        engine: HealingEngine,
        snapshots: Path | None = None,
        second_opinion: SecondOpinion | None = None,
    ) -> None:
        self.engine = engine
        self.snapshots = snapshots
        self.second_opinion = second_opinion

    def heal(
        self, page: Page, key: str, entry: RegistryEntry, *, asserted: str | None
    ) -> HealingResult:
        """Rank the live page's elements for `key`; `asserted` is set for assertion targets
        (what they check, "" for nothing), and is never used as evidence."""
        snapshot = snapshot_sync(page)
        fp = entry.fingerprint
        found = [raw.fingerprint(page.url) for raw in snapshot.elements]
        candidates = in_scope(fp, found, page.url)
        target = fp if asserted is None else without_asserted(fp, asserted)
        result = self.engine.heal(key, target, candidates)
        if result.chosen is None:
            result = self._ask_second_opinion(target, result)
        if result.chosen is None:
            return result
        ladder = verified_ladder(page, result.chosen.fingerprint)
        if not ladder:
            return result.model_copy(
                update={"chosen": None, "reason": "the chosen element cannot be addressed uniquely"}
            )
        return result.model_copy(update={"new_ladder": ladder})

    def _ask_second_opinion(
        self, target: ElementFingerprint, result: HealingResult
    ) -> HealingResult:
        """Let the re-ranker pick among close candidates; its pick keeps the engine's
        confidence, so it can continue the test but is never applied without approval."""
        top = result.candidates[0] if result.candidates else None
        if self.second_opinion is None or top is None:
            return result
        if top.confidence < MIN_CONFIDENCE_FOR_SECOND_OPINION:
            return result
        decision = self.second_opinion.choose(
            target, result.candidates, self.engine.policy.shortlist
        )
        if decision is None:
            return result
        chosen = decision.candidate.model_copy(update={"strategy": HealingStrategy.LLM})
        who = f"{decision.provider} ({decision.model})" if decision.model else decision.provider
        return result.model_copy(
            update={"chosen": chosen, "reason": f"chosen by {who}: {decision.reason}"}
        )

    def snapshot(self, page: Page, name: str) -> str | None:
        """Keep the DOM the heal was decided on, for review."""
        if self.snapshots is None:
            return None
        self.snapshots.mkdir(parents=True, exist_ok=True)
        target = self.snapshots / f"{name}.html"
        try:
            target.write_text(page.content(), encoding="utf-8")
        except PlaywrightError:
            return None
        return str(target)
