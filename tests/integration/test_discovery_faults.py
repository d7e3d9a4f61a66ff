"""Discovery on a hostile site: hanging, failing and non-HTML pages, far more pages than the
limits, links off the origin. Each is recorded as an issue; the crawl finishes with what it has."""

import asyncio
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

from demo.server import running_app
from testforge.discovery.service import DiscoveryRequest, discover
from testforge.domain.app_model import AppModel, CrawlIssueKind, CrawlLimits, SkipReason
from testforge.settings import BrowserSettings

pytestmark = pytest.mark.browser
HANG_S = 20
PLOTS = ("north", "south", "east", "west", "centre")


def hostile_site() -> FastAPI:
    app = FastAPI()

    def page(title: str, body: str) -> HTMLResponse:
        return HTMLResponse(
            f"<!doctype html><title>{title}</title><main><h1>{title}</h1>{body}</main>"
        )

    @app.get("/")
    def home() -> HTMLResponse:
        links = "".join(
            f'<a href="{href}">{text}</a> '
            for href, text in [
                ("/slow", "Slow"),
                ("/broken", "Broken"),
                ("/data.json", "Data"),
                ("/farm/plots", "Farm"),
                ("https://elsewhere.invalid/", "Elsewhere"),
                ("/logout", "Sign out"),
            ]
        )
        return page("Home", links)

    @app.get("/slow")
    async def slow() -> HTMLResponse:
        await asyncio.sleep(HANG_S)
        return page("Slow", "")

    @app.get("/broken")
    def broken() -> PlainTextResponse:
        return PlainTextResponse("boom", status_code=500)

    @app.get("/data.json")
    def data() -> JSONResponse:
        return JSONResponse({"not": "html"})

    @app.get("/farm/{name}")
    def farm(name: str) -> HTMLResponse:
        # Named, not numbered, so each is a template of its own: more than the page limit.
        return page(
            f"Farm {name}",
            "".join(f'<a href="/farm/{name}-{w}">Plot {name}-{w}</a> ' for w in PLOTS),
        )

    @app.get("/logout")
    def logout() -> HTMLResponse:
        raise AssertionError("the crawler must never follow a sign-out link")

    return app


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with running_app(hostile_site(), name="hostile") as url:
        yield url


@pytest.fixture(scope="module")
def model(site: str) -> AppModel:
    limits = CrawlLimits(max_pages=8, max_depth=3, page_timeout_s=3, concurrency=2)
    return discover(
        DiscoveryRequest(base_url=site, limits=limits, probe_forms=False), BrowserSettings()
    )


def test_the_crawl_stops_at_the_page_limit_and_says_how_much_it_skipped(model: AppModel) -> None:
    assert len(model.pages) <= 8
    assert model.skipped_urls > 0
    assert any(i.kind is CrawlIssueKind.LIMIT and "max_pages=8" in i.message for i in model.issues)


def test_a_hanging_page_times_out_without_stalling_the_crawl(model: AppModel) -> None:
    timeouts = [i for i in model.issues if i.kind is CrawlIssueKind.TIMEOUT]
    assert [i.url.rsplit("/", 1)[-1] for i in timeouts] == ["slow"]
    assert any(p.path.startswith("/farm/") for p in model.pages)  # others went on meanwhile


def test_error_pages_are_issues_and_non_html_links_are_skipped_not_pages(model: AppModel) -> None:
    kinds = {i.url.rsplit("/", 1)[-1]: i.kind for i in model.issues}
    assert kinds["broken"] is CrawlIssueKind.HTTP_ERROR
    not_pages = [s for s in model.skipped if s.reason is SkipReason.DOWNLOAD]
    assert [s.examples for s in not_pages] == [("/data.json",)]
    assert not {"/broken", "/data.json", "/slow"} & {p.path for p in model.pages}


def test_the_crawl_never_leaves_the_origin_or_signs_out(model: AppModel, site: str) -> None:
    assert all(p.url.startswith(site) for p in model.pages)
    assert "/logout" not in {p.path for p in model.pages}
    assert not any("logout" in i.url or "elsewhere" in i.url for i in model.issues)
