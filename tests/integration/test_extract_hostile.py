"""The DOM scanner on hostile pages: generated pages of SVG and MathML, custom elements, open and
closed shadow roots, iframes, forms whose controls shadow the form's own properties, odd
attribute values, duplicate ids, hidden and zero-size elements, elements whose getters throw,
very deep nesting, and one huge page.

Each page goes through the real snapshot, the ladder verification and the page assembler, and
must come out whole: every record valid, every verified ladder resolving to exactly its element,
open shadow roots scanned and addressable, unreadable elements and frames counted.
"""

import asyncio
import html
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright.async_api import Browser, Page, Playwright, Route, async_playwright

from testforge.browser.launch import launch_options
from testforge.browser.locate import XPATHS_OF, rung_locator
from testforge.browser.snapshot import MAX_ELEMENTS, PageSnapshot, RawElement
from testforge.discovery.assemble import AssembledPage, PageAssembler
from testforge.discovery.capture import PageCapture, skipped_issues, snapshot_with_ladders
from testforge.discovery.scope import CrawlScope
from testforge.domain.app_model import CrawlIssueKind
from testforge.domain.locators import LocatorLadder
from testforge.settings import BrowserSettings

pytestmark = pytest.mark.browser
T = TypeVar("T")
ORIGIN = "http://hostile.test"
SCAN_TIMEOUT_S = 60


class Chromium:
    """One browser for the module, driven from a private event loop (hypothesis runs sync)."""

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


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    browser = Chromium()
    yield browser
    browser.close()


async def _serve(route: Route) -> None:
    # Every URL of the fake origin is a blank page: the base URL, frames, whatever a page loads.
    await route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>-")


@dataclass
class Scan:
    snapshot: PageSnapshot
    ladders: list[LocatorLadder]
    assembled: AssembledPage
    # XPaths of every element Playwright's CSS engine reaches (it pierces open shadow roots),
    # computed by locate.py's XPATH_OF; None when not asked for (quadratic on a huge page).
    reachable: list[str] | None
    # Hrefs the browser reports for the links marked data-bad.
    bad_hrefs: list[str]
    seconds: float


async def _scan(
    browser: Browser,
    body: str,
    script: str,
    *,
    budget_s: float = 30,
    recheck: int | None = None,
    reachable: bool = True,
) -> Scan:
    context = await browser.new_context()
    try:
        await context.route(f"{ORIGIN}/**", _serve)
        page = await context.new_page()
        await page.goto(f"{ORIGIN}/")
        await page.set_content(f"<!doctype html><html><head><title>Hostile</title></head>{body}")
        if script:
            await page.evaluate(f"() => {{ {script} }}")
        started = time.perf_counter()
        snapshot, ladders = await asyncio.wait_for(
            snapshot_with_ladders(page, budget_s=budget_s), SCAN_TIMEOUT_S
        )
        seconds = time.perf_counter() - started
        await _recheck(page, snapshot.elements, ladders, recheck)
        everything = page.locator("css=*")
        xpaths = await everything.evaluate_all(XPATHS_OF) if reachable else None
        bad_hrefs = await page.evaluate(
            "() => Array.from(document.querySelectorAll('a[data-bad]'), (a) => a.href)"
        )
        issues = skipped_issues(snapshot, page.url)
        capture = PageCapture(
            url=page.url, status=200, snapshot=snapshot, ladders=ladders, issues=issues
        )
        assembled = PageAssembler(CrawlScope(f"{ORIGIN}/")).assemble(capture, 0)
        return Scan(snapshot, ladders, assembled, xpaths, bad_hrefs, seconds)
    finally:
        await context.close()


