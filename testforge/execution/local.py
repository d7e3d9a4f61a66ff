"""The local executor: pytest (+ xdist) in a subprocess, one fresh browser context per test.

Retries run as further pytest invocations on just the failed tests, so every attempt keeps its
own results and artifacts, and a pass after a failure is reported as flaky, never hidden.
"""

import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, ValidationError

from testforge.artifacts import read_suite
from testforge.contracts.runtime import RuntimeConfig, runtime_env
from testforge.discovery.auth import Credentials
from testforge.domain.errors import ConfigurationError, ExecutionError
from testforge.domain.results import Failure, FailureKind, RunResult, TestResult, TestStatus
from testforge.settings import BrowserSettings

PYTEST_OK, PYTEST_FAILED, PYTEST_NO_TESTS = 0, 1, 5
_RUNTIME_NAMES = frozenset(RuntimeConfig.env_name(field) for field in RuntimeConfig.model_fields)
HARD_TIMEOUT_MARGIN_S = 30
POLL_S = 0.2

ProgressCallback = Callable[[int, int], None]
TracePolicy = Literal["off", "on-first-retry", "retain-on-failure", "on"]
AttemptTrace = Literal["off", "retain-on-failure", "on"]


def _trace_for(policy: TracePolicy, attempt: int) -> AttemptTrace:
    if policy == "on-first-retry":
        return "retain-on-failure" if attempt > 1 else "off"
    return policy


@dataclass(frozen=True)
class ExecutionRequest:
    base_url: str
    workers: int = 2
    retries: int = 1
    test_timeout_s: float = 60.0
    action_timeout_s: float = 5.0
    navigation_timeout_s: float = 30.0
    heal: bool = True
    # Playwright's own default: record traces only when re-running a failure (recording every
    # attempt costs about a third of the run time).
    trace: TracePolicy = "on-first-retry"
    select: str | None = None
    nodeids: tuple[str, ...] = ()
    credentials: Credentials | None = None
    # The learned patterns exported for the workers' healing engines (a JSON snapshot).
    knowledge_snapshot: Path | None = None
    # A command that resets the application before each test; tests then run one at a time,
    # since a reset in one worker would pull the data from under another's test.
    before_each: str | None = None
    # Runs the tests in an order shuffled by this seed: tests must not depend on each other.
    order_seed: int | None = None

    def __post_init__(self) -> None:
        if self.workers < 1 or self.retries < 0 or self.test_timeout_s <= 0:
            raise ConfigurationError(
                f"invalid execution settings: workers={self.workers}, retries={self.retries}, "
                f"timeout={self.test_timeout_s}",
                fix="use workers >= 1, retries >= 0 and a positive timeout",
            )
        if self.before_each:
            object.__setattr__(self, "workers", 1)


