"""The DOM scanner crashes seen on real applications, one example each.

An SVG element has no `isContentEditable` (nor a string `href`), and a form's named controls
shadow its properties (`form.action` returning `<input name="action">`): each of these once cost
the whole page. These tests use only the scanner's long-standing API, so they also run against
the code from before the fix (where they fail).
"""

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from playwright.async_api import Browser, Playwright, Route, async_playwright

from testforge.browser.launch import launch_options
from testforge.browser.snapshot import PageSnapshot
from testforge.discovery.capture import snapshot_with_ladders
from testforge.domain.locators import LocatorLadder
from testforge.settings import BrowserSettings

pytestmark = pytest.mark.browser
T = TypeVar("T")
ORIGIN = "http://crash.test"
SCAN_TIMEOUT_S = 20  # the parentElement case looped forever before the fix


class Chromium:
    """One browser for the module, driven from a private event loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.playwright: Playwright = self.run(async_playwright().start())
        options = launch_options(BrowserSettings())
        self.browser: Browser = self.run(self.playwright.chromium.launch(**options))

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(work)

    def close(self) -> None:
        self.run(self.browser.close())
        self.run(self.playwright.stop())
        self.loop.close()

    def scan(self, body: str) -> tuple[PageSnapshot, list[LocatorLadder]]:
        return self.run(self._scan(body))

    async def _scan(self, body: str) -> tuple[PageSnapshot, list[LocatorLadder]]:
        context = await self.browser.new_context()
        try:
            await context.route(f"{ORIGIN}/**", _blank)
            page = await context.new_page()
            await page.goto(f"{ORIGIN}/")  # a real base URL for links and form actions
            await page.set_content(f"<!doctype html><title>Crash</title><body>{body}</body>")
            return await asyncio.wait_for(snapshot_with_ladders(page), SCAN_TIMEOUT_S)
        finally:
            await context.close()


async def _blank(route: Route) -> None:
    await route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>-")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    browser = Chromium()
    yield browser
    browser.close()


def test_an_svg_image_is_scanned(chromium: Chromium) -> None:
    snapshot, _ = chromium.scan(
        '<h1>Logo</h1><svg role="img" aria-label="Logo" width="20" height="20">'
        '<rect width="20" height="20"/></svg>'
    )
    svg = next(e for e in snapshot.elements if e.tag == "svg")
    assert svg.role == "img"
    assert svg.accessible_name == "Logo"
    assert svg.interactive is False


def test_an_svg_link_is_scanned(chromium: Chromium) -> None:
    snapshot, _ = chromium.scan(
        '<svg width="200" height="40"><a href="/next"><text x="5" y="20">Next</text></a></svg>'
    )
    link = next(e for e in snapshot.elements if e.tag == "a")
    assert link.href == f"{ORIGIN}/next"
    assert link.role == "link"
    assert link.text == "Next"


def test_a_form_with_an_input_named_action_keeps_its_action(chromium: Chromium) -> None:
    snapshot, ladders = chromium.scan(
        '<form action="/search"><input name="action" aria-label="Action"><button>Go</button></form>'
    )
    assert [(f.key, f.action) for f in snapshot.forms] == [("/search", f"{ORIGIN}/search")]
    assert all(ladders)


def test_a_form_with_inputs_named_id_method_and_novalidate_is_read_from_its_attributes(
    chromium: Chromium,
) -> None:
    snapshot, _ = chromium.scan(
        '<form id="edit" method="POST" action="/save" novalidate>'
        '<input name="id" aria-label="Id"><input name="method" aria-label="Method">'
        '<input name="noValidate" aria-label="Flag"><input name="elements" aria-label="E">'
        "<button>Save</button></form>"
    )
    [form] = snapshot.forms
    assert (form.key, form.action, form.method, form.novalidate) == (
        "edit",
        f"{ORIGIN}/save",
        "post",
        True,
    )
    assert {e.form for e in snapshot.elements if e.tag in {"input", "button"}} == {"edit"}


def test_a_form_with_an_input_named_tagname_is_scanned(chromium: Chromium) -> None:
    snapshot, _ = chromium.scan(
        '<form><input name="tagName" aria-label="Tag"><button>Send</button></form>'
    )
    assert [e.tag for e in snapshot.elements] == ["input", "button"]


def test_a_form_with_an_input_named_parentelement_is_scanned(chromium: Chromium) -> None:
    snapshot, _ = chromium.scan(
        '<form><input name="parentElement" aria-label="Parent"><button>Send</button></form>'
    )
    assert [e.xpath for e in snapshot.elements] == [
        "/html[1]/body[1]/form[1]/input[1]",
        "/html[1]/body[1]/form[1]/button[1]",
    ]
