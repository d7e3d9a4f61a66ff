"""The runtime generated tests drive (`tf`), on pages that behave like real applications: an
announcement dialog over the page, a select without the expected option, an edited heading,
a page that tries to send a form the browser should have refused, a total that moved while
another element shows the expected amount, a query in another order, a heading's hidden anchor.
"""

import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from playwright.sync_api import Browser, Page, sync_playwright

from demo.server import running_app
from testforge.browser.launch import launch_options
from testforge.browser.snapshot import snapshot_sync
from testforge.contracts.runtime import RuntimeConfig
from testforge.domain.effects import Effect
from testforge.domain.fingerprint import ElementFingerprint
from testforge.domain.locators import Locator, LocatorStrategy, candidate_ladder
from testforge.domain.suite import LocatorRegistry, RegistryEntry
from testforge.healing.engine import HealingEngine
from testforge.runtime.errors import CopyChangedError, ElementNotFoundError, WriteBlockedError
from testforge.runtime.healer import PageHealer
from testforge.runtime.session import Session
from testforge.settings import BrowserSettings

pytestmark = pytest.mark.browser
PAGES = {
    "/announce": """<main><a href="/next">Next page</a>
      <div role="dialog" aria-modal="true" class="modal" style="position:fixed;inset:0;
        background:rgba(0,0,0,.5)"><div style="background:#fff;margin:20% auto;width:300px">
        <p>Try our new look!</p><button aria-label="Close"
        onclick="this.closest('[role=dialog]').remove()">×</button></div></div></main>""",
    "/next": "<main><h1>Next</h1></main>",
    "/choices": """<main><label for="c">Colour</label><select id="c"><option>Red</option>
      <option>Blue</option></select></main>""",
    "/edited": "<main><h1 id=title>Issue Tracker</h1></main>",
    "/sneaky": """<main><form id=f action="/save" method="post"><input name=title required>
      <button id=save type=submit>Save</button></form><script>
      document.getElementById("save").addEventListener("click", () =>
        fetch("/save", {method: "POST", body: "x"}));</script></main>""",
    "/cart": """<main><aside><span>$69.00</span></aside>
      <dl><dt>Subtotal</dt><dd>$64.00</dd><dt>Total</dt>
      <dd><strong id="order-total">$74.00</strong></dd></dl></main>""",
    "/anchored": """<main><h1 id=h>The Trac Timeline<a class=anchor href="#h"
      style="display:none">¶</a></h1><a href="/query?priority=major&status=open">Query</a>
      </main>""",
    "/query": "<main><h1>Query</h1></main>",
    # MLflow 3: on an experiment's page the global navigation gives way to the experiment's own.
    "/experiments/0/overview": """<aside><nav><a href="/">Home</a>
      <a href="/experiments">Experiments</a><a href="/docs">Docs</a>
      <a href="/experiments/0/runs">Runs</a><a href="/experiments/0/traces">Traces</a>
      <a href="/experiments/0/prompts">Prompts</a></nav></aside><main><h1>Overview</h1>
      <p>Usage of experiment 0</p><button type=button>Refresh</button></main>""",
    "/slow-sign-in": """<main><form action="/slow-sign-in" method="post"><input name=user>
      <button type=submit>Sign in</button></form></main>""",
}
# A sign-in that hashes the password on a busy server answers after longer than an action may
# take (here 2 s) but well within a page load's time.
SLOW_ANSWER_S = 4


def site() -> tuple[FastAPI, list[str]]:
    app, posts = FastAPI(), []

    @app.post("/save")
    def save() -> HTMLResponse:
        posts.append("/save")
        return HTMLResponse("saved")

    @app.post("/slow-sign-in")
    def slow_sign_in() -> HTMLResponse:
        time.sleep(SLOW_ANSWER_S)  # the server's slowness is the behaviour under test
        return HTMLResponse("<!doctype html><title>t</title><main><h1>Welcome</h1></main>")

    @app.get("/{path:path}")
    def page(path: str, request: Request) -> HTMLResponse:
        body = PAGES.get("/" + path)
        if body is None:
            return HTMLResponse("not found", status_code=404)
        return HTMLResponse(f"<!doctype html><title>t</title>{body}")

    return app, posts


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, list[str]]]:
    app, posts = site()
    with running_app(app, name="runtime-pages") as url:
        yield url, posts


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(**launch_options(BrowserSettings()))
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def entry(key: str, fp: ElementFingerprint, effect: Effect | None = None) -> RegistryEntry:
    return RegistryEntry(key=key, page="/", ladder=candidate_ladder(fp), fingerprint=fp,
                         effect=effect)  # fmt: skip


def session(page: Page, url: str, *entries: RegistryEntry, healer: bool = False) -> Session:
    registry = LocatorRegistry(entries={e.key: e for e in entries})
    config = RuntimeConfig(base_url=url, action_timeout_s=2, test_timeout_s=30)
    return Session(page, registry, config, healer=PageHealer(HealingEngine()) if healer else None)


