"""Integration tests of the demo shop served by `running()` and driven in real Chromium."""

import os
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from demo.server import running
from demo.versions import DEMO_PASSWORD, DEMO_USER, DemoVersion

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("TESTFORGE_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _sign_in_and_add(page: Page, base_url: str, product: str) -> None:
    page.goto(f"{base_url}/login?next=/products/{product}")
    page.get_by_label("Email").fill(DEMO_USER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(f"{base_url}/products/{product}")
    page.locator("form[action^='/products/'] button[type=submit]").click()
    page.wait_for_url(f"{base_url}/cart")


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.browser
def test_deals_appear_only_after_the_api_answers(page: Page) -> None:
    held: list[Route] = []

    def hold(route: Route) -> None:  # Playwright cannot wrap a builtin such as list.append
        held.append(route)

    # The API answer is held until the loading state is checked: a race otherwise.
    page.route("**/api/deals", hold)
    with running(DemoVersion.V1) as base_url:
        with page.expect_request("**/api/deals"):
            page.goto(f"{base_url}/deals")
        expect(page.get_by_role("status")).to_have_text("Loading deals…")
        expect(page.get_by_test_id("deals-list")).to_be_hidden()
        assert len(held) == 1
        held[0].continue_()
        expect(page.get_by_test_id("deal-item")).to_have_count(3)
        expect(page.get_by_role("heading", name="This week’s deals")).to_be_visible()
        expect(page.get_by_test_id("deal-item").first).to_contain_text("Canvas week")
        expect(page.get_by_role("status")).to_have_text("3 deals this week.")


@pytest.mark.browser
def test_checkout_blocks_an_empty_submit_in_the_browser(page: Page) -> None:
    with running(DemoVersion.V1) as base_url:
        _sign_in_and_add(page, base_url, "trail-mug")
        page.get_by_role("link", name="Proceed to checkout").click()
        page.get_by_label("Email").fill("")
        page.get_by_test_id("place-order").click()
        assert page.url == f"{base_url}/checkout"
        expect(page.locator("#checkout-form:invalid")).to_have_count(1)
        expect(page.locator("#full-name:invalid")).to_have_count(1)
        expect(page.get_by_text("Please fix the errors below.")).to_have_count(0)


@pytest.mark.browser
def test_v2_buttons_navigate_like_the_v1_links_did(page: Page) -> None:
    with running(DemoVersion.V2) as base_url:
        _sign_in_and_add(page, base_url, "desk-lamp")
        page.get_by_role("button", name="Proceed to checkout").click()
        page.wait_for_url(f"{base_url}/checkout")
        page.get_by_role("navigation").get_by_role("button", name="Cart").click()
        page.wait_for_url(f"{base_url}/cart")
        expect(page.get_by_test_id("cart-total")).to_have_text("$69.00")


@pytest.mark.browser
def test_running_stops_promptly_while_a_browser_keeps_a_connection_open(page: Page) -> None:
    with running(DemoVersion.V1) as base_url:
        page.goto(f"{base_url}/products")
        expect(page.get_by_role("status")).to_have_text("8 products")
        stopping = time.perf_counter()
    # Not a speed target: a server waiting for the browser to hang up would take minutes.
    assert time.perf_counter() - stopping < 10.0
    assert _port_is_free(int(base_url.rsplit(":", 1)[1]))


def test_running_serves_and_frees_its_port() -> None:
    with running(DemoVersion.V3) as base_url:
        response = httpx.get(f"{base_url}/products?q=canvas")
        assert response.status_code == 200
        assert "3 products" in response.text
    port = int(base_url.rsplit(":", 1)[1])
    assert _port_is_free(port)
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url)


def test_running_reports_a_busy_port_to_the_caller() -> None:
    with running(DemoVersion.V1) as base_url:
        port = int(base_url.rsplit(":", 1)[1])
        with pytest.raises(OSError), running(DemoVersion.V1, port=port):
            pytest.fail("a second server started on a busy port")
