"""Objects for the operator's unit tests: runs, projects, jobs and suites built by hand."""

from datetime import UTC, datetime, timedelta
from typing import Any

from testforge.cluster.builders.manifests import Owner, SandboxConfig
from testforge.cluster.reconcile.observed import JobView
from testforge.cluster.reconcile.runs import ProjectSuite, RunState
from testforge.contracts.sandbox import RunnerSummary
from testforge.domain.crd import Counts, TestProjectSpec, TestRunSpec, TestRunStatus
from testforge.domain.suite import SuiteCase

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
CONFIG = SandboxConfig(image="registry.local/sandbox:test", store_claim="artifacts")


def case(n: int, tags: tuple[str, ...] = ("smoke",), priority: str = "P1") -> SuiteCase:
    return SuiteCase(
        case_id=f"TC{n:03}",
        nodeid=f"tests/test_area{n % 3}.py::test_{n}",
        title=f"case {n}",
        priority=priority,
        tags=tags,
    )


def project(cases: int = 4, **spec: Any) -> ProjectSuite:
    return ProjectSuite(
        spec=TestProjectSpec.model_validate({"url": "http://shop.test", **spec}),
        suite_ref="projects/ns/shop/suites/abc",
        suite_hash="abc",
        cases=[case(i) for i in range(cases)],
    )


def run(
    status: TestRunStatus | None = None,
    created: datetime = T0,
    pinned: list[SuiteCase] | None = None,
    **spec: Any,
) -> RunState:
    """A run; `pinned` are the cases of the suite in its status.suiteRef, as the controller
    loads them for Preparing."""
    return RunState(
        owner=Owner(kind="TestRun", name="nightly", uid="uid-1", namespace="ns"),
        generation=1,
        created=created,
        spec=TestRunSpec.model_validate({"projectRef": {"name": "shop"}, **spec}),
        status=status or TestRunStatus(),
        pinned_cases=pinned,
    )


def done_job(name: str, passed: int, failed: int = 0, heals: int = 0) -> JobView:
    counts = Counts(total=passed + failed, passed=passed, failed=failed)
    summary = RunnerSummary(
        ok=True,
        reason="Executed",
        result_ref=f"runs/ns/nightly/{name}/report.json",
        counts=counts,
        heals=heals,
    )
    return JobView(name=name, succeeded=1, finished="Complete", summary=summary)


def failed_job(name: str, reason: str, message: str = "") -> JobView:
    return JobView(name=name, failed=1, finished="Failed", reason=reason, message=message)


def running_job(name: str) -> JobView:
    return JobView(name=name, active=1)


def later(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)
