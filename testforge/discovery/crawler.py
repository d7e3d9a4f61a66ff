"""Same-origin crawl with several browser contexts working one prioritised frontier.

The budget goes to what is new: URLs are grouped by template (`url_shape`: the path with its
ids wildcarded, and the names, not the values, of its query parameters), a template is visited
at most MAX_PER_TEMPLATE times, and URLs of templates not yet seen are visited first, so sort,
filter and pagination variants of one list page never crowd out the rest of the application.
Links whose words or URL say they act (sign out, delete, mark as read) are not followed.
Everything not visited is counted by reason for the report.
"""

import asyncio
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from testforge.browser.network import watch_network
from testforge.discovery.capture import TEXTS_JS, CaptureError, PageCapture, capture, settle
from testforge.discovery.contexts import ContextFactory
from testforge.discovery.keys import page_slug
from testforge.discovery.scope import CrawlScope, hash_route, path_of
from testforge.domain.app_model import (
    CrawlIssue,
    CrawlIssueKind,
    CrawlLimits,
    Skipped,
    SkipReason,
)
from testforge.domain.effects import Effect, classify_link

ProgressCallback = Callable[[str], None]
MAX_PER_TEMPLATE = 3
DOWNLOAD_STARTED = "Download is starting"  # what Playwright says when a URL is a download
MAX_EXAMPLES = 3
HEADING_JS = """() => {
  const h = document.querySelector("h1");
  const t = h ? (h.innerText || "").replace(/\\s+/g, " ").trim().slice(0, 200) : "";
  return t || null;
}"""
# Every link of the page, shown or not: menus keep theirs hidden until opened, and the pages they
# lead to are pages like any other (visited by URL; only shown links get navigation tests).
ALL_LINKS_JS = """() => Array.from(document.querySelectorAll("a[href]"), (a) => {
  try { return [a.href, (a.textContent || "").replace(/\\s+/g, " ").trim().slice(0, 80)]; }
  catch (e) { return null; }
}).filter((x) => x && typeof x[0] === "string")"""
_ID_LIKE = re.compile(r"[0-9a-f]{8,}(-[0-9a-f]{4,})*|\d+", re.IGNORECASE)
_RUNS = re.compile("#+")


def _shape(path: str, query: str) -> str:
    shape = "/".join(_RUNS.sub("#", _ID_LIKE.sub("#", segment)) for segment in path.split("/"))
    keys = sorted({key for key, _ in parse_qsl(query, keep_blank_values=True)})
    return shape + (f"?{'&'.join(keys)}" if keys else "")


def _section(shape: str) -> str:
    """The part of the site a URL shape belongs to: its path without the last segment."""
    path = shape.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return path.rsplit("/", 1)[0] or "/"


def url_shape(url: str) -> str:
    """The template a URL renders: `/issue17?@sort=x` and `/issue3?@sort=y` share one (and
    `/#/runs/5f0c9a2e` and `/#/runs/9b1d3e77` of a hash-routed app)."""
    parts = urlsplit(url)
    shape = _shape(parts.path, parts.query)
    route = hash_route(url)
    if route:
        inner = urlsplit(route[1:].lstrip("!"))
        shape += "#" + _shape(inner.path, inner.query)
    return shape


@dataclass
class CrawlResult:
    captures: list[tuple[PageCapture, int]] = field(default_factory=list)
    issues: list[CrawlIssue] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def skipped_count(self) -> int:
        return sum(s.count for s in self.skipped)


