"""Trac in the corpus, at both versions: Digest sign-in; data() is stable, sensitive and reset."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.realapps.corpus.base import RunningApp, changed
from tests.realapps.corpus.trac import APP, env_data

pytestmark = pytest.mark.realapps

TIMEOUT_S = 10.0
FORM_TOKEN = re.compile(r'name="__FORM_TOKEN" value="([^"]+)"')
# the ticket form's hidden state: its token and the times Trac checks for a concurrent edit
STATE_FIELD = re.compile(r'name="(__FORM_TOKEN|start_time|view_time)"\s+value="([^"]+)"')
# pages a signed-in user reads: the start page (WikiStart), a wiki page, its edit form and
# history, the reports, a query, a ticket, the timeline, the roadmap, a milestone, the new-ticket
# form, an admin panel and the preferences
PAGES = ("", "wiki/ReleaseProcess", "wiki/ReleaseProcess?action=edit",
         "wiki/ReleaseProcess?action=history", "report", "report/1", "query?status=!closed",
         "ticket/1", "timeline", "roadmap", "milestone/Release%201.0", "newticket",
         "admin/ticket/components", "prefs")


@pytest.fixture(scope="module", params=APP.versions)
def version(request: pytest.FixtureRequest) -> str:
    APP.install(request.param)
    return str(request.param)


@pytest.fixture
def served(version: str, tmp_path: Path) -> Iterator[RunningApp]:
    with APP.running(version, tmp_path / "run") as running:
        yield running


def client(app: RunningApp, password: str | None = None) -> httpx.Client:
    auth = httpx.DigestAuth(app.username, password) if password is not None else None
    return httpx.Client(base_url=app.base_url, follow_redirects=True, timeout=TIMEOUT_S,
                        auth=auth)


def signed_in_as(page: httpx.Response) -> str | None:
    found = re.search(r'logged in as <span class="trac-author-user">([^<]+)</span>', page.text)
    return found.group(1) if found else None


@contextlib.contextmanager
def signed_in(app: RunningApp) -> Iterator[httpx.Client]:
    """Digest against /login once, then the `trac_auth` cookie, as a browser does."""
    with client(app, app.password) as http:
        page = http.get("login")
        assert signed_in_as(page) == app.username
        http.auth = httpx.Auth()  # no more Digest: the cookie carries the sign-in
        yield http


def test_the_right_password_signs_in_and_a_wrong_one_is_refused(served: RunningApp) -> None:
    with client(served, served.password) as http:
        page = http.get("login")
        assert page.status_code == 200
        assert signed_in_as(page) == served.username
        assert "trac_auth" in http.cookies
    with client(served, "not-the-password") as http:
        page = http.get("login")
        assert page.status_code == 401
        assert "trac_auth" not in http.cookies
    with client(served) as http:
        assert signed_in_as(http.get("")) is None


def test_data_is_stable_across_sign_in_and_page_views(served: RunningApp) -> None:
    seed = served.data()
    assert served.data() == seed
    with client(served, "not-the-password") as http:
        http.get("login")
    with signed_in(served) as http:
        for path in PAGES:
            page = http.get(path)
            assert page.status_code == 200, path
            assert signed_in_as(page) == served.username, path
    assert changed(seed, served.data()) == []


def test_a_new_ticket_and_a_comment_change_data_and_a_restart_starts_from_the_seed(
        version: str, tmp_path: Path) -> None:
    summary = "Created over HTTP by the corpus test"
    with APP.running(version, tmp_path / "first") as first:
        seed = first.data()
        assert seed == env_data(APP.installed(version) / "seed" / "env")  # a start writes nothing
        with signed_in(first) as http:
            form = http.get("newticket")
            token = FORM_TOKEN.search(form.text)
            assert token, "no __FORM_TOKEN on /newticket"
            page = http.post("newticket", data={
                "__FORM_TOKEN": token.group(1), "field_summary": summary,
                "field_description": "A ticket a test created.", "field_type": "task",
                "field_priority": "minor", "field_component": "Docs",
                "field_milestone": "Release 1.1", "field_reporter": first.username,
                "action": "create", "submit": "Create ticket",
            })
            assert page.status_code == 200
            assert str(page.url).split("#")[0].endswith("/ticket/6"), page.url
            assert summary in http.get("report/1").text
        created = first.data()
        assert "table:ticket" in changed(seed, created)
        with signed_in(first) as http:
            page = http.get("ticket/1")
            fields = dict(STATE_FIELD.findall(page.text))
            assert fields.keys() == {"__FORM_TOKEN", "start_time", "view_time"}, fields
            page = http.post("ticket/1", data={
                **fields, "comment": "A comment a test added.", "action": "leave",
                "submit": "Submit changes",
            })
            assert page.status_code == 200
            assert "A comment a test added." in page.text
        assert "table:ticket_change" in changed(created, first.data())
    with APP.running(version, tmp_path / "second") as second:
        assert second.data() == seed
        with client(second) as http:
            assert summary not in http.get("report/1").text