def _env(
    request: ExecutionRequest, out: Path, attempt: int, browser: BrowserSettings
) -> dict[str, str]:
    credentials = request.credentials
    config = RuntimeConfig(
        base_url=request.base_url,
        results_dir=out / "results" / f"attempt-{attempt}",
        artifacts_dir=out / "artifacts",
        attempt=attempt,
        test_timeout_s=request.test_timeout_s,
        action_timeout_s=request.action_timeout_s,
        navigation_timeout_s=request.navigation_timeout_s,
        heal=request.heal,
        trace=_trace_for(request.trace, attempt),
        username=credentials.username if credentials else None,
        password=SecretStr(credentials.password) if credentials else None,
        before_each=request.before_each,
        knowledge_snapshot=request.knowledge_snapshot,
    )
    # Unset settings must not leak in from the executor's own environment (a stale password).
    inherited = {k: v for k, v in os.environ.items() if k not in _RUNTIME_NAMES}
    return {
        **inherited,
        **runtime_env(config, browser),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _pytest(
    suite_dir: Path, args: list[str], env: dict[str, str], log: Path, on_tick: Callable[[], None]
) -> int:
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as sink:
        process = subprocess.Popen(
            command, cwd=suite_dir, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
        try:
            while process.poll() is None:
                on_tick()
                time.sleep(POLL_S)
        except BaseException:
            process.terminate()
            process.wait(timeout=10)
            raise
    on_tick()
    return process.returncode


def collect(
    suite_dir: Path, request: ExecutionRequest, out: Path, browser: BrowserSettings
) -> list[str]:
    """The node ids the request selects, as pytest sees them."""
    args = ["--collect-only", *(["-m", request.select] if request.select else []), *request.nodeids]
    log = out / "logs" / "collect.log"
    if log.exists():
        log.unlink()
    code = _pytest(suite_dir, args, _env(request, out, 0, browser), log, lambda: None)
    if code == PYTEST_NO_TESTS:
        return []
    if code != PYTEST_OK:
        raise ExecutionError(
            f"pytest could not collect the suite in {suite_dir} (exit {code}):\n{_tail(log)}",
            fix="check the suite files; regenerate them with `testforge generate` if edited",
        )
    return [
        line.strip()
        for line in log.read_text().splitlines()
        if "::" in line and not line.startswith(" ")
    ]


def _tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def _load(results_dir: Path) -> dict[str, TestResult]:
    found: dict[str, TestResult] = {}
    for path in sorted(results_dir.glob("*.json")) if results_dir.is_dir() else []:
        try:
            result = TestResult.model_validate_json(path.read_bytes())
        except ValidationError:
            continue
        found[result.nodeid] = result
    return found


def _missing(nodeid: str, attempt: int, log: Path) -> TestResult:
    return TestResult(
        nodeid=nodeid,
        title=nodeid.rsplit("::", maxsplit=1)[-1],
        status=TestStatus.FAILED,
        attempts=attempt,
        failure=Failure(
            kind=FailureKind.ERROR,
            message=f"no result was recorded: the test process crashed or was killed ({log})",
        ),
    )


def execute(
    suite_dir: Path,
    out: Path,
    request: ExecutionRequest,
    browser: BrowserSettings,
    progress: ProgressCallback | None = None,
) -> RunResult:
    suite = read_suite(suite_dir)  # fails early, clearly, on a broken suite
    # pytest runs inside the suite folder: every path handed to it must be absolute
    suite_dir, out = suite_dir.resolve(), out.resolve()
    started = datetime.now(UTC)
    selected = collect(suite_dir, request, out, browser)
    if request.order_seed is not None:
        random.Random(request.order_seed).shuffle(selected)  # pytest keeps the order given
    final: dict[str, TestResult] = {}
    history: dict[str, list[TestStatus]] = {n: [] for n in selected}
    pending = list(selected)
    for attempt in range(1, request.retries + 2):
        if not pending:
            break
        results_dir = out / "results" / f"attempt-{attempt}"
        log = out / "logs" / f"attempt-{attempt}.log"

        def tick(results_dir: Path = results_dir, total: int = len(pending)) -> None:
            if progress:  # each attempt counts its own tests: retries restart the bar
                progress(len(list(results_dir.glob("*.json"))), total)

        args = [
            f"--timeout={request.test_timeout_s + HARD_TIMEOUT_MARGIN_S:.0f}",
            *(
                ["-n", str(min(request.workers, len(pending)))]
                if request.workers > 1 and len(pending) > 1
                else []
            ),
            *pending,
        ]
        code = _pytest(suite_dir, args, _env(request, out, attempt, browser), log, tick)
        ran_nothing = attempt == 1 and not _load(results_dir)
        if code not in {PYTEST_OK, PYTEST_FAILED} and ran_nothing:
            raise ExecutionError(
                f"pytest stopped with exit code {code} before running any test:\n{_tail(log)}",
                fix="read the log above; a missing browser or a broken suite is the usual cause",
            )
        results = _load(results_dir)
        for nodeid in pending:
            result = results.get(nodeid) or _missing(nodeid, attempt, log)
            history[nodeid].append(result.status)
            final[nodeid] = result
        pending = [n for n in pending if final[n].status is TestStatus.FAILED]
    tests = []
    for nodeid in selected:
        result = final[nodeid]
        flaky = result.status is TestStatus.PASSED and TestStatus.FAILED in history[nodeid]
        tests.append(result.model_copy(update={"flaky": flaky, "attempts": len(history[nodeid])}))
    return RunResult(
        base_url=request.base_url,
        plan_hash=suite.plan_hash,
        started_at=started,
        finished_at=datetime.now(UTC),
        workers=request.workers,
        tests=tests,
    )
