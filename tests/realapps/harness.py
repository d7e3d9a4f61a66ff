"""One application of the corpus, measured as a new user would use TestForge on it.

With nothing but the start URL and the credentials: discover the old version (default, safe
options) and check that the application's data did not change; generate the suite; run it twice
on the old version in two random orders (and a sample of its tests alone); then run it on the
new version and record what failed, how, and what healed. `tests/realapps` asserts on the
figures for the pairs that fit CI; `benchmarks/realapps.py` prints them for the whole corpus.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from testforge.artifacts import write_model, write_suite
from testforge.design.offline import OfflineDesigner
from testforge.discovery.auth import Credentials
from testforge.discovery.service import DiscoveryRequest, discover
from testforge.domain.app_model import CrawlLimits
from testforge.domain.healing import HealingRequest
from testforge.domain.results import RunResult, TestStatus
from testforge.execution.local import ExecutionRequest
from testforge.healing.review import load_requests
from testforge.pipeline import run_suite
from testforge.scriptgen.render import generate_suite
from testforge.settings import BrowserSettings
from tests.realapps.corpus.base import RealApp, RunningApp, changed

HERE = Path(__file__).resolve().parent
JUDGEMENTS = HERE / "judgements.json"
ALONE_SAMPLE = 5
ORDER_SEEDS = (1, 2)


@dataclass
class RunFigures:
    total: int
    passed: int
    failed: int
    flaky: int
    healed: int
    failed_by_kind: dict[str, int]
    seconds: float
    median_test_s: float
    failures: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, result: RunResult, seconds: float) -> RunFigures:
        kinds: dict[str, int] = {}
        failures = []
        for test in result.tests:
            if test.status is TestStatus.FAILED and test.failure is not None:
                kinds[test.failure.kind.value] = kinds.get(test.failure.kind.value, 0) + 1
                failures.append(f"{test.nodeid}: {test.failure.message.splitlines()[0][:200]}")
        durations = [t.duration_ms / 1000 for t in result.tests if t.duration_ms]
        summary = result.summary
        return cls(
            total=summary.total,
            passed=summary.passed,
            failed=summary.failed,
            flaky=summary.flaky,
            healed=summary.healed,
            failed_by_kind=kinds,
            seconds=round(seconds, 1),
            median_test_s=round(statistics.median(durations), 2) if durations else 0.0,
            failures=failures,
        )


@dataclass
class HealFigure:
    key: str
    page: str
    broken: str
    chosen: str
    confidence: float
    decision: str
    judged: str  # correct, false, or unjudged (no entry in judgements.json)
    note: str = ""


@dataclass
class AppFigures:
    app: str
    old: str
    new: str
    control: bool
    pages: int = 0
    templates: int = 0
    elements: int = 0
    forms: int = 0
    discovery_s: float = 0.0
    pages_per_second: float = 0.0
    tests: int = 0
    data_changed_by_discovery: list[str] = field(default_factory=list)
    data_changed_by_suite: list[str] = field(default_factory=list)
    old_runs: list[RunFigures] = field(default_factory=list)
    alone: dict[str, str] = field(default_factory=dict)
    new_run: RunFigures | None = None
    heal_requests: int = 0
    heals: list[HealFigure] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)

    @property
    def own_pass_rate(self) -> float:
        total = sum(r.total for r in self.old_runs)
        return sum(r.passed for r in self.old_runs) / total if total else 0.0

    @property
    def false_heals(self) -> int:
        return sum(h.judged == "false" for h in self.heals)

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["own_pass_rate"] = round(self.own_pass_rate, 4)
        data["false_heals"] = self.false_heals
        return data


def _credentials(served: RunningApp) -> Credentials:
    return Credentials(served.username, served.password)


def _describe(heal: HealingRequest) -> tuple[str, str]:
    broken = heal.broken_ladder[0].describe() if heal.broken_ladder else "?"
    chosen = heal.result.chosen
    if chosen is None:
        return broken, "nothing"
    fp = chosen.fingerprint
    name = fp.accessible_name or fp.text or fp.label or fp.id or fp.name or ""
    where = f" -> {fp.href.split('?', 1)[0]}" if fp.href else ""  # a link is where it leads
    return broken, f"<{fp.tag}> {name!r}" + (f" #{fp.id}" if fp.id else "") + where


# app -> registry key -> the element chosen (as _describe gives it), verdict and note
Judgements = dict[str, dict[str, dict[str, str]]]


def _judge(app: str, key: str, chosen: str, judgements: Judgements) -> tuple[str, str]:
    """A verdict is about one element chosen for one key: a heal of the same key to another
    element is unjudged until someone looks at it."""
    entry = judgements.get(app, {}).get(key)
    if entry is None or entry.get("chosen") != chosen:
        return "unjudged", ""
    return entry.get("verdict", "unjudged"), entry.get("note", "")


def load_judgements() -> Judgements:
    if not JUDGEMENTS.is_file():
        return {}
    data: Judgements = json.loads(JUDGEMENTS.read_text())
    return data


class Measurement:
    """Measures one application; every step writes its artifacts under `out`."""

    def __init__(
        self,
        app: RealApp,
        out: Path,
        *,
        limits: CrawlLimits | None = None,
        alone: int = ALONE_SAMPLE,
        workers: int = 2,
    ) -> None:
        self.app = app
        self.out = out
        self.limits = limits or CrawlLimits(page_timeout_s=app.page_timeout_s)
        self.alone_sample = alone
        self.workers = workers
        self.browser = BrowserSettings()
        old, new = app.versions
        self.figures = AppFigures(app=app.name, old=old, new=new, control=app.control)

    def run(self) -> AppFigures:
        for version in self.app.versions:
            self.app.install(version)
        suite_dir = self.generate()
        for seed in ORDER_SEEDS:
            self.figures.old_runs.append(self.execute(suite_dir, self.app.versions[0], seed))
        self.alone(suite_dir)
        self.figures.new_run = self.execute(suite_dir, self.app.versions[1], None, heal=True)
        self.judge(suite_dir)
        return self.figures

    def generate(self) -> Path:
        old = self.app.versions[0]
        with self.app.running(old, self.out / "apps" / f"{old}-discovery") as served:
            before = served.data()
            request = DiscoveryRequest(
                base_url=served.base_url,
                limits=self.limits,
                credentials=_credentials(served),
                screenshots=self.out / "screenshots",
            )
            started = time.monotonic()
            model = discover(request, self.browser)
            seconds = time.monotonic() - started
            self.figures.data_changed_by_discovery = changed(before, served.data())
        write_model(self.out / "app-model.json", model)
        plan = OfflineDesigner().design(model).plan
        write_model(self.out / "plan.json", plan)
        suite_dir = write_suite(generate_suite(plan, model), self.out / "suite")
        crawled = [p for p in model.pages if p.state is None]
        f = self.figures
        f.pages = len(crawled)
        f.templates = len({p.template or p.path for p in crawled})
        f.elements = sum(len(p.elements) for p in model.pages)
        f.forms = len(model.forms)
        f.discovery_s = round(seconds, 1)
        f.pages_per_second = round(len(crawled) / seconds, 3) if seconds else 0.0
        f.tests = len(plan.cases)
        f.issues = [f"{i.kind.value} {i.url}: {i.message}"[:200] for i in model.issues]
        return suite_dir

    def execute(
        self,
        suite_dir: Path,
        version: str,
        seed: int | None,
        *,
        heal: bool = False,
        nodeids: tuple[str, ...] = (),
        tag: str = "",
    ) -> RunFigures:
        name = tag or (f"{version}-order-{seed}" if seed is not None else f"{version}-upgrade")
        with self.app.running(version, self.out / "apps" / name) as served:
            before = served.data()
            slow = self.app.page_timeout_s
            request = ExecutionRequest(
                base_url=served.base_url,
                test_timeout_s=max(60.0, 4 * slow),
                navigation_timeout_s=max(30.0, 2 * slow),
                workers=self.workers if not nodeids else 1,
                retries=1,
                heal=heal,
                credentials=_credentials(served),
                order_seed=seed,
                nodeids=nodeids,
            )
            started = time.monotonic()
            result, _ = run_suite(suite_dir, request, self.out / "runs" / name, self.browser)
            seconds = time.monotonic() - started
            if version == self.app.versions[0] and not nodeids:
                self.figures.data_changed_by_suite += changed(before, served.data())
        return RunFigures.of(result, seconds)

    def alone(self, suite_dir: Path) -> None:
        """A sample of the tests, each on its own: none may need another to have run first."""
        suite = json.loads((suite_dir / "suite.json").read_text())
        nodeids = [c["nodeid"] for c in suite["cases"]]
        sample = random.Random(0).sample(nodeids, min(self.alone_sample, len(nodeids)))
        old = self.app.versions[0]
        for n, nodeid in enumerate(sample):
            figures = self.execute(suite_dir, old, None, nodeids=(nodeid,), tag=f"{old}-alone-{n}")
            self.figures.alone[nodeid] = "passed" if figures.failed == 0 else "failed"

    def judge(self, suite_dir: Path) -> None:
        judgements = load_judgements()
        requests = load_requests(suite_dir)
        self.figures.heal_requests = len(requests)
        for request in requests:
            broken, chosen = _describe(request)
            verdict, note = _judge(self.app.name, request.key, chosen, judgements)
            confidence = request.result.chosen.confidence if request.result.chosen else 0.0
            self.figures.heals.append(
                HealFigure(
                    key=request.key,
                    page=request.page_url.split("/", 3)[-1],
                    broken=broken,
                    chosen=chosen,
                    confidence=round(confidence, 3),
                    decision=request.decision.value,
                    judged=verdict,
                    note=note,
                )
            )
