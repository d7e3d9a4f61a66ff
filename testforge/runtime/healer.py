"""Healing at run time: candidates read off the live page, ranked by the healing engine, and a
new ladder verified to address exactly the chosen element."""

from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from testforge.browser.locate import XPATHS_OF, rung_locator
from testforge.browser.snapshot import snapshot_sync
from testforge.domain.fingerprint import ElementFingerprint
from testforge.domain.healing import HealingResult
from testforge.domain.locators import Locator, LocatorLadder, LocatorStrategy, candidate_ladder
from testforge.domain.suite import RegistryEntry
from testforge.healing.engine import HealingEngine

# What an assertion checks must not be evidence for which element to check.
_ASSERTED = {"text": None, "value": None}


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


class PageHealer:
    def __init__(self, engine: HealingEngine, snapshots: Path | None = None) -> None:
        self.engine = engine
        self.snapshots = snapshots

    def heal(
        self, page: Page, key: str, entry: RegistryEntry, *, for_assertion: bool
    ) -> HealingResult:
        snapshot = snapshot_sync(page)
        candidates = [raw.fingerprint(page.url) for raw in snapshot.elements]
        target = (
            entry.fingerprint.model_copy(update=_ASSERTED) if for_assertion else entry.fingerprint
        )
        result = self.engine.heal(key, target, candidates)
        if result.chosen is None:
            return result
        ladder = verified_ladder(page, result.chosen.fingerprint)
        if not ladder:
            return result.model_copy(
                update={"chosen": None, "reason": "the chosen element cannot be addressed uniquely"}
            )
        return result.model_copy(update={"new_ladder": ladder})

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
