"""The discovery service: from a URL to an AppModel (crawl, sign in, probe, infer flows)."""

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import httpx
from playwright.async_api import Browser, StorageState, async_playwright
from playwright.async_api import Error as PlaywrightError

from testforge.browser.launch import launch_options, translate_launch_error
from testforge.discovery.actuator import Actuator
from testforge.discovery.assemble import PageAssembler
from testforge.discovery.auth import Credentials, auth_config, find_login_page, sign_in
from testforge.discovery.capture import PageCapture
from testforge.discovery.crawler import crawl
from testforge.discovery.explore import Explorer
from testforge.discovery.flows import infer_flows
from testforge.discovery.preflight import needs_auth, preflight
from testforge.discovery.probes import ProbeSession
from testforge.discovery.scope import CrawlScope
from testforge.domain.app_model import AppModel, AuthConfig, CrawlLimits, Element, Page
from testforge.settings import BrowserSettings


class DiscoveryProgress(Protocol):
    def phase(self, name: str) -> None: ...
    def page(self, path: str) -> None: ...


class _Silent:
    def phase(self, name: str) -> None:
        return None

    def page(self, path: str) -> None:
        return None


@dataclass(frozen=True)
class DiscoveryRequest:
    base_url: str
    limits: CrawlLimits
    credentials: Credentials | None = None
    login_path: str | None = None
    probe_forms: bool = True
    screenshots: Path | None = None


async def discover_async(
    request: DiscoveryRequest,
    browser_settings: BrowserSettings,
    progress: DiscoveryProgress | None = None,
) -> AppModel:
    progress = progress or _Silent()
    progress.phase("checking target")
    base_url = await preflight(request.base_url)
    scope = CrawlScope(base_url, request.limits.include, request.limits.exclude)
    options = launch_options(browser_settings)
    async with async_playwright() as playwright:
        try:
            browser = await playwright.chromium.launch(**options)
        except PlaywrightError as exc:
            raise translate_launch_error(exc, browser_settings) from exc
        try:
            return await _discover(browser, scope, request, progress)
        finally:
            await browser.close()


def discover(
    request: DiscoveryRequest,
    browser_settings: BrowserSettings,
    progress: DiscoveryProgress | None = None,
) -> AppModel:
    return asyncio.run(discover_async(request, browser_settings, progress))


async def _discover(
    browser: Browser, scope: CrawlScope, request: DiscoveryRequest, progress: DiscoveryProgress
) -> AppModel:
    limits = request.limits
    assembler = PageAssembler(scope)
    pages: list[Page] = []
    auth: AuthConfig | None = None
    storage_state: StorageState | None = None
    known: dict[str, int] = {}
    if request.credentials:
        progress.phase("signing in")
        login, auth, storage_state = await _sign_in(browser, scope, request, assembler)
        pages.append(login)
        known[login.url] = 0
        progress.page(login.path)
    progress.phase("crawling")
    crawled = await crawl(
        browser,
        scope,
        limits,
        storage_state=storage_state,
        known=known,
        screenshots=request.screenshots,
        on_page=progress.page,
    )
    protected = await _protected(crawled.captures, auth)
    for cap, depth in crawled.captures:
        pages.append(assembler.assemble(cap, depth, requires_auth=cap.path in protected).page)
    _mark_templates(pages)
    elements: dict[str, Element] = {e.key: e for p in pages for e in p.elements}
    issues = list(crawled.issues)
    if request.probe_forms:
        progress.phase("probing forms")
        session = ProbeSession(
            browser,
            elements,
            scope.base_url,
            limits.page_timeout_s,
            limits.concurrency,
            auth=auth,
            credentials=request.credentials,
        )
        explorer = Explorer(session, assembler, pages, elements, request.credentials)
        await explorer.run()
        issues.extend(explorer.issues)
    return AppModel(
        base_url=scope.base_url,
        discovered_at=datetime.now(UTC),
        limits=limits,
        auth=auth,
        pages=pages,
        flows=infer_flows(pages, elements, auth),
        issues=issues,
        skipped_urls=crawled.skipped,
    )


async def _sign_in(
    browser: Browser, scope: CrawlScope, request: DiscoveryRequest, assembler: PageAssembler
) -> tuple[Page, AuthConfig, StorageState]:
    """Find the sign-in form anonymously, prove the credentials, return the signed-in state."""
    assert request.credentials is not None
    context = await browser.new_context()
    try:
        page = await context.new_page()
        cap = await find_login_page(page, scope, request.login_path, request.limits.page_timeout_s)
        login = assembler.assemble(cap, 0).page
        auth = auth_config(login)
        elements = {e.key: e for e in login.elements}
        actuator = Actuator(page, elements, scope.base_url, request.limits.page_timeout_s)
        landed = await sign_in(actuator, auth, request.credentials)
        auth = auth.model_copy(update={"landing_path": landed})
        return login, auth, await context.storage_state()
    finally:
        await context.close()


async def _protected(captures: list[tuple[PageCapture, int]], auth: AuthConfig | None) -> set[str]:
    if auth is None:
        return set()
    async with httpx.AsyncClient(timeout=10) as client:
        flags = await asyncio.gather(
            *(needs_auth(client, c.url, auth.login_path) for c, _ in captures)
        )
    return {c.path for (c, _), flag in zip(captures, flags, strict=True) if flag}


def _mark_templates(pages: list[Page]) -> None:
    """Pages under one parent path with the same structure (product pages) share a template."""
    groups: dict[tuple[object, ...], list[Page]] = defaultdict(list)
    for page in pages:
        segments = page.path.split("?", 1)[0].rstrip("/").split("/")
        if len(segments) < 3:
            continue
        structure = tuple(
            sorted(
                (e.kind.value, e.fingerprint.tag, e.fingerprint.test_id or "")
                for e in page.elements
                if not e.in_navigation
            )
        )
        groups[("/".join(segments[:-1]), structure)].append(page)
    for (parent, _), members in groups.items():
        if len(members) > 1:
            for page in members:
                page.template = f"{parent}/*"
