"""RunResult: what happened when a suite ran, per test and step, with classified failures."""

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field, computed_field, model_validator

from testforge.domain.base import DomainModel
from testforge.domain.healing import HealingResult


class TestStatus(StrEnum):
    __test__ = False  # not a pytest test class (dunder names are never enum members)

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


class FailureKind(StrEnum):
    ELEMENT_NOT_FOUND = "element_not_found"
    ASSERTION = "assertion"
    TIMEOUT = "timeout"
    NAVIGATION = "navigation"
    ERROR = "error"


class StepStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    HEALED = "healed"


class StepRecord(DomainModel):
    index: int
    clause: str
    clause_text: str = ""
    action: str
    target: str | None = None
    value: str | None = None
    status: StepStatus
    duration_ms: float
    locator: str | None = None


class Heal(DomainModel):
    """A heal that happened at run time; `request` names the HealingRequest it produced."""

    step: int
    key: str
    page_url: str
    result: HealingResult
    snapshot: str | None = None
    request: str | None = None


class CopyChange(DomainModel):
    """An assertion that failed only because the element's text was edited: the element was
    found and its text differs from the expected one by a small edit, numbers unchanged.
    Review can accept the new text into the suite; it is never accepted automatically."""

    key: str
    expected: str
    actual: str
    similarity: float


class Failure(DomainModel):
    kind: FailureKind
    message: str
    step: int | None = None
    target: str | None = None
    healing: HealingResult | None = None
    copy_change: CopyChange | None = None
    screenshot: str | None = None
    dom_snapshot: str | None = None
    trace: str | None = None


class TestResult(DomainModel):
    __test__: ClassVar[bool] = False  # a domain type, not a pytest test class

    nodeid: str
    case_id: str | None = None
    title: str
    priority: str | None = None
    tags: tuple[str, ...] = ()
    status: TestStatus
    flaky: bool = False
    attempts: int = 1
    duration_ms: float = 0.0
    steps: list[StepRecord] = Field(default_factory=list)
    heals: list[Heal] = Field(default_factory=list)
    failure: Failure | None = None
    skip_reason: str | None = None

    @property
    def healed(self) -> bool:
        return self.status is TestStatus.PASSED and bool(self.heals)


class Summary(DomainModel):
    """`healed` and `flaky` count passed tests that needed a heal or a retry."""

    total: int
    passed: int
    failed: int
    healed: int
    flaky: int
    skipped: int

    @classmethod
    def of(cls, tests: list[TestResult]) -> "Summary":
        return cls(
            total=len(tests),
            passed=sum(t.status is TestStatus.PASSED for t in tests),
            failed=sum(t.status is TestStatus.FAILED for t in tests),
            healed=sum(t.healed for t in tests),
            flaky=sum(t.status is TestStatus.PASSED and t.flaky for t in tests),
            skipped=sum(t.status is TestStatus.SKIPPED for t in tests),
        )


class RunResult(DomainModel):
    base_url: str
    plan_hash: str  # the designed plan's hash (Suite.plan_hash), not the stored content's
    started_at: datetime
    finished_at: datetime
    workers: int
    tests: list[TestResult] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    insights: str | None = None  # a plain-language summary of the failures (report insights)

    @model_validator(mode="before")
    @classmethod
    def _drop_derived_summary(cls, data: Any) -> Any:
        # report.json carries the computed summary; it is derived, so reading it back ignores it.
        if isinstance(data, dict) and "summary" in data:
            data = {k: v for k, v in data.items() if k != "summary"}
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> Summary:
        return Summary.of(self.tests)

    @property
    def duration_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()
