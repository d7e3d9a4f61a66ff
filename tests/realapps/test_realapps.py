"""TestForge on real applications, as a new user gets it: a URL and credentials, nothing else.

For the corpus pairs that fit CI's time (a server-rendered app with a sign-in form, and the
HTTP-authenticated control pair whose two versions do not differ), measured by the same harness
as `benchmarks/realapps.py`, which runs the whole corpus. Each must hold:
discovery changes none of the application's data; the suite it generates passes on the version
it came from, in two random orders and alone, with nothing flaky; on the control pair's new
version nothing heals and nothing fails; no heal is judged false.
"""

from pathlib import Path

import pytest

from testforge.domain.app_model import CrawlLimits
from tests.realapps.corpus import corpus
from tests.realapps.harness import AppFigures, Measurement

pytestmark = [pytest.mark.realapps, pytest.mark.browser, pytest.mark.slow]
IN_CI = ("roundup", "trac")
CI_MAX_PAGES = 20
MIN_OWN_PASS_RATE = 0.97


@pytest.fixture(scope="module", params=IN_CI)
def measured(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AppFigures:
    app = corpus()[request.param]
    out: Path = tmp_path_factory.mktemp(app.name)
    # A smaller crawl than the benchmark's default 50 pages, to fit CI's time.
    limits = CrawlLimits(max_pages=CI_MAX_PAGES, page_timeout_s=app.page_timeout_s)
    return Measurement(app, out, limits=limits, alone=3).run()


def test_default_discovery_changes_none_of_the_applications_data(measured: AppFigures) -> None:
    assert measured.data_changed_by_discovery == []
    assert measured.data_changed_by_suite == []


def test_discovery_reaches_the_application_behind_its_sign_in(measured: AppFigures) -> None:
    assert measured.pages >= 10 and measured.templates >= 5 and measured.tests >= 15


def test_the_suite_passes_on_its_own_version_in_any_order_with_nothing_flaky(
    measured: AppFigures,
) -> None:
    assert measured.own_pass_rate >= MIN_OWN_PASS_RATE, [r.failures for r in measured.old_runs]
    assert all(r.flaky == 0 for r in measured.old_runs)


def test_tests_pass_alone(measured: AppFigures) -> None:
    assert measured.alone and set(measured.alone.values()) == {"passed"}, measured.alone


def test_no_heal_is_false_and_the_control_pair_needs_none(measured: AppFigures) -> None:
    assert measured.false_heals == 0, measured.heals
    if measured.control:
        assert measured.new_run is not None
        assert measured.heals == [] and measured.new_run.failed == 0, measured.new_run.failures