async def _recheck(
    page: Page, elements: list[RawElement], ladders: list[LocatorLadder], limit: int | None
) -> None:
    """Every verified rung, resolved again on its own, addresses exactly its element."""
    pairs = [(e, ladder) for e, ladder in zip(elements, ladders, strict=True) if ladder]
    for element, ladder in pairs[:limit]:
        for rung in ladder:
            found = await rung_locator(page, rung).evaluate_all(XPATHS_OF)
            assert found == [element.xpath], (rung, element.xpath)


# ---------------------------------------------------------------------------------------------
# Hostile pages, built from fragments; each fragment says what the scan must find.


@dataclass
class Hostile:
    body: list[str] = field(default_factory=list)
    script: list[str] = field(default_factory=list)
    throwers: int = 0  # elements whose reading throws: each counted as unreadable
    frames: int = 0  # visible iframes: counted, never entered
    shadow_texts: list[str] = field(default_factory=list)  # in open shadow roots: addressable
    found_texts: list[str] = field(default_factory=list)  # must be scanned (records with text)
    absent_texts: list[str] = field(default_factory=list)  # must not: closed, framed, hidden
    forms: dict[str, tuple[str, str, bool]] = field(default_factory=dict)  # key: action...

    def html(self) -> str:
        return "<body><h1>Hostile</h1>" + "".join(self.body) + "</body>"


Fragment = Callable[[st.DrawFn, Hostile, int], None]
ODD_VALUES = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=24),
    st.sampled_from(
        [
            "\"'><script>window.pwned=1</script>",
            "a\"b'c`d\\e",
            "\u202eright-to-left\u202c",
            "emoji \U0001f600 \u0000 nul",
            "line\nbreak\ttab",
            "x" * 30_000,
            '[id="x"], button',
        ]
    ),
)
# Names a form's controls shadow form properties with; the last few break Playwright's own role
# and label engines too (they call form.getAttribute): the scan must still come out whole.
HOSTILE_NAMES = (
    "action",
    "method",
    "id",
    "elements",
    "submit",
    "noValidate",
    "length",
    "tagName",
    "nodeType",
    "children",
    "closest",
    "contains",
    "shadowRoot",
    "querySelectorAll",
    "parentElement",
    "getAttribute",
)


def svg(draw: st.DrawFn, page: Hostile, n: int) -> None:
    page.body.append(
        f'<svg width="320" height="140" role="img" aria-label="Chart {n}">'
        f"<title>Chart title {n}</title><style>.c{{fill:red}}</style>"
        f'<a href="/svg{n}"><text x="5" y="20">Svg link {n}</text></a>'
        '<g onclick="void 0"><rect class="c" width="10" height="10" y="30"/></g>'
        f'<foreignObject x="0" y="40" width="220" height="60"><button>Svg button {n}</button>'
        "</foreignObject>"
        f'<svg x="240" y="0"><text id="svgtext{n}" x="0" y="15">Nested {n}</text></svg>'
        "</svg>"
    )
    page.found_texts += [f"Svg link {n}", f"Svg button {n}"]


def mathml(draw: st.DrawFn, page: Hostile, n: int) -> None:
    page.body.append(
        f'<math><mrow><mi id="mi{n}">x</mi><mo>=</mo><mn data-testid="mn{n}">{n}</mn></mrow></math>'
    )


def custom_elements(draw: st.DrawFn, page: Hostile, n: int) -> None:
    page.body.append(
        f'<x-widget-{n} role="button" tabindex="0">Widget {n}</x-widget-{n}>'
        f'<x-undefined-{n} role="link">Undefined {n}</x-undefined-{n}>'
    )
    page.script.append(f'customElements.define("x-widget-{n}", class extends HTMLElement {{}});')
    page.found_texts += [f"Widget {n}", f"Undefined {n}"]


