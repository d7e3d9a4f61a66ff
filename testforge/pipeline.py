"""The pipeline service: discover → design → generate → execute → report, artefacts kept.

Each stage writes its artefact as soon as it has it, so a failure later never loses the work
done before it, and any stage can be re-run alone from the files.
"""

from dataclasses import dataclass
from pathlib import Path

from testforge.artefacts import APP_MODEL, PLAN, SUITE_DIR, write_model, write_suite
from testforge.design.port import TestDesigner
from testforge.discovery.service import DiscoveryProgress, DiscoveryRequest, discover
from testforge.domain.app_model import AppModel
from testforge.domain.plan import TestPlan
from testforge.domain.results import RunResult
from testforge.execution.local import ExecutionRequest, ProgressCallback, execute
from testforge.reporting.service import ReportPaths, write_reports
from testforge.scriptgen.render import generate_suite
from testforge.settings import BrowserSettings


@dataclass(frozen=True)
class Generated:
    model: AppModel
    plan: TestPlan
    suite_dir: Path


def generate(
    request: DiscoveryRequest,
    designer: TestDesigner,
    out: Path,
    browser: BrowserSettings,
    progress: DiscoveryProgress | None = None,
) -> Generated:
    model = discover(request, browser, progress)
    write_model(out / APP_MODEL, model)
    plan = designer.design(model)
    write_model(out / PLAN, plan)
    suite_dir = write_suite(generate_suite(plan, model), out / SUITE_DIR)
    return Generated(model=model, plan=plan, suite_dir=suite_dir)


def run_suite(
    suite_dir: Path,
    request: ExecutionRequest,
    out: Path,
    browser: BrowserSettings,
    progress: ProgressCallback | None = None,
) -> tuple[RunResult, ReportPaths]:
    result = execute(suite_dir, out, request, browser, progress)
    return result, write_reports(result, out)
