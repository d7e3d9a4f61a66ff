"""Capturing one page in the browser: load it, wait for async content, snapshot its elements."""

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from testforge.browser.locate import XPATHS_OF, rung_locator
from testforge.browser.network import POLL_S, SETTLE_CAP_S, QuietWindow, watch_network
from testforge.browser.snapshot import PageSnapshot, RawElement, snapshot_async
from testforge.discovery.scope import path_of
from testforge.domain.app_model import CrawlIssue, CrawlIssueKind
from testforge.domain.locators import Locator, LocatorLadder, candidate_ladder

TEXTS_JS = """() => {
  const out = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const owner = n.parentElement;
    if (owner && owner.closest("option, script, style, noscript, template")) continue;
    const t = n.textContent.replace(/\\s+/g, " ").trim();
    if (t) out.add(t.slice(0, 80));
  }
  return Array.from(out);
}"""


@dataclass
class PageCapture:
    url: str
    status: int
    snapshot: PageSnapshot
    ladders: list[LocatorLadder]
    early_texts: frozenset[str] | None = None
    screenshot: str | None = None
    links: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return path_of(self.url)

    @property
    def async_texts(self) -> tuple[str, ...]:
        """Texts that appeared after the document was parsed (rendered by scripts later)."""
        if self.early_texts is None:
            return ()  # captured after an interaction: nothing to compare with
        return tuple(t for t in self.snapshot.texts if t not in self.early_texts)


class CaptureError(Exception):
    def __init__(self, issue: CrawlIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


async def _resolves_to(page: Page, rung: Locator, xpath: str) -> bool:
    try:
        return bool(await rung_locator(page, rung).evaluate_all(XPATHS_OF) == [xpath])
    except PlaywrightError:
        return False  # e.g. a CSS id the selector engine rejects: not a usable rung


async def verified_ladder(page: Page, element: RawElement, page_url: str) -> LocatorLadder:
    """The candidate rungs that resolve to exactly this element on this page."""
    rungs = candidate_ladder(element.fingerprint(page_url))
    # All rungs in flight at once: the checks are independent round trips to the browser.
    verdicts = await asyncio.gather(*(_resolves_to(page, r, element.xpath) for r in rungs))
    return tuple(rung for rung, ok in zip(rungs, verdicts, strict=True) if ok)


async def settle(page: Page, timeout_s: float) -> None:
    """Wait until the page has loaded and its scripts stopped fetching for a short while.

    Pages that never go quiet (polling, streaming) are captured as they are at the cap.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + min(timeout_s, SETTLE_CAP_S)
    try:
        await page.wait_for_load_state("load", timeout=min(timeout_s, SETTLE_CAP_S) * 1000)
    except PlaywrightError:
        return
    window = QuietWindow(watch_network(page))
    # Polling on purpose: "no request for QUIET_S" is a span of time, not an event to await.
    while (now := loop.time()) < deadline and not window.reached(now):  # noqa: ASYNC110
        await asyncio.sleep(POLL_S)


async def snapshot_with_ladders(page: Page) -> tuple[PageSnapshot, list[LocatorLadder]]:
    snapshot = await snapshot_async(page)
    ladders = await asyncio.gather(*(verified_ladder(page, e, page.url) for e in snapshot.elements))
    return snapshot, list(ladders)


async def capture(
    page: Page, url: str, timeout_s: float, screenshots: Path | None, name: str
) -> PageCapture:
    """Load `url` and capture it; raises CaptureError with a classified issue."""
    try:
        response = await page.goto(url, wait_until="domcontentloaded", timeout=timeout_s * 1000)
    except PlaywrightError as exc:
        kind = CrawlIssueKind.TIMEOUT if "Timeout" in str(exc) else CrawlIssueKind.CRASH
        raise CaptureError(CrawlIssue(kind=kind, url=url, message=_first_line(exc))) from exc
    if response is None:
        raise CaptureError(CrawlIssue(kind=CrawlIssueKind.CRASH, url=url, message="no response"))
    if response.status >= 400:
        raise CaptureError(
            CrawlIssue(kind=CrawlIssueKind.HTTP_ERROR, url=url, message=f"HTTP {response.status}")
        )
    content_type = (await response.all_headers()).get("content-type", "")
    if "html" not in content_type:
        raise CaptureError(
            CrawlIssue(
                kind=CrawlIssueKind.NOT_HTML, url=url, message=f"content-type {content_type!r}"
            )
        )
    try:
        early = frozenset(await page.evaluate(TEXTS_JS))
        await settle(page, timeout_s)
        snapshot, ladders = await snapshot_with_ladders(page)
        shot = None
        if screenshots is not None:
            target = screenshots / f"{name}.png"  # the folder is made by the crawl, once
            await page.screenshot(path=str(target), full_page=True, timeout=timeout_s * 1000)
            shot = target.name
    except PlaywrightError as exc:
        raise CaptureError(
            CrawlIssue(kind=CrawlIssueKind.CRASH, url=url, message=_first_line(exc))
        ) from exc
    links = [e.href for e in snapshot.elements if e.tag == "a" and e.href]
    return PageCapture(
        url=page.url,
        status=response.status,
        snapshot=snapshot,
        ladders=ladders,
        early_texts=early,
        screenshot=shot,
        links=links,
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
