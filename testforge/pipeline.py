"""The pipeline service: discover → design → generate → execute → report, artifacts kept.

Each stage writes its artifact as soon as it has it, so a failure later never loses the work
done before it, and any stage can be re-run alone from the files.
"""

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from testforge.application.knowledge import snapshot
from testforge.application.runs import Summariser, finish_run
from testforge.application.suites import Classifier, design_suite
from testforge.artifacts import APP_MODEL, PLAN, SUITE_DIR, read_suite, write_model, write_suite
from testforge.design.port import Designed, TestDesigner
from testforge.discovery.service import DiscoveryProgress, DiscoveryRequest, discover
from testforge.domain.app_model import AppModel
from testforge.domain.plan import TestPlan
from testforge.domain.results import RunResult
from testforge.execution.local import ExecutionRequest, ProgressCallback, execute
from testforge.healing.policy import HealThresholds, auto_applicable
from testforge.healing.review import save_requests
from testforge.reporting.service import ReportPaths, write_reports
from testforge.scriptgen import copyedits
from testforge.settings import BrowserSettings

if TYPE_CHECKING:  # Qdrant's client loads only when a command opens a store
    from testforge.knowledge.store import PatternStore


@dataclass(frozen=True)
class Generated:
    model: AppModel
    designed: Designed
    suite_dir: Path

    @property
    def plan(self) -> TestPlan:
        return self.designed.plan


def generate(
    request: DiscoveryRequest,
    designer: TestDesigner,
    out: Path,
    browser: BrowserSettings,
    progress: DiscoveryProgress | None = None,
    enrich: Classifier | None = None,
) -> Generated:
    model = discover(request, browser, progress)
    write_model(out / APP_MODEL, model)  # kept even when the design fails
    if enrich is not None and progress is not None:
        progress.phase("classifying pages")
    built = design_suite(model, designer, enrich)
    write_model(out / APP_MODEL, built.model)
    write_model(out / PLAN, built.designed.plan)
    suite_dir = write_suite(built.suite, out / SUITE_DIR)
    return Generated(model=built.model, designed=built.designed, suite_dir=suite_dir)


def run_suite(
    suite_dir: Path,
    request: ExecutionRequest,
    out: Path,
    browser: BrowserSettings,
    progress: ProgressCallback | None = None,
    summarise: Summariser | None = None,
    policy: HealThresholds | None = None,
    knowledge: "PatternStore | None" = None,
) -> tuple[RunResult, ReportPaths]:
    """Execute (the workers informed by the learned patterns), finish the run, keep every
    distinct heal as a HealingRequest and every copy change as a CopyChangeRequest next to the
    suite, report."""
    policy = policy or HealThresholds()
    out.mkdir(parents=True, exist_ok=True)
    if knowledge is not None:
        request = replace(
            request, knowledge_snapshot=snapshot(knowledge, out / "knowledge-snapshot.json")
        )
    result = execute(suite_dir, out, request, browser, progress)
    finished = finish_run(
        result, read_suite(suite_dir), lambda healed: auto_applicable(healed, policy), summarise
    )
    save_requests(suite_dir, finished.heal_requests)
    copyedits.save_requests(suite_dir, finished.copy_changes)
    return finished.result, write_reports(finished.result, out)
