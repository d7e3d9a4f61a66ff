"""Roundup in the corpus, at both versions: sign-in, and data() is stable, sensitive and reset."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.realapps.corpus.base import RunningApp, changed
from tests.realapps.corpus.roundup import APP, tracker_data

pytestmark = pytest.mark.realapps

TIMEOUT_S = 10.0
CSRF = re.compile(r'name="@csrf" type="hidden"\s+value="([^"]+)"')
# pages a signed-in user reads: the start page (issue index), a filtered list, an issue (its page
# is its edit form), the search form, the user list and a user's page
PAGES = ("", "issue?@filter=status&status=3&@columns=title,status", "issue1",
         "issue?@template=search", "user", "user1", "issue2")


@pytest.fixture(scope="module", params=APP.versions)
def version(request: pytest.FixtureRequest) -> str:
    APP.install(request.param)
    return str(request.param)


@pytest.fixture
def served(version: str, tmp_path: Path) -> Iterator[RunningApp]:
    with APP.running(version, tmp_path / "run") as running:
        yield running


def client(app: RunningApp) -> httpx.Client:
    return httpx.Client(base_url=app.base_url, follow_redirects=True, timeout=TIMEOUT_S)


def csrf(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, f"no @csrf token on {page.url}"
    return found.group(1)


def post_form(http: httpx.Client, app: RunningApp, path: str, form: dict[str, str],
              token_from: str) -> httpx.Response:
    """A form post as the browser sends it: the page's @csrf token, Referer and Origin."""
    token = csrf(http.get(token_from))
    origin = app.base_url.split("/demo/")[0]
    return http.post(path, data={**form, "@csrf": token},
                     headers={"Referer": app.base_url, "Origin": origin})


def sign_in(http: httpx.Client, app: RunningApp, password: str) -> httpx.Response:
    form = {"__login_name": app.username, "__login_password": password, "@action": "Login",
            "__came_from": app.base_url}
    return post_form(http, app, "", form, token_from="")


@contextlib.contextmanager
def signed_in(app: RunningApp) -> Iterator[httpx.Client]:
    with client(app) as http:
        page = sign_in(http, app, app.password)
        assert f"Hello, {app.username}" in page.text
        yield http


def test_the_right_password_signs_in_and_a_wrong_one_is_refused(served: RunningApp) -> None:
    with client(served) as http:
        page = sign_in(http, served, served.password)
        assert page.status_code == 200
        assert f"Hello, {served.username}" in page.text
        assert "Logout" in page.text
    with client(served) as http:
        page = sign_in(http, served, "not-the-password")
        assert "Invalid login" in page.text
        assert "Logout" not in page.text
        assert not http.cookies


def test_data_is_stable_across_sign_in_and_page_views(served: RunningApp) -> None:
    seed = served.data()
    assert served.data() == seed
    with client(served) as http:
        sign_in(http, served, "not-the-password")
    with signed_in(served) as http:
        for path in PAGES:
            page = http.get(path)
            assert page.status_code == 200, path
            assert f"Hello, {served.username}" in page.text, path
    assert changed(seed, served.data()) == []


def test_a_new_issue_and_an_edit_change_data_and_a_restart_starts_from_the_seed(
        version: str, tmp_path: Path) -> None:
    title = "Created over HTTP by the corpus test"
    with APP.running(version, tmp_path / "first") as first:
        seed = first.data()
        assert seed == tracker_data(APP.installed(version) / "seed")  # a start writes nothing
        with signed_in(first) as http:
            form = {"title": title, "priority": "3", "status": "1", "@note": "A first message.",
                    "@action": "new", "@template": "item", "@required": "title,priority"}
            page = post_form(http, first, "issue", form, token_from="issue?@template=item")
            assert page.status_code == 200
            assert re.search(r"/issue6\b", str(page.url)), page.url
            assert title in http.get("issue").text
        created = first.data()
        differs = changed(seed, created)
        assert {"table:_issue", "table:_msg", "files:files"} <= set(differs), differs
        with signed_in(first) as http:
            page = http.get("issue1")
            last = re.search(r'name="@lastactivity" type="hidden" value="([^"]+)"', page.text)
            assert last, "no @lastactivity on issue1"
            form = {"title": "Login page crashes (edited)", "@action": "edit",
                    "@lastactivity": last.group(1)}
            page = post_form(http, first, "issue1", form, token_from="issue1")
            assert "Login page crashes (edited)" in page.text
        assert "table:_issue" in changed(created, first.data())
    with APP.running(version, tmp_path / "second") as second:
        assert second.data() == seed
        with client(second) as http:
            assert title not in http.get("issue").text
