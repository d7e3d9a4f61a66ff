"""Copy changes under review: recorded from runs, accepted into the suite's test code by a person.

A copy change (testforge.domain.copyedit) is an assertion that failed only because an element's
text was edited. Requests live next to the suite (`SUITE/copy/<id>.json`), one per distinct
change. Accepting one rewrites the expected text of every `tf.expect_text(key, old)` call in the
suite's test files to the new text, so the suite reads as it now runs; nothing is accepted
without a person.
"""

import ast
import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from testforge.artefacts import read_model, write_model
from testforge.domain.copyedit import CopyChangeRequest, CopyDecision
from testforge.domain.errors import ArtefactError
from testforge.domain.results import RunResult
from testforge.scriptgen.render import py_str

REQUESTS_DIR = "copy"
TESTS_DIR = "tests"


def request_id(key: str, expected: str, actual: str) -> str:
    digest = hashlib.sha256(f"{key}\n{expected}\n{actual}".encode()).hexdigest()
    return f"copy-{digest[:12]}"


def requests_from_run(result: RunResult) -> list[CopyChangeRequest]:
    found: dict[str, CopyChangeRequest] = {}
    now = datetime.now(UTC)
    for test in result.tests:
        change = test.failure.copy_change if test.failure else None
        if change is None:
            continue
        rid = request_id(change.key, change.expected, change.actual)
        if rid in found:
            found[rid].tests.append(test.nodeid)
            continue
        found[rid] = CopyChangeRequest(
            id=rid,
            created_at=now,
            key=change.key,
            expected=change.expected,
            actual=change.actual,
            similarity=change.similarity,
            tests=[test.nodeid],
        )
    return list(found.values())


def load_requests(suite_dir: Path) -> list[CopyChangeRequest]:
    folder = suite_dir / REQUESTS_DIR
    if not folder.is_dir():
        return []
    return sorted(
        (read_model(path, CopyChangeRequest) for path in folder.glob("copy-*.json")),
        key=lambda r: (r.created_at, r.id),
    )


def save_requests(suite_dir: Path, requests: Iterable[CopyChangeRequest]) -> None:
    """Store new requests; one seen before keeps its decision and gains the new tests."""
    existing = {r.id: r for r in load_requests(suite_dir)}
    for request in requests:
        old = existing.get(request.id)
        kept = (
            request
            if old is None
            else old.model_copy(update={"tests": sorted({*old.tests, *request.tests})})
        )
        write_model(suite_dir / REQUESTS_DIR / f"{kept.id}.json", kept)


def find_request(suite_dir: Path, rid: str) -> CopyChangeRequest:
    matches = [r for r in load_requests(suite_dir) if r.id == rid or r.id.startswith(rid)]
    if len(matches) != 1:
        known = ", ".join(r.id for r in load_requests(suite_dir)) or "none"
        raise ArtefactError(
            f"{'no' if not matches else 'more than one'} copy change matches {rid!r} in "
            f"{suite_dir / REQUESTS_DIR} (known: {known})",
            fix="list them with `testforge review` and use a full id",
        )
    return matches[0]


def _expect_text_literals(source: str, key: str, expected: str) -> list[ast.Constant]:
    """The expected-text literals of `tf.expect_text(key, expected)` calls in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "expect_text" or len(node.args) != 2:
            continue
        target, text = node.args
        if (
            isinstance(target, ast.Constant)
            and target.value == key
            and isinstance(text, ast.Constant)
            and text.value == expected
        ):
            found.append(text)
    return found


def rewrite_expected_text(source: str, key: str, expected: str, actual: str) -> tuple[str, int]:
    """`source` with each `tf.expect_text(key, expected)` now expecting `actual`; and how many."""
    literals = _expect_text_literals(source, key, expected)
    lines = source.splitlines(keepends=True)
    # From the last to the first, so earlier offsets stay valid.
    for literal in sorted(literals, key=lambda n: (n.lineno, n.col_offset), reverse=True):
        assert literal.end_lineno is not None and literal.end_col_offset is not None
        start = literal.lineno - 1
        end = literal.end_lineno - 1
        head, tail = lines[start][: literal.col_offset], lines[end][literal.end_col_offset :]
        lines[start : end + 1] = [head + py_str(actual) + tail]
    return "".join(lines), len(literals)


def decide(suite_dir: Path, rid: str, *, accept: bool, by: str) -> tuple[CopyChangeRequest, int]:
    """Accept (rewrite the suite's tests) or reject a copy change; returns it and the number of
    assertions rewritten."""
    request = find_request(suite_dir, rid)
    if request.decision is not CopyDecision.PENDING:
        raise ArtefactError(f"{request.id} is already {request.decision.value}")
    rewritten = 0
    if accept:
        for path in sorted((suite_dir / TESTS_DIR).rglob("test_*.py")):
            source = path.read_text(encoding="utf-8")
            new, count = rewrite_expected_text(
                source, request.key, request.expected, request.actual
            )
            if count:
                path.write_text(new, encoding="utf-8")
                rewritten += count
        if not rewritten:
            raise ArtefactError(
                f"no assertion of {request.key!r} expects {request.expected!r} in {suite_dir}",
                fix="the suite was edited or regenerated since the run; reject this change",
            )
    decided = request.model_copy(
        update={
            "decision": CopyDecision.ACCEPTED if accept else CopyDecision.REJECTED,
            "decided_at": datetime.now(UTC),
            "decided_by": by,
        }
    )
    write_model(suite_dir / REQUESTS_DIR / f"{request.id}.json", decided)
    return decided, rewritten
