"""The local pipeline end to end on the demo shop, in real Chromium.

One suite is generated on v1 per session; it must pass on v1, fail only where v3 regressed,
break on v2 for locator reasons only, and pass on v2 once healed.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.versions import DEMO_PASSWORD, DEMO_USER
from testforge.design.offline import OfflineDesigner
from testforge.discovery.auth import Credentials
from testforge.discovery.service import DiscoveryRequest
from testforge.domain.app_model import CrawlLimits, FlowKind
from testforge.domain.healing import HealingDecision
from testforge.domain.plan import Tag
from testforge.domain.results import FailureKind, RunResult, TestStatus
from testforge.execution.local import ExecutionRequest
from testforge.healing.review import apply_approved, load_requests
from testforge.pipeline import Generated, generate, run_suite
from testforge.settings import BrowserSettings

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CREDENTIALS = Credentials(DEMO_USER, DEMO_PASSWORD)
DEMO_PAGES = {"/", "/login", "/account", "/products", "/cart", "/checkout", "/contact", "/deals"}


@pytest.fixture(scope="module")
def generated(demo_v1: str, tmp_path_factory: pytest.TempPathFactory) -> Generated:
    out = tmp_path_factory.mktemp("demo")
    # The demo shop is disposable: writes are allowed, so the cart and checkout are explored.
    request = DiscoveryRequest(
        base_url=demo_v1, limits=CrawlLimits(), credentials=CREDENTIALS, allow_writes=True
    )
    return generate(request, OfflineDesigner(), out, BrowserSettings())


@pytest.fixture
def suite_copy(generated: Generated, tmp_path: Path) -> Iterator[Path]:
    """A private copy of the suite, so applying heals in one test leaves the others alone."""
    target = tmp_path / "suite"
    shutil.copytree(generated.suite_dir, target)
    yield target


def run(suite: Path, url: str, out: Path, *, heal: bool = True, retries: int = 1) -> RunResult:
    request = ExecutionRequest(
        base_url=url, workers=2, retries=retries, heal=heal, credentials=CREDENTIALS
    )
    result, paths = run_suite(suite, request, out, BrowserSettings())
    assert paths.html.is_file() and paths.junit.is_file() and paths.json.is_file()
    return result


def test_discovery_covers_every_page_form_and_journey(generated: Generated) -> None:
    model = generated.model
    paths = {p.path.split("?")[0] for p in model.pages}
    assert paths >= DEMO_PAGES
    assert sum(p.template == "/products/*" for p in model.pages) >= 6
    purposes = {f.purpose for f in model.forms}
    assert {"sign_in", "search"} <= purposes
    assert {f.kind for f in model.flows} >= {FlowKind.SIGN_IN, FlowKind.SEARCH, FlowKind.PURCHASE}
    checkout = next(p for p in model.pages if p.path == "/checkout")
    assert checkout.setup, "the checkout form is only reachable with items in the cart"


def test_the_plan_covers_every_page_and_form_with_at_least_25_tests(generated: Generated) -> None:
    cases = generated.plan.cases
    assert len(cases) >= 25
    covered_pages = {page.split("?")[0] for c in cases for page in c.pages}
    assert covered_pages >= DEMO_PAGES
    probed = {f.key for f in generated.model.forms if f.probes}
    assert probed <= {c.form for c in cases if c.form}
    assert {Tag.SMOKE, Tag.NAVIGATION, Tag.FORM_VALIDATION, Tag.FLOW, Tag.NEGATIVE} <= {
        t for c in cases for t in c.tags
    }


def test_every_generated_test_passes_on_the_baseline(
    generated: Generated, demo_v1: str, tmp_path: Path
) -> None:
    result = run(generated.suite_dir, demo_v1, tmp_path)
    failures = {
        t.title: t.failure.message if t.failure else ""
        for t in result.tests
        if t.status is TestStatus.FAILED
    }
    assert failures == {}
    assert result.summary.passed == result.summary.total == len(generated.plan.cases)
    assert result.summary.flaky == 0 and result.summary.healed == 0


def test_regressions_in_v3_fail_as_assertions_and_nothing_heals_them(
    generated: Generated, demo_v3: str, tmp_path: Path
) -> None:
    result = run(generated.suite_dir, demo_v3, tmp_path, retries=0)  # failures are expected
    failed = [t for t in result.tests if t.status is TestStatus.FAILED]
    assert failed, "v3 charges shipping twice and drops the city: tests must notice"
    assert all(t.failure and t.failure.kind is FailureKind.ASSERTION for t in failed)
    assert any("Place order" in t.title for t in failed)
    assert result.summary.healed == 0


def test_v2_breaks_only_for_element_not_found_without_healing(
    generated: Generated, demo_v2: str, tmp_path: Path
) -> None:
    result = run(generated.suite_dir, demo_v2, tmp_path, heal=False, retries=0)
    failed = [t for t in result.tests if t.status is TestStatus.FAILED]
    assert failed
    kinds = {t.failure.kind for t in failed if t.failure}
    assert kinds == {FailureKind.ELEMENT_NOT_FOUND}


def test_v2_passes_healed_and_after_applying_heals_needs_none(
    suite_copy: Path, demo_v2: str, tmp_path: Path
) -> None:
    healed = run(suite_copy, demo_v2, tmp_path / "first")
    failures = {
        t.title: t.failure.message if t.failure else ""
        for t in healed.tests
        if t.status is TestStatus.FAILED
    }
    assert failures == {}
    assert healed.summary.healed > 0
    requests = load_requests(suite_copy)
    assert requests and all(r.tests for r in requests)
    for request in requests:
        if request.decision is HealingDecision.NEEDS_APPROVAL:
            from testforge.healing.review import decide

            decide(suite_copy, request.id, approve=True, by="test")
    assert apply_approved(suite_copy)
    again = run(suite_copy, demo_v2, tmp_path / "second")
    assert again.summary.failed == 0
    assert again.summary.healed == 0