def open_shadow(draw: st.DrawFn, page: Hostile, n: int) -> None:
    nested = draw(st.booleans())
    inner = f'<div id="inner{n}"></div>' if nested else ""
    page.body.append(f'<div id="shadowhost{n}"></div>')
    page.script.append(
        f'{{ const root = document.getElementById("shadowhost{n}").attachShadow({{mode: "open"}});'
        f" root.innerHTML = '<p>Shadow text {n}</p><button>Shadow {n}</button>"
        f"<label>Shadow field {n} <input></label>{inner}';"
        + (
            f' root.getElementById("inner{n}").attachShadow({{mode: "open"}}).innerHTML ='
            f" '<a href=\"/deep{n}\">Nested shadow {n}</a>';"
            if nested
            else ""
        )
        + " }"
    )
    page.shadow_texts.append(f"Shadow {n}")
    if nested:
        page.shadow_texts.append(f"Nested shadow {n}")


def closed_shadow(draw: st.DrawFn, page: Hostile, n: int) -> None:
    page.body.append(f'<div id="closedhost{n}"></div>')
    page.script.append(
        f'document.getElementById("closedhost{n}").attachShadow({{mode: "closed"}}).innerHTML ='
        f" '<button>Closed {n}</button>';"
    )
    page.absent_texts.append(f"Closed {n}")


def iframes(draw: st.DrawFn, page: Hostile, n: int) -> None:
    page.body.append(
        f'<iframe srcdoc="&lt;button&gt;Framed {n}&lt;/button&gt;" width="160" height="50">'
        "</iframe>"
        f'<iframe src="/frame{n}" width="160" height="50"></iframe>'
        f'<iframe src="/hidden{n}" style="display:none"></iframe>'
    )
    page.frames += 2
    page.absent_texts.append(f"Framed {n}")


def hostile_form(draw: st.DrawFn, page: Hostile, n: int) -> None:
    names = draw(st.lists(st.sampled_from(HOSTILE_NAMES), min_size=1, max_size=6, unique=True))
    method = draw(st.sampled_from(["get", "POST", "dialog"]))
    novalidate = draw(st.booleans())
    inputs = "".join(f'<input name="{name}" aria-label="Field {name} {n}">' for name in names)
    page.body.append(
        f'<form id="form{n}" action="/go{n}?q=1" method="{method}"'
        f"{' novalidate' if novalidate else ''}>{inputs}<button>Send {n}</button></form>"
    )
    page.forms[f"form{n}"] = (f"{ORIGIN}/go{n}?q=1", method.lower(), novalidate)
    page.found_texts.append(f"Send {n}")


def odd_attributes(draw: st.DrawFn, page: Hostile, n: int) -> None:
    attrs = ("id", "title", "aria-label", "data-testid", "class", "name", "placeholder")
    values = " ".join(f'{a}="{html.escape(draw(ODD_VALUES), quote=True)}"' for a in attrs)
    text = html.escape(draw(ODD_VALUES))
    page.body.append(f"<button {values}>Odd {n} {text}</button><input {values}>")


def duplicate_ids(draw: st.DrawFn, page: Hostile, n: int) -> None:
    page.body.append(
        f'<button id="dup{n}">Twin {n} a</button><button id="dup{n}">Twin {n} b</button>'
        f'<input id="dup{n}" aria-label="Twin field {n}">'
    )
    page.found_texts += [f"Twin {n} a", f"Twin {n} b"]


def editable(draw: st.DrawFn, page: Hostile, n: int) -> None:
    page.body.append(f'<div contenteditable="true">Editable {n}</div>')
    page.found_texts.append(f"Editable {n}")


def hidden(draw: st.DrawFn, page: Hostile, n: int) -> None:
    page.body.append(
        f'<button style="display:none">Gone {n} a</button>'
        f'<button style="visibility:hidden">Gone {n} b</button>'
        f'<button style="width:0;height:0;padding:0;border:0;overflow:hidden">Gone {n} c</button>'
        f'<div style="width:0;height:0;overflow:hidden"><a href="/x">Gone {n} d</a></div>'
    )
    page.absent_texts += [f"Gone {n} {k}" for k in "abc"]


