"""The self-contained HTML report: one file with summary, steps, heals and failure evidence."""

import base64
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from testforge.domain.results import RunResult, TestResult, TestStatus

MAX_INLINE_IMAGE_BYTES = 2_000_000
_ORDER = {TestStatus.FAILED: 0, TestStatus.PASSED: 1, TestStatus.SKIPPED: 2}


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("testforge.reporting", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class TestView:
    test: TestResult
    screenshot: str | None
    dom: str | None
    trace: str | None
    search_text: str


def _relative(path: str | None, report_dir: Path) -> str | None:
    if not path:
        return None
    return os.path.relpath(path, report_dir) if Path(path).is_absolute() else path


def _inline_image(path: str | None) -> str | None:
    """Embed screenshots so the report stays one file; huge ones stay links."""
    if not path or not Path(path).is_file():
        return None
    data = Path(path).read_bytes()
    if len(data) > MAX_INLINE_IMAGE_BYTES:
        return path
    return "data:image/png;base64," + base64.b64encode(data).decode()


def _view(test: TestResult, report_dir: Path) -> TestView:
    failure = test.failure
    words = [test.title, test.case_id or "", *test.tags, *(s.target or "" for s in test.steps)]
    return TestView(
        test=test,
        screenshot=_inline_image(failure.screenshot) if failure else None,
        dom=_relative(failure.dom_snapshot, report_dir) if failure else None,
        trace=_relative(failure.trace, report_dir) if failure else None,
        search_text=" ".join(words).lower(),
    )


def render_html(result: RunResult, report_dir: Path) -> str:
    ordered = sorted(
        result.tests,
        key=lambda t: (_ORDER[t.status], not t.healed, not t.flaky, t.priority or "P9", t.nodeid),
    )
    template = _environment().get_template("report.html.j2")
    return template.render(
        result=result, summary=result.summary, tests=[_view(t, report_dir) for t in ordered]
    )


def write_html(result: RunResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(result, path.parent), encoding="utf-8")
    return path
