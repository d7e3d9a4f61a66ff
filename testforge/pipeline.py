"""The pipeline service: discover → design → generate → execute → report, artefacts kept.

Each stage writes its artefact as soon as it has it, so a failure later never loses the work
done before it, and any stage can be re-run alone from the files.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from testforge.application.knowledge import snapshot
from testforge.application.runs import Summariser, finish_run
from testforge.artefacts import APP_MODEL, PLAN, SUITE_DIR, read_suite, write_model, write_suite
from testforge.design.port import Designed, TestDesigner
from testforge.discovery.service import DiscoveryProgress, DiscoveryRequest, discover
from testforge.domain.app_model import AppModel
from testforge.domain.errors import DiscoveryError
from testforge.domain.plan import TestPlan
from testforge.domain.results import RunResult
from testforge.execution.local import ExecutionRequest, ProgressCallback, execute
from testforge.healing.policy import HealingPolicy, auto_applicable
from testforge.healing.review import save_requests
from testforge.reporting.service import ReportPaths, write_reports
from testforge.scriptgen import copyedits
from testforge.scriptgen.render import generate_suite
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
    enrich: Callable[[AppModel], AppModel] | None = None,
) -> Generated:
    model = discover(request, browser, progress)
    if enrich is not None:  # classification: purpose, business flow and risk of each page
        if progress is not None:
            progress.phase("classifying pages")
        model = enrich(model)
    write_model(out / APP_MODEL, model)
    designed = designer.design(model)
    plan = designed.plan
    write_model(out / PLAN, plan)
    if not plan.cases:
        raise DiscoveryError(
            f"discovery of {model.base_url} found nothing to test ({len(model.pages)} pages, "
            f"{len(model.forms)} forms)",
            fix="check the URL and credentials; widen --include or raise --max-pages",
        )
    suite_dir = write_suite(generate_suite(plan, model), out / SUITE_DIR)
    return Generated(model=model, designed=designed, suite_dir=suite_dir)


def run_suite(
    suite_dir: Path,
    request: ExecutionRequest,
    out: Path,
    browser: BrowserSettings,
    progress: ProgressCallback | None = None,
    summarise: Summariser | None = None,
    policy: HealingPolicy | None = None,
    knowledge: "PatternStore | None" = None,
) -> tuple[RunResult, ReportPaths]:
    """Execute (the workers informed by the learned patterns), finish the run, keep every
    distinct heal as a HealingRequest and every copy change as a CopyChangeRequest next to the
    suite, report."""
    policy = policy or HealingPolicy()
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