def throwing_getter(draw: st.DrawFn, page: Hostile, n: int) -> None:
    # A custom element class whose getter the scanner must read throws.
    getter, role = draw(st.sampled_from([("isContentEditable", ""), ("disabled", "button")]))
    page.body.append(f'<x-boom-{n} role="{role}">Boom {n}</x-boom-{n}>')
    page.script.append(
        f'customElements.define("x-boom-{n}", class extends HTMLElement {{'
        f' get {getter}() {{ throw new Error("boom {n}"); }} }});'
    )
    page.throwers += 1


def throwing_rect(draw: st.DrawFn, page: Hostile, n: int) -> None:
    # A page script patched getBoundingClientRect to throw for some elements.
    page.body.append(f"<button data-boom>Rect boom {n}</button>")
    page.script.append(
        "if (!window.rectPatched) { window.rectPatched = true;"
        " const rect = Element.prototype.getBoundingClientRect;"
        " Element.prototype.getBoundingClientRect = function () {"
        ' if (Element.prototype.hasAttribute.call(this, "data-boom")) throw new Error("rect");'
        " return rect.call(this); }; }"
    )
    page.throwers += 1


def overridden_but_readable(draw: st.DrawFn, page: Hostile, n: int) -> None:
    # Overrides on the instance or of getAttribute itself: read through the prototypes, these
    # elements are readable (Playwright's role engine, which calls getAttribute, may not be).
    page.body.append(
        f'<span id="instance{n}">Instance {n}</span>'
        f'<x-getattr-{n} role="button">Getattr {n}</x-getattr-{n}>'
    )
    page.script.append(
        f'Object.defineProperty(document.getElementById("instance{n}"), "innerText",'
        ' { get() { throw new Error("instance"); } });'
        f'customElements.define("x-getattr-{n}", class extends HTMLElement {{'
        ' getAttribute() { throw new Error("getAttribute"); } });'
    )
    page.found_texts += [f"Instance {n}", f"Getattr {n}"]


def deep(draw: st.DrawFn, page: Hostile, n: int) -> None:
    depth = draw(st.sampled_from([40, 600, 1500]))  # the HTML parser flattens beyond 512
    page.body.append(f'<div id="deep{n}"></div>')
    page.script.append(
        f'{{ let at = document.getElementById("deep{n}");'
        f' for (let i = 0; i < {depth}; i++) at = at.appendChild(document.createElement("div"));'
        f' at.innerHTML = "<button>Deep {n}</button>"; }}'
    )
    page.found_texts.append(f"Deep {n}")


def bad_links(draw: st.DrawFn, page: Hostile, n: int) -> None:
    href = draw(st.sampled_from(["http://[oops/", "http://a\u2100b/", "javascript:void(0)"]))
    page.body.append(f'<a data-bad href="{html.escape(href)}">Bad link {n}</a>')


FRAGMENTS: tuple[Fragment, ...] = (
    svg,
    mathml,
    custom_elements,
    open_shadow,
    closed_shadow,
    iframes,
    hostile_form,
    odd_attributes,
    duplicate_ids,
    editable,
    hidden,
    throwing_getter,
    throwing_rect,
    overridden_but_readable,
    deep,
    bad_links,
)


@st.composite
def hostile_pages(draw: st.DrawFn) -> Hostile:
    page = Hostile()
    for n, fragment in enumerate(
        draw(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=7))
    ):
        fragment(draw, page, n)
    return page


def _unsplittable(href: str) -> bool:
    try:
        urlsplit(href)
    except ValueError:
        return True
    return False


