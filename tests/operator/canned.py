"""Canned sandbox work for the fast handler tests: results written to the store the way the real
runner writes them, with no browser."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from testforge.contracts.sandbox import (
    APP_MODEL_FILE,
    RESULT_FILE,
    SUMMARY_FILE,
    RunnerKind,
    RunnerSpec,
    RunnerSummary,
)
from testforge.domain.crd import Counts
from testforge.domain.results import RunResult, Summary, TestResult, TestStatus
from testforge.storage.local import LocalStore
from tests.unit.pipeline.builders import shop

from .harness import Outcome


class CannedWork:
    """Discovery yields the hand-built shop model; every test passes unless its node id
    contains one of `failing`; `outcomes` overrides what a Job does, by Job name suffix."""

    def __init__(
        self,
        store_root: Path,
        failing: tuple[str, ...] = (),
        outcomes: dict[str, Outcome] | None = None,
    ) -> None:
        self.store = LocalStore(store_root)
        self.failing = failing
        self.outcomes = outcomes or {}

    def _finish(self, spec: RunnerSpec, summary: RunnerSummary) -> Outcome:
        self.store.put(f"{spec.output}/{SUMMARY_FILE}", summary.encode().encode())
        return Outcome(0, summary.encode())

    def __call__(self, job: dict[str, Any], spec: RunnerSpec) -> Outcome:
        name = job["metadata"]["name"]
        for suffix, outcome in self.outcomes.items():
            if name.endswith(suffix):
                return outcome
        if spec.kind is RunnerKind.DISCOVER:
            ref = f"{spec.output}/{APP_MODEL_FILE}"
            self.store.put(ref, shop().model_dump_json().encode())
            return self._finish(spec, RunnerSummary(ok=True, reason="Discovered", result_ref=ref))
        now = datetime.now(UTC)
        tests = [
            TestResult(
                nodeid=nodeid,
                title=nodeid,
                status=TestStatus.FAILED
                if any(f in nodeid for f in self.failing)
                else TestStatus.PASSED,
            )
            for nodeid in spec.nodeids
        ]
        result = RunResult(
            base_url=spec.base_url,
            plan_hash="h",
            started_at=now,
            finished_at=now,
            workers=1,
            tests=tests,
        )
        ref = f"{spec.output}/{RESULT_FILE}"
        self.store.put(ref, result.model_dump_json().encode())
        counts = Counts.model_validate(Summary.of(tests).model_dump())
        return self._finish(
            spec, RunnerSummary(ok=True, reason="Executed", result_ref=ref, counts=counts)
        )
