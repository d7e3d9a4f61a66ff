"""Reports: JUnit for CI, JSON for machines, one self-contained HTML file for people."""

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from testforge.domain.fingerprint import ElementFingerprint
from testforge.domain.healing import HealingCandidate, HealingResult, HealingStrategy
from testforge.domain.locators import Locator, LocatorStrategy
from testforge.domain.results import (
    Failure,
    FailureKind,
    Heal,
    RunResult,
    StepRecord,
    StepStatus,
    TestResult,
    TestStatus,
)
from testforge.reporting.badge import badge_svg
from testforge.reporting.service import write_reports

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def heal() -> Heal:
    chosen = HealingCandidate(
        fingerprint=ElementFingerprint(tag="button", text="Add to basket"),
        score=0.91,
        confidence=0.97,
        strategy=HealingStrategy.TEXT,
    )
    result = HealingResult(
        key="product.add_to_cart",
        candidates=[chosen],
        chosen=chosen,
        reason="confident match",
        new_ladder=(Locator(strategy=LocatorStrategy.ROLE, value="button", name="Add to basket"),),
    )
    return Heal(step=1, key="product.add_to_cart", page_url="http://shop.test/p", result=result)


@pytest.fixture
def run(tmp_path: Path) -> RunResult:
    shot = tmp_path / "shot.png"
    shot.write_bytes(PNG)
    step = StepRecord(
        index=0,
        clause="when",
        action="click",
        target="product.add_to_cart",
        status=StepStatus.HEALED,
        duration_ms=12,
    )
    start = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    return RunResult(
        base_url="http://shop.test/",
        plan_hash="abc123",
        started_at=start,
        finished_at=start + timedelta(seconds=42),
        workers=2,
        tests=[
            TestResult(
                nodeid="tests/test_cart.py::test_total",
                title="Cart total is right",
                status=TestStatus.FAILED,
                priority="P0",
                tags=("flow",),
                failure=Failure(
                    kind=FailureKind.ASSERTION,
                    message="expected $53.00, got $58.00",
                    screenshot=str(shot),
                    trace=str(tmp_path / "trace.zip"),
                ),
            ),
            TestResult(
                nodeid="tests/test_cart.py::test_add",
                title="Add to cart works",
                status=TestStatus.PASSED,
                steps=[step],
                heals=[heal()],
            ),
            TestResult(
                nodeid="tests/test_home.py::test_loads",
                title="Home loads",
                status=TestStatus.PASSED,
                flaky=True,
                attempts=2,
            ),
            TestResult(
                nodeid="tests/test_home.py::test_skip",
                title="Skipped one",
                status=TestStatus.SKIPPED,
                skip_reason="not today",
            ),
        ],
    )


def test_summary_counts_healed_and_flaky_among_passed(run: RunResult) -> None:
    assert run.summary.model_dump() == {
        "total": 4,
        "passed": 2,
        "failed": 1,
        "healed": 1,
        "flaky": 1,
        "skipped": 1,
    }


def test_json_report_has_integer_summary_next_to_tests(run: RunResult, tmp_path: Path) -> None:
    paths = write_reports(run, tmp_path / "out")
    data = json.loads(paths.json.read_text())
    assert data["summary"] == {
        "total": 4,
        "passed": 2,
        "failed": 1,
        "healed": 1,
        "flaky": 1,
        "skipped": 1,
    }
    assert len(data["tests"]) == 4
    assert RunResult.model_validate(data) == run  # the derived summary is ignored on the way back


def test_junit_xml_is_what_ci_systems_read(run: RunResult, tmp_path: Path) -> None:
    paths = write_reports(run, tmp_path / "out")
    suite = ET.parse(paths.junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "1", "1")
    failure = suite.find("testcase[@name='test_total']/failure")
    assert failure is not None and failure.get("type") == "assertion"
    healed = suite.find("testcase[@name='test_add']/properties/property[@name='healed']")
    assert healed is not None and healed.get("value") == "true"


def test_html_report_is_one_self_contained_file(run: RunResult, tmp_path: Path) -> None:
    html = write_reports(run, tmp_path / "out").html.read_text()
    assert "data:image/png;base64," in html  # the screenshot travels inside the report
    assert "expected $53.00, got $58.00" in html
    assert "healed ×1" in html and "flaky (2 attempts)" in html
    assert "Add to basket" in html and "confidence 0.97" in html
    assert "<script src" not in html and "<link" not in html
    assert "../trace.zip" in html  # artifacts are linked relative to the report


def test_badge_says_what_happened(run: RunResult) -> None:
    assert "1 failed, 2 passed" in badge_svg(run.summary)
    clean = run.model_copy(update={"tests": run.tests[1:2]})
    assert "1 passed, 1 healed" in badge_svg(clean.summary)
