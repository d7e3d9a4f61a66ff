"""Copy changes: recorded from a run, accepted into the test code only by a person."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from testforge.artifacts import write_suite
from testforge.design.offline import OfflineDesigner
from testforge.domain.copyedit import CopyDecision
from testforge.domain.errors import ArtifactError
from testforge.domain.results import (
    CopyChange,
    Failure,
    FailureKind,
    RunResult,
    TestResult,
    TestStatus,
)
from testforge.scriptgen.copyedits import (
    decide,
    load_requests,
    requests_from_run,
    rewrite_expected_text,
    save_requests,
)
from testforge.scriptgen.render import generate_suite
from tests.unit.pipeline.builders import shop

SOURCE = """def test_home(tf):
    tf.expect_text("home.heading", "Welcome")
    tf.expect_text("other.heading", "Welcome")
    tf.expect_page_text("Welcome")
"""


def test_rewriting_touches_only_the_assertions_of_that_key_and_text() -> None:
    new, count = rewrite_expected_text(SOURCE, "home.heading", "Welcome", 'Welcome "back"')
    assert count == 1
    assert 'tf.expect_text("home.heading", \'Welcome "back"\')' in new
    assert 'tf.expect_text("other.heading", "Welcome")' in new
    assert 'tf.expect_page_text("Welcome")' in new


def run_with(change: CopyChange, *nodeids: str) -> RunResult:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    tests = [
        TestResult(
            nodeid=n,
            title=n,
            status=TestStatus.FAILED,
            failure=Failure(kind=FailureKind.ASSERTION, message="changed", copy_change=change),
        )
        for n in nodeids
    ]
    return RunResult(
        base_url="http://shop.test/", plan_hash="x", started_at=now, finished_at=now,
        workers=1, tests=tests,
    )  # fmt: skip


@pytest.fixture
def suite_dir(tmp_path: Path) -> Path:
    model = shop()
    plan = OfflineDesigner().design(model).plan
    return write_suite(generate_suite(plan, model), tmp_path / "suite")


def test_one_request_per_distinct_change_and_accepting_rewrites_the_suite(
    suite_dir: Path,
) -> None:
    change = CopyChange(key="mug.heading", expected="Mug", actual="Mugs", similarity=0.86)
    requests = requests_from_run(run_with(change, "a", "b"))
    assert len(requests) == 1 and requests[0].tests == ["a", "b"]
    save_requests(suite_dir, requests)
    assert load_requests(suite_dir)[0].decision is CopyDecision.PENDING  # never automatic
    decided, count = decide(suite_dir, requests[0].id[:9], accept=True, by="me")
    assert decided.decision is CopyDecision.ACCEPTED and count >= 1
    code = "\n".join(p.read_text() for p in (suite_dir / "tests").glob("test_*.py"))
    assert 'tf.expect_text("mug.heading", "Mugs")' in code
    assert 'tf.expect_text("mug.heading", "Mug")' not in code


def test_a_change_no_assertion_expects_is_refused_with_a_fix(suite_dir: Path) -> None:
    change = CopyChange(key="mug.heading", expected="Teapot", actual="Teapots", similarity=0.9)
    save_requests(suite_dir, requests_from_run(run_with(change, "a")))
    with pytest.raises(ArtifactError, match="no assertion"):
        decide(suite_dir, load_requests(suite_dir)[0].id, accept=True, by="me")
