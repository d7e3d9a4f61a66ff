"""Copy changes under review: recorded from runs, accepted into the suite's test code by a person.

A copy change (testforge.domain.copyedit) is an assertion that failed only because an element's
text was edited. Requests live next to the suite (`SUITE/copy/<id>.json`), one per distinct
change. Accepting one rewrites the expected text of every `tf.expect_text(key, old)` call in the
suite's test files to the new text, so the suite reads as it now runs; nothing is accepted
without a person.
"""

import ast
import hashlib
from datetime import UTC, datetime
from pathlib import Path

from testforge.artifacts import ReviewQueue
from testforge.domain.copyedit import CopyChangeRequest, CopyDecision
from testforge.domain.errors import ArtifactError
from testforge.domain.results import RunResult
from testforge.scriptgen.render import py_str

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


QUEUE = ReviewQueue("copy", CopyChangeRequest, "copy change", "testforge review")
load_requests = QUEUE.load
save_requests = QUEUE.save
find_request = QUEUE.find


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
        raise ArtifactError(f"{request.id} is already {request.decision.value}")
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
            raise ArtifactError(
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
    return QUEUE.write(suite_dir, decided), rewritten
