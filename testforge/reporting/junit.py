"""JUnit XML, the format every CI system reads."""

import xml.etree.ElementTree as ET
from pathlib import Path

from testforge.domain.results import RunResult, TestResult, TestStatus


def _case(test: TestResult) -> ET.Element:
    module, _, name = test.nodeid.rpartition("::")
    element = ET.Element(
        "testcase",
        classname=module.removesuffix(".py").replace("/", "."),
        name=name or test.nodeid,
        time=f"{test.duration_ms / 1000:.3f}",
    )
    properties = ET.SubElement(element, "properties")
    for key, value in (
        ("case", test.case_id),
        ("priority", test.priority),
        ("tags", ",".join(test.tags)),
        ("attempts", str(test.attempts)),
        ("flaky", str(test.flaky).lower()),
        ("healed", str(test.healed).lower()),
    ):
        if value:
            ET.SubElement(properties, "property", name=key, value=value)
    if test.status is TestStatus.FAILED and test.failure:
        failure = ET.SubElement(
            element, "failure", type=test.failure.kind.value, message=test.failure.message[:500]
        )
        failure.text = test.failure.message
    elif test.status is TestStatus.SKIPPED:
        ET.SubElement(element, "skipped", message=test.skip_reason or "skipped")
    lines = [
        f"[{s.status.value}] {s.clause} {s.action} {s.target or ''} {s.value or ''}".rstrip()
        for s in test.steps
    ]
    lines += [f"healed {h.key}: {h.result.reason}" for h in test.heals]
    if lines:
        ET.SubElement(element, "system-out").text = "\n".join(lines)
    return element


def write_junit(result: RunResult, path: Path) -> Path:
    summary = result.summary
    suites = ET.Element("testsuites", name="testforge")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="testforge",
        tests=str(summary.total),
        failures=str(summary.failed),
        errors="0",
        skipped=str(summary.skipped),
        time=f"{result.duration_s:.3f}",
        timestamp=result.started_at.isoformat(),
    )
    for test in result.tests:
        suite.append(_case(test))
    ET.indent(suites)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
    return path
