"""Same-origin breadth-first crawl with several browser contexts working one queue."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, StorageState
from playwright.async_api import Error as PlaywrightError

from testforge.browser.network import watch_network
from testforge.discovery.capture import CaptureError, PageCapture, capture
from testforge.discovery.keys import page_slug
from testforge.discovery.scope import CrawlScope, path_of
from testforge.domain.app_model import CrawlIssue, CrawlIssueKind, CrawlLimits

ProgressCallback = Callable[[str], None]


@dataclass
class CrawlResult:
    captures: list[tuple[PageCapture, int]] = field(default_factory=list)
    issues: list[CrawlIssue] = field(default_factory=list)
    skipped: int = 0


@dataclass
class _Frontier:
    scope: CrawlScope
    limits: CrawlLimits
    seen: set[str] = field(default_factory=set)
    queue: asyncio.Queue[tuple[str, int]] = field(default_factory=asyncio.Queue)
    claimed: int = 0
    skipped: int = 0

    def offer(self, url: str, depth: int) -> None:
        url = self.scope.normalise(url)
        if url in self.seen or not self.scope.allows(url):
            return
        self.seen.add(url)
        if depth > self.limits.max_depth or self.claimed >= self.limits.max_pages:
            self.skipped += 1
            return
        self.claimed += 1
        self.queue.put_nowait((url, depth))


async def crawl(
    browser: Browser,
    scope: CrawlScope,
    limits: CrawlLimits,
    *,
    storage_state: StorageState | None = None,
    known: dict[str, int] | None = None,
    screenshots: Path | None = None,
    on_page: ProgressCallback | None = None,
) -> CrawlResult:
    """Visit every allowed page reachable from the base URL, within the limits.

    `known` maps URLs already captured elsewhere (the sign-in page) to their depth, so they are
    neither visited again nor counted twice.
    """
    frontier = _Frontier(scope, limits)
    if screenshots is not None:
        await asyncio.to_thread(screenshots.mkdir, parents=True, exist_ok=True)
    result = CrawlResult()
    captured_paths: set[str] = set()
    for url in known or {}:
        frontier.seen.add(scope.normalise(url))
        captured_paths.add(path_of(url))
    frontier.offer(scope.base_url, 0)

    async def worker(context: BrowserContext) -> None:
        page = await _new_page(context)
        while True:
            url, depth = await frontier.queue.get()
            try:
                if page.is_closed():
                    page = await _new_page(context)
                cap = await capture(
                    page, url, limits.page_timeout_s, screenshots, page_slug(path_of(url))
                )
                if not scope.allows(cap.url) or cap.path in captured_paths:
                    continue  # redirected off-scope, or to a page we already have
                captured_paths.add(cap.path)
                result.captures.append((cap, depth))
                for link in cap.links:
                    frontier.offer(link, depth + 1)
                if on_page:
                    on_page(cap.path)
            except CaptureError as failed:
                result.issues.append(failed.issue)
                await page.close()
            except PlaywrightError as exc:
                result.issues.append(
                    CrawlIssue(kind=CrawlIssueKind.CRASH, url=url, message=str(exc).splitlines()[0])
                )
                await page.close()
            finally:
                frontier.queue.task_done()

    contexts = [
        await browser.new_context(storage_state=storage_state) for _ in range(limits.concurrency)
    ]
    workers = [asyncio.create_task(worker(c)) for c in contexts]
    try:
        await frontier.queue.join()
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        for context in contexts:
            await context.close()
    result.skipped = frontier.skipped
    if frontier.skipped:
        result.issues.append(
            CrawlIssue(
                kind=CrawlIssueKind.LIMIT,
                url=scope.base_url,
                message=(
                    f"{frontier.skipped} URL(s) beyond max_pages={limits.max_pages} or "
                    f"max_depth={limits.max_depth} were not visited"
                ),
            )
        )
    result.captures.sort(key=lambda item: (item[1], item[0].path))
    return result


async def _new_page(context: BrowserContext) -> Page:
    page = await context.new_page()
    watch_network(page)
    return page