@dataclass
class _Frontier:
    scope: CrawlScope
    limits: CrawlLimits
    seen: set[str] = field(default_factory=set)
    queue: asyncio.PriorityQueue[tuple[int, int, int, int, str]] = field(
        default_factory=asyncio.PriorityQueue
    )
    shapes: Counter[str] = field(default_factory=Counter)
    sections: Counter[str] = field(default_factory=Counter)
    visited: int = 0
    order: int = 0
    skips: dict[tuple[SkipReason, str], list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def offer(self, url: str, depth: int, text: str = "") -> None:
        try:
            url = self.scope.normalise(url)
            allowed = self.scope.allows(url)
        except ValueError:
            return  # a URL urllib cannot split ("http://[oops"): no page behind it
        if url in self.seen or not allowed:
            return
        self.seen.add(url)
        effect = classify_link(text, url)
        if effect.effect is not Effect.NAVIGATE:
            self.skip(SkipReason.EFFECT, f"{effect.effect.value} link ({effect.reason})", url)
            return
        if depth > self.limits.max_depth:
            self.skip(SkipReason.MAX_DEPTH, f"deeper than max_depth={self.limits.max_depth}", url)
            return
        shape = url_shape(url)
        rank = self.shapes[shape]
        if rank >= MAX_PER_TEMPLATE:
            self.skip(
                SkipReason.TEMPLATE_VARIANT,
                f"more URLs of a template already visited {MAX_PER_TEMPLATE} times",
                url,
            )
            return
        self.shapes[shape] += 1
        # Among URLs of new templates, those of less visited sections come first: forty pages
        # of bundled documentation under /wiki/ do not crowd out /ticket/ and /admin/.
        section = _section(shape)
        self.sections[section] += 1
        self.order += 1
        self.queue.put_nowait((rank, self.sections[section] - 1, depth, self.order, url))

    def claim(self, url: str) -> bool:
        """Whether the page budget still allows visiting `url` (the best URL left)."""
        if self.visited >= self.limits.max_pages:
            self.skip(SkipReason.MAX_PAGES, f"beyond max_pages={self.limits.max_pages}", url)
            return False
        self.visited += 1
        return True

    def skip(self, reason: SkipReason, detail: str, url: str) -> None:
        self.skips[(reason, detail)].append(path_of(url))

    def skipped(self) -> list[Skipped]:
        return [
            Skipped(
                reason=reason,
                detail=detail,
                count=len(urls),
                examples=tuple(urls[:MAX_EXAMPLES]),
            )
            for (reason, detail), urls in sorted(self.skips.items())
        ]


async def crawl(
    contexts: ContextFactory,
    scope: CrawlScope,
    limits: CrawlLimits,
    *,
    signed_in: bool = False,
    known: dict[str, int] | None = None,
    screenshots: Path | None = None,
    on_page: ProgressCallback | None = None,
) -> CrawlResult:
    """Visit the allowed pages reachable from the base URL, within the limits, newest templates
    first. `known` maps URLs already captured elsewhere (the sign-in page) to their depth, so
    they are neither visited again nor counted twice."""
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
            *_, depth, _, url = await frontier.queue.get()
            try:
                if not frontier.claim(url):
                    continue
                if page.is_closed():
                    page = await _new_page(context)
                if hash_route(url):
                    await page.goto("about:blank")  # a route change would not reload the app
                cap = await capture(
                    page, url, limits.page_timeout_s, screenshots, page_slug(path_of(url))
                )
                if not scope.allows(cap.url) or cap.path in captured_paths:
                    continue  # redirected off-scope, or to a page we already have
                captured_paths.add(cap.path)
                links: list[list[str]] = await page.evaluate(ALL_LINKS_JS)
                cap.stable_texts = await second_look(page, cap, limits.page_timeout_s)
                result.captures.append((cap, depth))
                result.issues.extend(cap.issues)
                for href, text in links:
                    frontier.offer(href, depth + 1, text)
                if on_page:
                    on_page(cap.path)
            except CaptureError as failed:
                if DOWNLOAD_STARTED in failed.issue.message:
                    frontier.skip(SkipReason.DOWNLOAD, "the link downloads a file", url)
                elif failed.issue.kind is CrawlIssueKind.NOT_HTML:
                    frontier.skip(SkipReason.DOWNLOAD, f"not a page ({failed.issue.message})", url)
                else:
                    result.issues.append(failed.issue)
                await page.close()
            except PlaywrightError as exc:
                result.issues.append(
                    CrawlIssue(kind=CrawlIssueKind.CRASH, url=url, message=str(exc).splitlines()[0])
                )
                await page.close()
            finally:
                frontier.queue.task_done()

    opened = [
        await contexts.new(signed_in=signed_in, guarded=False) for _ in range(limits.concurrency)
    ]
    workers = [asyncio.create_task(worker(c)) for c in opened]
    try:
        await frontier.queue.join()
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        for context in opened:
            await contexts.close(context)
    result.skipped = frontier.skipped()
    budget = [s for s in result.skipped if s.reason in {SkipReason.MAX_PAGES, SkipReason.MAX_DEPTH}]
    if budget:
        result.issues.append(
            CrawlIssue(
                kind=CrawlIssueKind.LIMIT,
                url=scope.base_url,
                message=(
                    f"{sum(s.count for s in budget)} URL(s) beyond max_pages={limits.max_pages} "
                    f"or max_depth={limits.max_depth} were not visited"
                ),
            )
        )
    result.captures.sort(key=lambda item: (item[1], item[0].path))
    return result


async def second_look(page: Page, cap: PageCapture, timeout_s: float) -> tuple[str, ...]:
    """The page's texts that a second load shows again: timings, dates, counters, random tips
    and per-request tokens differ between loads and so never become expectations."""
    try:
        if hash_route(cap.url):
            await page.goto("about:blank")  # load the app again, not just its route
        await page.goto(cap.url, wait_until="domcontentloaded", timeout=timeout_s * 1000)
        await settle(page, timeout_s)
        again: list[str] = await page.evaluate(TEXTS_JS)
        heading = await page.evaluate(HEADING_JS)
    except PlaywrightError:
        return ()
    repeated = set(again)
    stable = [t for t in cap.snapshot.texts if t in repeated]
    if cap.snapshot.heading and heading == cap.snapshot.heading:
        stable.append(heading)  # a heading of several text nodes is stable as a whole
    return tuple(dict.fromkeys(stable))


async def _new_page(context: BrowserContext) -> Page:
    page = await context.new_page()
    watch_network(page)
    return page
