"""Writing every report of a run into one folder."""

from dataclasses import dataclass
from pathlib import Path

from testforge.artifacts import RESULTS, write_model
from testforge.domain.results import RunResult
from testforge.reporting.badge import write_badge
from testforge.reporting.html import write_html
from testforge.reporting.junit import write_junit

HTML = "report.html"
JUNIT = "junit.xml"
BADGE = "badge.svg"


@dataclass(frozen=True)
class ReportPaths:
    html: Path
    junit: Path
    json: Path
    badge: Path


def write_reports(result: RunResult, out: Path) -> ReportPaths:
    out.mkdir(parents=True, exist_ok=True)
    return ReportPaths(
        json=write_model(out / RESULTS, result),
        junit=write_junit(result, out / JUNIT),
        html=write_html(result, out / HTML),
        badge=write_badge(result.summary, out / BADGE),
    )
