"""The discovery service: from a URL to an AppModel (sign in, crawl, probe, infer flows).

Safe by default: discovery classifies every action before taking it and causes only the effects
the exploration policy permits (reads, unless the user allows writes); probes that act on a page
run in contexts whose write guard aborts anything else. A crawl that reaches nothing but the
sign-in page is an error, never a silent success.
"""

import asyncio
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urljoin

import httpx
from playwright.async_api import Browser, StorageState, async_playwright
from playwright.async_api import Error as PlaywrightError

from testforge.browser.launch import launch_options, translate_launch_error
from testforge.discovery.actuator import Actuator
from testforge.discovery.assemble import PageAssembler
from testforge.discovery.auth import (
    Credentials,
    auth_config,
    bare_path,
    find_sign_in,
    http_credentials,
    sign_in,
    sign_in_http,
)
from testforge.discovery.capture import PageCapture
from testforge.discovery.contexts import ContextFactory
from testforge.discovery.crawler import crawl, second_look, url_shape
from testforge.discovery.explore import Explorer
from testforge.discovery.flows import infer_flows
from testforge.discovery.preflight import needs_auth, preflight
from testforge.discovery.probes import ProbeSession
from testforge.discovery.scope import CrawlScope
from testforge.domain.app_model import (
    AppModel,
    AuthConfig,
    AuthScheme,
    CrawlIssue,
    CrawlIssueKind,
    CrawlLimits,
    Element,
    ElementKind,
    Page,
)
from testforge.domain.effects import Effect, ExplorationPolicy, classify_control, classify_link
from testforge.domain.errors import DiscoveryError
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
    allow_writes: bool = False  # for a disposable environment: explore forms that write


async def discover_async(
    request: DiscoveryRequest,
    browser_settings: BrowserSettings,
    progress: DiscoveryProgress | None = None,
) -> AppModel:
    progress = progress or _Silent()
    progress.phase("checking target")
    await preflight(request.base_url, credentials_given=request.credentials is not None)
    scope = CrawlScope(request.base_url, request.limits.include, request.limits.exclude)
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
    policy = ExplorationPolicy(allow_writes=request.allow_writes)
    assembler = PageAssembler(scope)
    contexts = ContextFactory(browser)
    pages: list[Page] = []
    auth: AuthConfig | None = None
    known: dict[str, int] = {}
    if request.credentials:
        progress.phase("signing in")
        login, auth, contexts.signed_in_state = await _sign_in(browser, scope, request, assembler)
        if auth.scheme is AuthScheme.HTTP:
            contexts.http = http_credentials(request.credentials, scope.origin)
        if login is not None:
            pages.append(login)
            progress.page(login.path)
        known = _not_to_crawl(scope, auth, login)
    progress.phase("crawling")
    crawled = await crawl(
        contexts,
        scope,
        limits,
        signed_in=auth is not None,
        known=known,
        screenshots=request.screenshots,
        on_page=progress.page,
    )
    protected = await _protected(crawled.captures, auth)
    for cap, depth in crawled.captures:
        pages.append(
            assembler.assemble(
                cap, depth, requires_auth=cap.path in protected, signed_in=auth is not None
            ).page
        )
    _check_reach(pages, request, crawled.issues)
    _mark_templates(pages)
    issues = list(crawled.issues)
    if auth is not None:
        auth = _with_evidence(auth, pages, protected)
    elements: dict[str, Element] = {e.key: e for p in pages for e in p.elements}
    skipped = list(crawled.skipped)
    if request.probe_forms:
        progress.phase("probing forms")
        session = ProbeSession(
            contexts,
            elements,
            scope.base_url,
            limits.page_timeout_s,
            limits.concurrency,
            auth=auth,
            credentials=request.credentials,
        )
        explorer = Explorer(session, assembler, pages, elements, request.credentials, policy)
        await explorer.run()
        if auth is not None and auth.sign_out is None:
            auth = await _sign_out_in_menu(explorer, auth, pages)
        issues.extend(explorer.issues)
        skipped.extend(explorer.skipped())
    if auth is not None and auth.sign_out is None:
        issues.append(
            CrawlIssue(
                kind=CrawlIssueKind.LIMIT,
                url=scope.base_url,
                message="no sign-out control was found on the signed-in pages, so signing out "
                "cannot be tested",
            )
        )
    return AppModel(
        base_url=scope.base_url,
        discovered_at=datetime.now(UTC),
        limits=limits,
        auth=auth,
        pages=pages,
        flows=infer_flows(pages, elements, auth),
        issues=issues,
        skipped_urls=sum(s.count for s in crawled.skipped),
        skipped=skipped,
        allow_writes=request.allow_writes,
    )


def _not_to_crawl(scope: CrawlScope, auth: AuthConfig, login: Page | None) -> dict[str, int]:
    """URLs the signed-in crawl must not visit: the sign-in page (already captured signed out;
    visiting it signed in can end the session), unless it is the start page itself, which
    signed in is another page: then the signed-out capture becomes a state of it."""
    known: dict[str, int] = {}
    login_url = urljoin(scope.base_url, auth.login_path)
    if bare_path(login_url) != bare_path(scope.base_url):
        known[login_url] = 0
    if login is not None:
        if bare_path(login.url) == bare_path(scope.base_url):
            login.state = "signed out"
        else:
            known[login.url] = 0
    return known