def test_a_dialog_over_the_page_is_closed_before_the_click(
    page: Page, served: tuple[str, list[str]]
) -> None:
    url, _ = served
    link = ElementFingerprint(tag="a", role="link", accessible_name="Next page", text="Next page")
    tf = session(page, url, entry("announce.next", link))
    tf.goto("/announce")
    tf.click("announce.next")
    tf.expect_url("/next")


def test_a_click_may_wait_for_a_slow_answer_as_long_as_a_page_load(
    page: Page, served: tuple[str, list[str]]
) -> None:
    url, _ = served
    button = ElementFingerprint(tag="button", role="button", accessible_name="Sign in",
                                text="Sign in", type="submit")  # fmt: skip
    tf = session(page, url, entry("slow.sign_in", button))
    tf.goto("/slow-sign-in")
    tf.click("slow.sign_in")  # Playwright waits for the navigation it starts to commit
    tf.expect_url("/slow-sign-in")
    tf.expect_page_text("Welcome")


def test_a_missing_option_is_an_element_not_found_not_a_timeout(
    page: Page, served: tuple[str, list[str]]
) -> None:
    url, _ = served
    colour = ElementFingerprint(tag="select", id="c", label="Colour", role="combobox")
    tf = session(page, url, entry("choices.colour", colour))
    tf.goto("/choices")
    with pytest.raises(ElementNotFoundError, match=r"no option 'Green'.*'Red', 'Blue'"):
        tf.select("choices.colour", "Green")


def test_an_edited_heading_is_reported_as_a_copy_change(
    page: Page, served: tuple[str, list[str]]
) -> None:
    url, _ = served
    # As discovery saw it before the edit; its id still finds it, and healing agrees.
    title = ElementFingerprint(tag="h1", id="title", text="Issue tracker", role="heading")
    tf = session(page, url, entry("edited.title", title), healer=True)
    tf.goto("/edited")
    with pytest.raises(CopyChangedError) as raised:
        tf.expect_text("edited.title", "Issue tracker")
    assert raised.value.change.actual == "Issue Tracker"


def test_a_read_only_suite_stops_a_page_that_tries_to_write(
    page: Page, served: tuple[str, list[str]]
) -> None:
    url, posts = served
    save = ElementFingerprint(tag="button", id="save", type="submit", text="Save", role="button",
                              accessible_name="Save")  # fmt: skip
    tf = session(page, url, entry("sneaky.save", save, Effect.WRITE))
    tf.goto("/sneaky")
    with pytest.raises(WriteBlockedError, match="POST /save"):
        tf.click("sneaky.save")
    assert posts == []


def test_the_asserted_amount_never_picks_the_element_that_shows_it(
    page: Page, served: tuple[str, list[str]]
) -> None:
    # The total's id changed and its amount is wrong now; the aside shows the expected amount.
    url, _ = served
    page.goto(f"{url}/cart")
    live = {r.text: r for r in snapshot_sync(page).elements}
    moved = live["$74.00"].fingerprint(page.url)
    lost = moved.model_copy(update={"id": "cart-total", "text": "$69.00",
                                    "accessible_name": "$69.00", "id_xpath": None})  # fmt: skip
    gone = (Locator(strategy=LocatorStrategy.CSS, value="#cart-total"),)
    stale = RegistryEntry(key="cart.total", page="/cart", fingerprint=lost, ladder=gone)
    tf = session(page, url, stale, healer=True)
    tf.goto("/cart")
    with pytest.raises(AssertionError) as raised:
        tf.expect_text("cart.total", "$69.00")
    assert "$74.00" in str(raised.value)  # found the moved total, and its amount is wrong
    assert tf.heals and tf.heals[0].result.chosen is not None
    assert tf.heals[0].result.chosen.fingerprint.text == "$74.00"


def test_hidden_anchor_text_is_not_part_of_a_heading_and_query_order_is_free(
    page: Page, served: tuple[str, list[str]]
) -> None:
    url, _ = served
    heading = ElementFingerprint(
        tag="h1",
        id="h",
        text="The Trac Timeline",
        role="heading",
        accessible_name="The Trac Timeline",
    )
    query = ElementFingerprint(tag="a", role="link", accessible_name="Query", text="Query")
    tf = session(page, url, entry("t.heading", heading), entry("t.query", query))
    tf.goto("/anchored")
    tf.expect_text("t.heading", "The Trac Timeline")
    tf.click("t.query")
    tf.expect_url(r"/query\?status=open&priority=major")


def test_a_global_link_does_not_heal_into_the_resources_link_of_the_same_name(
    page: Page, served: tuple[str, list[str]]
) -> None:
    url, _ = served
    registry_link = ElementFingerprint(tag="a", role="link", accessible_name="Prompts",
                                       text="Prompts", href="/prompts")  # fmt: skip
    gone = (Locator(strategy=LocatorStrategy.CSS, value="header a[href='/prompts']"),)
    lost = RegistryEntry(key="nav.prompts", page="/", fingerprint=registry_link, ladder=gone)
    tf = session(page, url, lost, healer=True)
    tf.goto("/experiments/0/overview")
    with pytest.raises(ElementNotFoundError, match="no confident match"):
        tf.click("nav.prompts")
    assert page.url == f"{url}/experiments/0/overview"
    assert all(heal.result.chosen is None for heal in tf.heals)