def _check(page: Hostile, scan: Scan) -> None:
    snapshot = scan.snapshot
    texts = {e.text for e in snapshot.elements}
    # Every record is a validated RawElement with a unique identity both sides compute alike.
    assert all(isinstance(e, RawElement) for e in snapshot.elements)
    xpaths = [e.xpath for e in snapshot.elements]
    assert len(xpaths) == len(set(xpaths))
    assert scan.reachable is not None
    assert len(scan.reachable) == len(set(scan.reachable))
    assert set(xpaths) <= set(scan.reachable)
    # What must be scanned is; what must not (closed shadow roots, frames, hidden) is not.
    for text in page.found_texts:
        assert text in texts, text
    for text in page.absent_texts:
        assert not any(t and text in t for t in texts), text
    for text in page.shadow_texts:
        [element] = [e for e in snapshot.elements if e.text == text]
        assert "/#shadow-root/" in element.xpath
        assert scan.ladders[snapshot.elements.index(element)], f"{text} is not addressable"
    # Throwing elements and links urllib cannot split are skipped and counted, nothing else.
    bad = sum(1 for href in scan.bad_hrefs if _unsplittable(href))
    assert snapshot.unreadable_count == page.throwers + bad, snapshot.unreadable
    assert snapshot.skipped_frame_count == page.frames
    assert snapshot.truncated.elements == snapshot.truncated.texts == 0
    forms = {f.key: (f.action, f.method, f.novalidate) for f in snapshot.forms}
    assert forms == page.forms
    # The page assembles; what it keeps is addressable.
    keys = [e.key for e in scan.assembled.page.elements]
    assert len(keys) == len(set(keys))
    assert all(e.ladder for e in scan.assembled.page.elements)
    issues = skipped_issues(snapshot, ORIGIN)
    skipped = snapshot.unreadable_count + snapshot.skipped_frame_count
    assert len(issues) == (1 if skipped else 0)
    assert all(i.kind is CrawlIssueKind.UNREADABLE for i in issues)


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(page=hostile_pages())
def test_hostile_pages_are_scanned_whole(chromium: Chromium, page: Hostile) -> None:
    scan = chromium.run(_scan(chromium.browser, page.html(), "\n".join(page.script)))
    _check(page, scan)


@st.composite
def every_fragment(draw: st.DrawFn) -> Hostile:
    page = Hostile()
    for n, fragment in enumerate(FRAGMENTS):
        fragment(draw, page, n)
    return page


@settings(max_examples=3, deadline=None, derandomize=True, database=None)
@given(page=every_fragment())
def test_every_fragment_on_one_page(chromium: Chromium, page: Hostile) -> None:
    scan = chromium.run(_scan(chromium.browser, page.html(), "\n".join(page.script)))
    _check(page, scan)


def _huge_page(rows: int) -> str:
    cells = "".join(
        f'<tr><td>Item {i}</td><td><a href="/item/{i}">Open {i}</a></td>'
        f'<td><button>Buy {i}</button></td><td><input aria-label="Quantity {i}"></td></tr>'
        for i in range(rows)
    )
    return f"<body><h1>Catalogue</h1><table>{cells}</table></body>"


def test_a_huge_page_is_cut_not_lost(chromium: Chromium) -> None:
    rows = 5000  # 40,000 elements, 15,000 of them interactive
    scan = chromium.run(
        _scan(chromium.browser, _huge_page(rows), "", budget_s=5, recheck=5, reachable=False)
    )
    snapshot = scan.snapshot
    assert snapshot.nodes > 40_000
    assert len(snapshot.elements) == MAX_ELEMENTS
    assert snapshot.truncated.elements == 3 * rows + 1 - MAX_ELEMENTS  # links, buttons, fields, h1
    assert snapshot.truncated.ladders > 0  # the verification budget ran out
    assert len({e.xpath for e in snapshot.elements}) == MAX_ELEMENTS
    assert snapshot.elements[0].text == "Catalogue"
    assert any(scan.ladders), "the cheap rungs verified within the budget"
    assert scan.seconds < 30, scan.seconds  # snapshot, then 5 s of checks and what was in flight
    [issue] = skipped_issues(snapshot, ORIGIN)
    assert "beyond the scan's cap" in issue.message
