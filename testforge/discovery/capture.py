"""Capturing one page in the browser: load it, wait for async content, snapshot its elements."""

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from testforge.browser.locate import IS_ONLY, rung_locator
from testforge.browser.network import POLL_S, SETTLE_CAP_S, QuietWindow, watch_network
from testforge.browser.snapshot import PageSnapshot, RawElement, snapshot_async
from testforge.discovery.scope import path_of
from testforge.domain.app_model import CrawlIssue, CrawlIssueKind
from testforge.domain.locators import Locator, LocatorLadder, LocatorStrategy, candidate_ladder

# Every text under the body and inside open shadow roots (as extract.js reads them), through
# the prototypes: a form's named controls shadow its own methods (<input name="closest">).
TEXTS_JS = """() => {
  const get = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
  const nodeType = get(Node.prototype, "nodeType");
  const parentElement = get(Node.prototype, "parentElement");
  const textContent = get(Node.prototype, "textContent");
  const shadowRoot = get(Element.prototype, "shadowRoot");
  const closest = Element.prototype.closest;
  const out = new Set();
  const body = document.body || document.documentElement;
  const scopes = body ? [body] : [];
  const enter = (el) => {
    const shadow = shadowRoot.call(el);
    if (shadow) scopes.push(shadow);
  };
  if (body) enter(body);
  for (let i = 0; i < scopes.length; i++) {
    const show = NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT;
    const walker = document.createTreeWalker(scopes[i], show);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      try {
        if (nodeType.call(n) === 1) {
          enter(n);
          continue;
        }
        const owner = parentElement.call(n);
        if (owner && closest.call(owner, "option, script, style, noscript, template")) continue;
        const t = textContent.call(n).replace(/\\s+/g, " ").trim();
        if (t) out.add(t.slice(0, 80));
      } catch {
        continue;  // an unreadable node: extract.js reports it
      }
    }
  }
  return Array.from(out);
}"""
# How many of the first unreadable reasons and skipped frames an issue names.
_ISSUE_EXAMPLES = 3
# Locator verification: a page's checks get this long in all, _IN_FLIGHT at a time, cheapest
# strategies first (native selectors, then text-based, then role queries). Checking everything
# grows as elements x page size: 750 records take about 18 s, 1,800 over two minutes, a page of
# 50,000 elements hours; the budget only cuts pages of about a thousand records and more.
LADDER_BUDGET_S = 60.0
HUGE_PAGE_NODES = 20_000
_IN_FLIGHT = 8
_COST = {
    LocatorStrategy.TEST_ID: 0,
    LocatorStrategy.CSS: 0,
    LocatorStrategy.XPATH: 0,
    LocatorStrategy.LABEL: 1,
    LocatorStrategy.PLACEHOLDER: 1,
    LocatorStrategy.TEXT: 1,
    LocatorStrategy.ROLE: 2,
}


@dataclass
class PageCapture:
    url: str
    status: int
    snapshot: PageSnapshot
    ladders: list[LocatorLadder]
    early_texts: frozenset[str] | None = None
    screenshot: str | None = None
    links: list[str] = field(default_factory=list)
    issues: list[CrawlIssue] = field(default_factory=list)  # what the scan skipped on this page
    stable_texts: tuple[str, ...] | None = None  # texts a second load showed again (crawl only)

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


def skipped_issues(snapshot: PageSnapshot, url: str) -> list[CrawlIssue]:
    """One UNREADABLE issue summarising what the snapshot of `url` skipped, if anything."""
    parts = []
    if snapshot.unreadable_count:
        examples = "; ".join(
            f"{u.xpath or 'page'}: {u.reason}" for u in snapshot.unreadable[:_ISSUE_EXAMPLES]
        )
        parts.append(f"{snapshot.unreadable_count} unreadable element(s) skipped ({examples})")
    if snapshot.skipped_frame_count:
        sources = ", ".join(
            f.src or "inline document" for f in snapshot.skipped_frames[:_ISSUE_EXAMPLES]
        )
        parts.append(f"{snapshot.skipped_frame_count} frame(s) not scanned ({sources})")
    cut = snapshot.truncated
    if cut.elements:
        parts.append(f"{cut.elements} element(s) beyond the scan's cap not recorded")
    if cut.texts:
        parts.append(f"{cut.texts} text node(s) beyond the scan's cap not read")
    if cut.ladders:
        parts.append(f"{cut.ladders} element(s) not fully checked for locators (page too big)")
    if not parts:
        return []
    return [CrawlIssue(kind=CrawlIssueKind.UNREADABLE, url=url, message="; ".join(parts))]


async def _resolves_to(page: Page, rung: Locator, xpath: str) -> bool:
    try:
        return bool(await rung_locator(page, rung).evaluate_all(IS_ONLY, xpath))
    except PlaywrightError:
        return False  # e.g. a CSS id the selector engine rejects: not a usable rung


def _candidates(element: RawElement, page_url: str) -> LocatorLadder:
    try:
        return candidate_ladder(element.fingerprint(page_url))
    except ValueError:
        return ()  # a record no fingerprint can be made of: nothing can address it


async def verified_ladder(page: Page, element: RawElement, page_url: str) -> LocatorLadder:
    """The candidate rungs that resolve to exactly this element on this page."""
    rungs = _candidates(element, page_url)
    # All rungs in flight at once: the checks are independent round trips to the browser.
    verdicts = await asyncio.gather(*(_resolves_to(page, r, element.xpath) for r in rungs))
    return tuple(rung for rung, ok in zip(rungs, verdicts, strict=True) if ok)


async def verified_ladders(
    page: Page, snapshot: PageSnapshot, budget_s: float = LADDER_BUDGET_S
) -> list[LocatorLadder]:
    """Each element's candidate rungs that resolve to exactly it, within a time budget.

    Every check is a query over the whole page, so a huge page would take hours: cheap
    strategies are checked first, a few at a time, none starts once the budget is spent, and
    role queries (seconds each on a huge page) are not tried above HUGE_PAGE_NODES. Rungs left
    unchecked count as not resolving; `snapshot.truncated.ladders` says for how many elements.
    The ladders of an ordinary page are the same as checking everything.
    """
    elements = snapshot.elements
    candidates = [_candidates(e, page.url) for e in elements]
    huge = snapshot.nodes > HUGE_PAGE_NODES
    checks = iter(
        sorted(
            (_COST[rung.strategy], i, j)
            for i, rungs in enumerate(candidates)
            for j, rung in enumerate(rungs)
            if not (huge and rung.strategy is LocatorStrategy.ROLE)
        )
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget_s
    verdicts: dict[tuple[int, int], bool] = {}

    async def check() -> None:
        for _, i, j in checks:  # one iterator shared by the workers
            if loop.time() >= deadline:
                return
            verdicts[i, j] = await _resolves_to(page, candidates[i][j], elements[i].xpath)

    await asyncio.gather(*(check() for _ in range(_IN_FLIGHT)))
    snapshot.truncated.ladders = sum(
        1
        for i, rungs in enumerate(candidates)
        if any((i, j) not in verdicts for j in range(len(rungs)))
    )
    return [
        tuple(rung for j, rung in enumerate(rungs) if verdicts.get((i, j), False))
        for i, rungs in enumerate(candidates)
    ]


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


async def snapshot_with_ladders(
    page: Page, *, budget_s: float = LADDER_BUDGET_S
) -> tuple[PageSnapshot, list[LocatorLadder]]:
    snapshot = await snapshot_async(page)
    return snapshot, await verified_ladders(page, snapshot, budget_s)


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
        issues=skipped_issues(snapshot, page.url),
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
