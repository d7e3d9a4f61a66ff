"""Discovery and the suites it generates, on sites built like the real applications users point
TestForge at: a redirect to `/accounts/login/?next=...` with a CSRF token, sort variants of one
list page, a form that writes, a delete link, a help page in a new tab, HTTP Basic.

Each site records every request it gets, so the tests prove what discovery and the suite did:
only the sign-in is ever posted (safe by default), once per worker (session reuse).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from demo.server import running_app
from testforge.artifacts import read_suite
from testforge.cli import app as cli
from testforge.design.offline import OfflineDesigner
from testforge.discovery.auth import Credentials
from testforge.discovery.service import DiscoveryRequest
from testforge.domain.app_model import AuthScheme, CrawlLimits, ProbeKind, SkipReason
from testforge.domain.effects import Effect
from testforge.domain.plan import Action, Tag
from testforge.domain.results import RunResult
from testforge.execution.local import ExecutionRequest
from testforge.pipeline import Generated, generate, run_suite
from testforge.settings import BrowserSettings
from tests.integration.sites import PASSWORD, USER, Recorder, basic_auth, tracker

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CREDENTIALS = Credentials(USER, PASSWORD)
WORKERS = 2


@dataclass
class Site:
    url: str
    recorder: Recorder


@pytest.fixture(scope="module")
def tracker_site() -> Iterator[Site]:
    recorder = Recorder()
    with running_app(tracker(recorder), name="tracker") as url:
        yield Site(url, recorder)


@pytest.fixture(scope="module")
def tracker_suite(tracker_site: Site, tmp_path_factory: pytest.TempPathFactory) -> Generated:
    tracker_site.recorder.requests.clear()
    request = DiscoveryRequest(
        base_url=tracker_site.url, limits=CrawlLimits(max_pages=30), credentials=CREDENTIALS
    )
    out = tmp_path_factory.mktemp("tracker")
    return generate(request, OfflineDesigner(), out, BrowserSettings())


def run(suite: Path, site: Site, out: Path, nodeids: tuple[str, ...] = ()) -> RunResult:
    request = ExecutionRequest(
        base_url=site.url, workers=WORKERS, retries=0, credentials=CREDENTIALS, nodeids=nodeids
    )
    return run_suite(suite, request, out, BrowserSettings())[0]


def test_sign_in_is_found_behind_the_redirect_and_its_query_is_not_part_of_it(
    tracker_suite: Generated,
) -> None:
    auth = tracker_suite.model.auth
    assert auth is not None and auth.scheme is AuthScheme.FORM
    assert auth.login_path == "/accounts/login/"
    assert auth.sign_out is not None and auth.protected_path is not None
    assert {"/", "/items/", "/help/"} <= {p.path for p in tracker_suite.model.pages}


def test_default_discovery_posts_nothing_but_the_sign_in_and_follows_no_delete_link(
    tracker_site: Site, tracker_suite: Generated
) -> None:
    writes = tracker_site.recorder.writes()
    assert writes and set(writes) == {("POST", "/accounts/login/")}
    assert not any(p.endswith("/delete/") for _, p in tracker_site.recorder.requests)
    assert len(tracker_site.recorder.items) == 30
    skipped = {(s.reason, s.detail.split(" ", 1)[0]) for s in tracker_suite.model.skipped}
    assert (SkipReason.EFFECT, "destructive") in skipped
    new_item = next(f for f in tracker_suite.model.forms if f.page == "/items/new/")
    assert new_item.effect.effect is Effect.WRITE
    assert {p.kind.value for p in new_item.probes} <= {"empty", "invalid_field"}


def test_sort_variants_of_one_list_share_a_small_budget_and_the_report_says_so(
    tracker_suite: Generated,
) -> None:
    sorted_lists = [p for p in tracker_suite.model.pages if p.path.startswith("/items/?o=")]
    assert 1 <= len(sorted_lists) <= 3
    variants = [s for s in tracker_suite.model.skipped if s.reason is SkipReason.TEMPLATE_VARIANT]
    assert variants and sum(s.count for s in variants) >= 15


def test_the_help_link_is_tested_as_opening_a_new_tab(tracker_suite: Generated) -> None:
    new_tab = [
        c
        for c in tracker_suite.plan.cases
        if any(s.action is Action.CLICK_NEW_TAB for s in c.steps)
    ]
    assert new_tab and all("/help/" in c.then or "/help/" in c.title for c in new_tab)


def test_the_suite_passes_signs_in_once_per_worker_and_writes_nothing(
    tracker_site: Site, tracker_suite: Generated, tmp_path: Path
) -> None:
    tracker_site.recorder.requests.clear()
    result = run(tracker_suite.suite_dir, tracker_site, tmp_path)
    failed = {t.nodeid: t.failure.message[:300] for t in result.tests if t.failure}
    assert failed == {} and result.summary.total >= 10
    about_signing_in = [c for c in tracker_suite.plan.cases if Tag.AUTH in c.tags]
    posts = tracker_site.recorder.writes()
    assert set(posts) == {("POST", "/accounts/login/")}
    # One sign-in per worker, plus one for each test about signing in or out.
    assert len(posts) <= WORKERS + len(about_signing_in)
    assert len(tracker_site.recorder.items) == 30


def test_a_broken_sign_out_fails_the_suite(
    tracker_site: Site, tracker_suite: Generated, tmp_path: Path
) -> None:
    logout = next(c for c in tracker_suite.plan.cases if "ends the session" in c.title)
    cases = read_suite(tracker_suite.suite_dir).cases
    nodeid = next(s.nodeid for s in cases if s.case_id == logout.id)
    tracker_site.recorder.logout_works = False
    try:
        result = run(tracker_suite.suite_dir, tracker_site, tmp_path, nodeids=(nodeid,))
    finally:
        tracker_site.recorder.logout_works = True
    assert result.summary.failed == 1


def test_a_crawl_that_reaches_only_the_sign_in_page_exits_2_and_says_why(
    tracker_site: Site, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        cli, ["discover", tracker_site.url, "--max-pages", "5", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2, result.output
    assert "only the sign-in page" in result.output and "--username" in result.output


@pytest.fixture(scope="module")
def reports_site() -> Iterator[Site]:
    recorder = Recorder()
    with running_app(basic_auth(recorder), name="reports") as url:
        yield Site(url, recorder)


def test_http_basic_is_answered_and_its_suite_passes(reports_site: Site, tmp_path: Path) -> None:
    request = DiscoveryRequest(
        base_url=reports_site.url, limits=CrawlLimits(max_pages=10), credentials=CREDENTIALS
    )
    generated = generate(request, OfflineDesigner(), tmp_path / "gen", BrowserSettings())
    auth = generated.model.auth
    assert auth is not None and auth.scheme is AuthScheme.HTTP
    titles = {c.title for c in generated.plan.cases}
    assert {"HTTP sign-in with valid credentials succeeds",
            "HTTP sign-in with a wrong password is refused"} <= titles  # fmt: skip
    result = run(generated.suite_dir, reports_site, tmp_path / "run")
    failed = {t.nodeid: t.failure.message[:300] for t in result.tests if t.failure}
    assert failed == {} and result.summary.total >= 4


def test_with_writes_allowed_a_new_item_is_made_with_unique_data_and_found_in_its_list(
    tmp_path: Path,
) -> None:
    recorder = Recorder()
    with running_app(tracker(recorder), name="tracker-writes") as url:
        site = Site(url, recorder)
        request = DiscoveryRequest(
            base_url=url,
            limits=CrawlLimits(max_pages=12),
            credentials=CREDENTIALS,
            allow_writes=True,
        )
        generated = generate(request, OfflineDesigner(), tmp_path / "gen", BrowserSettings())
        new_item = next(f for f in generated.model.forms if f.page == "/items/new/")
        valid = new_item.probe(ProbeKind.VALID)
        assert valid is not None and valid.unique and valid.outcome.listed_on == "/items/"
        case = next(
            c for c in generated.plan.cases if c.form == new_item.key and "valid" in c.title
        )
        nodeid = next(
            c.nodeid for c in read_suite(generated.suite_dir).cases if c.case_id == case.id
        )
        made = len(recorder.items)
        for attempt in range(2):  # unique data: the same test passes again on its own leftovers
            result = run(generated.suite_dir, site, tmp_path / f"run-{attempt}", nodeids=(nodeid,))
            assert result.summary.passed == 1, [t.failure for t in result.tests]
        assert len(recorder.items) == made + 2 and recorder.items[-1] != recorder.items[-2]
        assert not any(p.endswith("/delete/") for _, p in recorder.requests)  # never, even now