async def _sign_in(
    browser: Browser, scope: CrawlScope, request: DiscoveryRequest, assembler: PageAssembler
) -> tuple[Page | None, AuthConfig, StorageState]:
    """Find how the app signs people in, prove the credentials, return the signed-in state
    (and the sign-in page, captured signed out, when it is a form)."""
    assert request.credentials is not None
    context = await browser.new_context()
    try:
        page = await context.new_page()
        found = await find_sign_in(page, scope, request.login_path, request.limits.page_timeout_s)
        if found.scheme is AuthScheme.HTTP:
            auth, state = await sign_in_http(browser, scope, found.path, request.credentials)
            return None, auth, state
        assert found.capture is not None
        found.capture.stable_texts = await second_look(
            page, found.capture, request.limits.page_timeout_s
        )
        login = assembler.assemble(found.capture, 0).page
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


def _is_sign_in_page(page: Page) -> bool:
    """A page whose form asks for a password: what visitors see when they must sign in."""
    return any(f.input_type == "password" for form in page.forms for f in form.fields)


def _check_reach(pages: list[Page], request: DiscoveryRequest, issues: list[CrawlIssue]) -> None:
    """Silence is an error: a crawl that saw no page, or nothing but a sign-in page, says so."""
    content = [p for p in pages if not _is_sign_in_page(p)]
    if content:
        return
    if not pages:
        said = "; ".join(f"{i.url}: {i.message}" for i in issues[:3]) or "no page answered"
        raise DiscoveryError(
            f"discovery could not load any page of {request.base_url} ({said})",
            fix="open the URL in a browser; raise --page-timeout for slow pages",
        )
    login = pages[0].path
    if request.credentials is None:
        raise DiscoveryError(
            f"discovery reached only the sign-in page {login}: the application asks visitors "
            "to sign in",
            fix="pass --username and --password (or TESTFORGE_USERNAME and TESTFORGE_PASSWORD); "
            "add --login-path if the sign-in page is elsewhere",
        )
    raise DiscoveryError(
        f"signed in as {request.credentials.username!r}, but every page led back to the sign-in "
        f"page {login}",
        fix="check that this account can open the application's pages in a browser, and that "
        "the application accepts the session cookie on this URL",
    )


def _sign_out_effect(element: Element) -> bool:
    fp = element.fingerprint
    label = " ".join(t for t in (fp.text, fp.accessible_name, fp.name, fp.id) if t)
    if element.kind is ElementKind.LINK and fp.href:
        return classify_link(label, fp.href).effect is Effect.SESSION
    if element.kind is ElementKind.BUTTON:
        return classify_control(label, fp.form).effect is Effect.SESSION
    return False


def _with_evidence(auth: AuthConfig, pages: list[Page], protected: set[str]) -> AuthConfig:
    """What tells a signed-in session: its sign-out control (on most pages), and a page that
    sends visitors to sign in."""
    landing = auth.landing_path
    signed_in = [p for p in pages if p.signed_in and p.state is None and not _is_sign_in_page(p)]
    # The control on the page signing in lands on (or the shallowest page showing one).
    signed_in.sort(key=lambda p: (p.path != landing, p.path != "/", p.depth, len(p.path), p.path))
    found = next(
        ((p, e) for p in signed_in for e in p.elements if _sign_out_effect(e)), (None, None)
    )
    where, control = found
    sign_out = control.key if control else None
    protected_paths = sorted(protected, key=lambda p: (p != landing, len(p), p))
    return auth.model_copy(
        update={
            "sign_out": sign_out,
            "sign_out_page": where.path if where else None,
            "protected_path": protected_paths[0] if protected_paths else None,
        }
    )


async def _sign_out_in_menu(explorer: Explorer, auth: AuthConfig, pages: list[Page]) -> AuthConfig:
    """The sign-out control behind a menu toggle on the page signing in lands on (or home)."""
    landing = [p for p in pages if p.signed_in and p.state is None]
    landing.sort(key=lambda p: (p.path != auth.landing_path, p.path != "/", p.depth, p.path))
    for page in landing[:2]:
        found = await explorer.reveal_sign_out(page, _sign_out_effect)
        if found is not None:
            menu, sign_out = found
            return auth.model_copy(
                update={"sign_out": sign_out, "sign_out_page": page.path, "sign_out_menu": menu}
            )
    return auth


def _mark_templates(pages: list[Page]) -> None:
    """Pages of one template share it: several URLs of one shape (`/issue#`), or pages under one
    parent path with the same skeleton (landmarks and forms), whatever their content: product
    pages named by slug, wiki pages named by title."""
    shapes = Counter(url_shape(p.url) for p in pages if p.state is None)
    for page in pages:
        shape = url_shape(page.url)
        if page.state is None and shapes[shape] > 1:
            page.template = shape
    groups: dict[tuple[object, ...], list[Page]] = defaultdict(list)
    for page in pages:
        segments = page.path.split("?", 1)[0].rstrip("/").split("/")
        if page.template or len(segments) < 3:
            continue
        skeleton = (
            page.landmarks,
            tuple(sorted((f.method, *sorted(x.name for x in f.fields)) for f in page.forms)),
            # Controls, not content: links and headings vary from page to page of a template.
            tuple(
                sorted(
                    (e.kind.value, e.fingerprint.tag)
                    for e in page.elements
                    if not e.in_navigation and e.kind not in {ElementKind.LINK, ElementKind.OTHER}
                )
            ),
        )
        groups[("/".join(segments[:-1]), skeleton)].append(page)
    for (parent, _), members in groups.items():
        if len(members) > 1:
            for page in members:
                page.template = f"{parent}/*"
