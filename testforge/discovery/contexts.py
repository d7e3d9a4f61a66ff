"""Browser contexts for discovery: signed in by reusing one session, and guarded against writes.

Signing in once and reusing the browser storage state keeps discovery from opening dozens of
sessions (slow, and some applications lock an account that signs in too often). The write guard
is what makes "safe by default" hold even when a page does something its markup does not say:
while discovery acts on a page (fills, clicks, submits), every request that could change data
(any method but GET, HEAD and OPTIONS) is aborted and recorded, so the probe is discarded
instead of the application being changed.
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.async_api import (
    Browser,
    BrowserContext,
    HttpCredentials,
    Request,
    Route,
    StorageState,
)
from playwright.async_api import Error as PlaywrightError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class WriteGuard:
    """Aborts the requests of one context that could change data; records what it stopped."""

    def __init__(self) -> None:
        self.blocked: list[str] = []

    async def install(self, context: BrowserContext) -> None:
        await context.route("**/*", self._route)

    async def _route(self, route: Route, request: Request) -> None:
        try:
            if request.method in SAFE_METHODS:
                await route.fallback()
                return
            parts = urlsplit(request.url)
            self.blocked.append(f"{request.method} {parts.path or '/'}")
            await route.abort("blockedbyclient")
        except PlaywrightError:
            return  # the page or context closed while the request was in flight


@dataclass
class ContextFactory:
    """New browser contexts for discovery, anonymous or signed in (storage state reused)."""

    browser: Browser
    signed_in_state: StorageState | None = None
    http: HttpCredentials | None = None  # for HTTP authentication: answered on every context
    guards: dict[int, WriteGuard] = field(default_factory=dict)

    async def new(self, *, signed_in: bool, guarded: bool) -> BrowserContext:
        context = await self.browser.new_context(
            storage_state=self.signed_in_state if signed_in else None,
            http_credentials=self.http if signed_in else None,
        )
        if guarded:
            guard = WriteGuard()
            await guard.install(context)
            self.guards[id(context)] = guard
        return context

    def blocked(self, context: BrowserContext) -> list[str]:
        """The writes the guard of `context` stopped (empty for unguarded contexts)."""
        guard = self.guards.get(id(context))
        return list(guard.blocked) if guard else []

    async def close(self, context: BrowserContext) -> None:
        self.guards.pop(id(context), None)
        await context.close()
