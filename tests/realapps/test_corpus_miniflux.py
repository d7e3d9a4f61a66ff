"""The Miniflux entry of the corpus: installs, serves from its seed, signs in, and `data()` tells
reading from writing. Starts each version once for the module (about a second each once cached).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.realapps.corpus.base import DataSnapshot, RunningApp, changed
from tests.realapps.corpus.miniflux import APP

pytestmark = pytest.mark.realapps

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
BODY_CSRF = re.compile(r'data-csrf-token="([^"]+)"')  # what the pages' script sends


@pytest.fixture(scope="module", params=APP.versions)
def served(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningApp, DataSnapshot]]:
    """A running version and its data as it was when it started (the seed)."""
    version: str = request.param
    APP.install(version)
    with APP.running(version, tmp_path_factory.mktemp(f"miniflux-{version}")) as app:
        yield app, app.data()


def client(app: RunningApp) -> httpx.Client:
    return httpx.Client(base_url=app.base_url)


def sign_in(http: httpx.Client, username: str, password: str) -> httpx.Response:
    """The sign-in form is on /: its hidden csrf goes with the POST to /login."""
    form = http.get("/")
    assert form.status_code == 200
    found = CSRF.search(form.text)
    assert found, "no csrf field on the sign-in page"
    return http.post("/login", data={"csrf": found[1], "username": username,
                                     "password": password})


def csrf_of(http: httpx.Client, path: str, pattern: re.Pattern[str] = CSRF) -> str:
    found = pattern.search(http.get(path).text)
    assert found, f"no csrf token on {path}"
    return found[1]


def processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            line = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in line:
            found.append(line)
    return found


def test_install_is_cached(served: tuple[RunningApp, DataSnapshot]) -> None:
    app, _ = served
    started = time.monotonic()
    folder = APP.install(app.version)
    assert time.monotonic() - started < 5
    assert (folder / "bin" / "miniflux.app").is_file()
    assert (folder / "seed" / "data" / "PG_VERSION").is_file()


def test_the_start_page_is_the_sign_in_form(served: tuple[RunningApp, DataSnapshot]) -> None:
    app, _ = served
    with client(app) as http:
        page = http.get("/")
    assert page.status_code == 200
    assert 'action="/login"' in page.text
    assert 'name="username"' in page.text
    assert 'name="password"' in page.text


def test_sign_in_with_the_form(served: tuple[RunningApp, DataSnapshot]) -> None:
    app, _ = served
    with client(app) as http:
        answer = sign_in(http, app.username, app.password)
        assert answer.status_code == 302
        assert answer.headers["location"] == "/unread"
        unread = http.get("/unread")
    assert unread.status_code == 200
    assert f"Logged in as {app.username}" in unread.text
    assert "Zero-downtime database migrations" in unread.text


def test_a_wrong_password_is_refused(served: tuple[RunningApp, DataSnapshot]) -> None:
    app, _ = served
    with client(app) as http:
        answer = sign_in(http, app.username, "not-the-password")
        assert answer.status_code == 200  # the form again, with an error
        assert "alert-error" in answer.text
        unread = http.get("/unread")
    assert unread.status_code == 302  # back to the sign-in form (v2.3.5 adds ?redirect_url=)
    assert unread.headers["location"].split("?")[0] == "/"


def test_reading_is_stable_and_browsing_changes_nothing(
        served: tuple[RunningApp, DataSnapshot]) -> None:
    app, _ = served
    before = app.data()
    assert app.data() == before
    with client(app) as http:
        assert sign_in(http, app.username, app.password).status_code == 302
        unread = http.get("/unread").text
        entries = sorted(set(re.findall(r'href="(/unread/entry/\d+)"', unread)))
        feeds = sorted(set(re.findall(r'href="/feed/(\d+)/entries"', http.get("/feeds").text)))
        categories = sorted(set(re.findall(r'href="/category/(\d+)/entries"',
                                           http.get("/categories").text)))
        assert len(entries) == 8 and len(feeds) == 3 and len(categories) == 4
        pages = [
            "/unread", "/starred", "/history", "/feeds", "/categories", "/search?q=tomato",
            "/settings", "/integrations", "/keys", "/sessions", "/users", "/about", "/shares",
            "/subscribe", "/category/create", "/keys/create", "/import", "/export", *entries,
            *(f"/feed/{f}/entries" for f in feeds), *(f"/feed/{f}/edit" for f in feeds),
            *(f"/category/{c}/entries" for c in categories),
            *(f"/category/{c}/feeds" for c in categories),
            *(f"/category/{c}/edit" for c in categories),
        ]
        for path in pages:
            assert http.get(path).status_code == 200, path
    assert changed(before, app.data()) == []


def test_writes_through_the_web_ui_change_data(served: tuple[RunningApp, DataSnapshot]) -> None:
    app, _ = served
    before = app.data()
    with client(app) as http:
        assert sign_in(http, app.username, app.password).status_code == 302
        created = http.post("/category/save", data={
            "csrf": csrf_of(http, "/category/create"), "title": f"Created {app.version}"})
        assert created.status_code == 302
        assert changed(before, app.data()) == ["table:categories"]
        entry = re.findall(r'data-id="(\d+)"', http.get("/unread").text)[0]
        # what the page's script sends when the "Read" / "Mark as read" button is clicked
        toggled = http.post("/entry/status", json={"entry_ids": [int(entry)], "status": "read"},
                            headers={"X-Csrf-Token": csrf_of(http, "/unread", BODY_CSRF)})
        assert toggled.status_code == 200
    assert changed(before, app.data()) == ["table:categories", "table:entries"]


def test_a_write_through_the_api_changes_data(served: tuple[RunningApp, DataSnapshot]) -> None:
    app, _ = served
    before = app.data()
    with httpx.Client(base_url=app.base_url, auth=(app.username, app.password)) as api:
        assert api.get("/v1/me").json()["username"] == app.username
        assert changed(before, app.data()) == []
        answer = api.post("/v1/categories", json={"title": f"From the API {app.version}"})
        assert answer.status_code == 201
    assert changed(before, app.data()) == ["table:categories"]


def test_every_run_starts_from_the_seed_and_leaves_nothing_running(
        served: tuple[RunningApp, DataSnapshot], tmp_path: Path) -> None:
    app, seed = served
    with client(app) as http:  # make sure the first run's data is no longer the seed
        assert sign_in(http, app.username, app.password).status_code == 302
        http.post("/category/save", data={"csrf": csrf_of(http, "/category/create"),
                                          "title": "Not in the seed"})
    assert app.data() != seed
    with APP.running(app.version, tmp_path) as again:
        assert again.data() == seed
        cluster = str((tmp_path / "pg").resolve())
        assert processes_mentioning(cluster)  # the test below would prove nothing otherwise
        url = again.base_url
    assert processes_mentioning(cluster) == []
    assert not Path(cluster).exists() or Path(cluster).is_relative_to(tmp_path)
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)
