"""Which texts are a field's own message (FIELD_MESSAGE_JS, shared by discovery and the
runtime), on the markup forms are built with."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from testforge.browser.fields import FIELD_MESSAGE_HAS_JS, FIELD_MESSAGE_JS
from testforge.browser.launch import launch_options
from testforge.settings import BrowserSettings

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options(BrowserSettings()))
        yield browser.new_page()
        browser.close()


@pytest.mark.parametrize(
    ("html", "texts"),
    [
        pytest.param(
            """<form><div class="field"><label for="f">Email</label><div class="control">
            <input id="f"></div><p class="error">Enter a valid e-mail address</p></div>
            <div class="field"><label for="n">Name</label><input id="n">
            <p class="error">Enter your name</p></div></form>""",
            ["Email", "Enter a valid e-mail address"],
            id="its box, up to the wrapper that holds no other field",
        ),
        pytest.param(
            """<form><label for="f">Email</label><input id="f"><span>Not an address</span>
            <label for="n">Name</label><input id="n"></form>""",
            [],
            id="no box in a flat form",
        ),
        pytest.param(
            """<form><div role="alert"><p id="e1">Enter a valid e-mail address</p>
            <p id="e2">Name is required</p></div><label for="f">Email</label>
            <input id="f" aria-errormessage="e1" aria-describedby="gone hint">
            <small id="hint">We never share it</small><input id="n" aria-describedby="e2">
            </form>""",
            ["Enter a valid e-mail address", "We never share it"],
            id="what its aria-errormessage and aria-describedby name",
        ),
        pytest.param(
            """<form><fieldset><legend>Plan</legend><input type="radio" name="p" id="f">
            <input type="radio" name="p"><span>Choose a plan</span></fieldset>
            <input name="other"></form>""",
            ["Plan", "Choose a plan"],
            id="a radio group is one field",
        ),
        pytest.param(
            """<form><div><textarea id="f">As entered</textarea><span>Too long</span></div>
            <input name="other"></form>""",
            ["Too long"],
            id="not a text area's own value",
        ),
    ],
)
def test_a_fields_own_message(page: Page, html: str, texts: list[str]) -> None:
    page.set_content(f"<body>{html}</body>")
    assert page.locator("#f").evaluate(FIELD_MESSAGE_JS) == texts


def test_the_runtime_waits_for_the_message_the_same_rule_finds(page: Page) -> None:
    page.set_content(
        """<body><form><div class="field"><input id="f"><span id="m"></span></div>
        <div class="field"><input id="n"><span id="o"></span></div></form></body>"""
    )
    field = page.locator("#f").element_handle()
    page.evaluate("() => { o.textContent = 'Enter a valid e-mail address' }")
    with pytest.raises(PlaywrightTimeoutError):  # under the other field: never its own
        page.wait_for_function(FIELD_MESSAGE_HAS_JS, arg=[field, "valid e-mail"], timeout=500)
    # Shown later, as a script would: the wait sees it arrive.
    page.evaluate("() => setTimeout(() => { m.textContent = 'Enter a valid e-mail address' }, 50)")
    page.wait_for_function(FIELD_MESSAGE_HAS_JS, arg=[field, "valid e-mail"], timeout=5000)
