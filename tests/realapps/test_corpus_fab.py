"""Flask-AppBuilder's contacts app in the corpus, at both versions: sign-in, and data() is stable,
sensitive and reset."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.realapps.corpus.base import RunningApp, changed
from tests.realapps.corpus.fab import APP, app_data

pytestmark = pytest.mark.realapps

TIMEOUT_S = 10.0
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
LOGOUT = 'href="/logout/"'
REFUSED = "Invalid login. Please try again."
# pages a signed-in user reads: the index, the contact list (plain, searched, sorted), a contact,
# its edit form, the add form, the group list and a group with its related contacts, the gender
# list, the users and roles lists and the user's own info page
PAGES = ("", "contactmodelview/list/", "contactmodelview/list/?_flt_0_name=Ada",
         "contactmodelview/list/?_oc_ContactModelView=birthday&_od_ContactModelView=desc",
         "contactmodelview/show/1", "contactmodelview/edit/1", "contactmodelview/add",
         "groupmodelview/list/", "groupmodelview/show/1", "gendermodelview/list/",
         "users/list/", "roles/list/", "users/userinfo/")


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


def post_form(http: httpx.Client, path: str, form: dict[str, str]) -> httpx.Response:
    """Post `path`'s form the way the browser does: with the csrf_token of its GET."""
    token = CSRF.search(http.get(path).text)
    assert token, f"no csrf_token on {path}"
    return http.post(path, data={**form, "csrf_token": token.group(1)})


def sign_in(http: httpx.Client, app: RunningApp, password: str) -> httpx.Response:
    return post_form(http, "login/", {"username": app.username, "password": password})


@contextlib.contextmanager
def signed_in(app: RunningApp) -> Iterator[httpx.Client]:
    with client(app) as http:
        assert LOGOUT in sign_in(http, app, app.password).text
        yield http


def test_the_right_password_signs_in_and_a_wrong_one_is_refused(served: RunningApp) -> None:
    with client(served) as http:
        page = sign_in(http, served, served.password)
        assert page.status_code == 200
        assert page.url.path == "/"
        assert LOGOUT in page.text
        assert http.get("users/userinfo/").url.path == "/users/userinfo/"
    with client(served) as http:
        page = sign_in(http, served, "not-the-password")
        assert page.url.path == "/login/"
        assert REFUSED in page.text
        assert LOGOUT not in page.text
        assert http.get("users/userinfo/").url.path == "/login/"


def test_data_is_stable_across_sign_in_and_page_views(served: RunningApp) -> None:
    seed = served.data()
    assert served.data() == seed
    with client(served) as http:
        sign_in(http, served, "not-the-password")
    with signed_in(served) as http:
        for path in PAGES:
            page = http.get(path)
            assert page.status_code == 200, path
            assert LOGOUT in page.text, path
    assert changed(seed, served.data()) == []


def test_a_new_contact_and_an_edit_change_data_and_a_restart_starts_from_the_seed(
        version: str, tmp_path: Path) -> None:
    name = "Created Over HTTP"
    with APP.running(version, tmp_path / "first") as first:
        seed = first.data()
        assert seed == app_data(APP.installed(version) / "seed")  # a start writes nothing
        with signed_in(first) as http:
            page = post_form(http, "contactmodelview/add", {
                "name": name, "gender": "1", "contact_group": "2", "address": "1 Test Lane",
                "birthday": "1999-09-09", "personal_phone": "555-0999",
                "personal_celphone": "",
            })
            assert page.status_code == 200
            assert "Added Row" in page.text  # the flash; where it lands follows FAB's history
            assert name in http.get("contactmodelview/list/").text
        created = first.data()
        assert changed(seed, created) == ["table:contact"]
        with signed_in(first) as http:
            page = post_form(http, "contactmodelview/edit/1", {
                "name": "Ada King", "gender": "1", "contact_group": "1",
                "address": "12 St James's Square", "birthday": "1815-12-10",
                "personal_phone": "555-0101", "personal_celphone": "555-0201",
            })
            assert "Changed Row" in page.text
            assert "Ada King" in http.get("contactmodelview/show/1").text
        assert changed(created, first.data()) == ["table:contact"]
    with APP.running(version, tmp_path / "second") as second:
        assert second.data() == seed
        with signed_in(second) as http:
            assert name not in http.get("contactmodelview/list/").text
