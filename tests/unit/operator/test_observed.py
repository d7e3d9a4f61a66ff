"""Reading a Job and its pods: which failure happened, and the runner's summary."""

from typing import Any

import pytest

from testforge.cluster.reconcile.observed import job_view, parse_summary
from testforge.contracts.sandbox import RunnerSummary

SUMMARY = RunnerSummary(ok=True, reason="Executed", result_ref="r/report.json", heals=1).encode()


def _job(condition: str | None = None, reason: str | None = None, **status: Any) -> dict[str, Any]:
    conditions = (
        [{"type": condition, "status": "True", "reason": reason, "message": "m"}]
        if condition
        else []
    )
    return {"metadata": {"name": "j"}, "status": {**status, "conditions": conditions}}


def _pod(
    reason: str | None = None,
    exit_code: int = 0,
    message: str | None = None,
    phase_reason: str | None = None,
) -> dict[str, Any]:
    terminated = {"exitCode": exit_code, "reason": reason, "message": message}
    return {
        "metadata": {},
        "status": {
            "reason": phase_reason,
            "containerStatuses": [{"state": {"terminated": terminated}}],
        },
    }


@pytest.mark.parametrize(
    ("job", "pods", "reason"),
    [
        (_job("Failed", "BackoffLimitExceeded"), [_pod("OOMKilled", 137)], "OOMKilled"),
        (_job("Failed", "BackoffLimitExceeded"), [_pod(phase_reason="Evicted")], "Evicted"),
        (_job("Failed", "DeadlineExceeded"), [], "DeadlineExceeded"),
        (_job("Failed", "BackoffLimitExceeded"), [_pod("Error", 1)], "BackoffLimitExceeded"),
        (
            _job("Failed", "PodFailurePolicy"),
            [
                _pod(
                    "Error",
                    2,
                    RunnerSummary(ok=False, reason="TargetUnreachable", message="no").encode(),
                )
            ],
            "TargetUnreachable",
        ),
    ],
)
def test_a_failed_job_is_named_by_its_most_telling_cause(
    job: dict[str, Any], pods: list[dict[str, Any]], reason: str
) -> None:
    view = job_view(job, pods)
    assert view.finished == "Failed"
    assert view.reason == reason


def test_a_completed_job_carries_the_runner_summary_from_the_termination_message() -> None:
    view = job_view(_job("Complete", succeeded=1), [_pod(message=SUMMARY)])
    assert view.finished == "Complete"
    assert view.summary is not None and view.summary.heals == 1


def test_the_stored_summary_stands_in_when_no_pod_is_left() -> None:
    stored = RunnerSummary(ok=True, reason="Executed", result_ref="x")
    assert job_view(_job("Complete"), [], stored).summary == stored


def test_a_running_job_is_not_finished() -> None:
    view = job_view(_job(active=1), [])
    assert view.running and view.finished is None


def test_log_lines_in_the_termination_message_are_not_a_summary() -> None:
    assert parse_summary("Traceback (most recent call last):") is None
    assert parse_summary('{"unexpected": 1}') is None


def test_a_finished_job_counts_the_seconds_its_pods_ran() -> None:
    done = _job("Complete", startTime="2026-12-02T10:00:00Z", completionTime="2026-12-02T10:01:35Z")
    assert job_view(done, [_pod(message=SUMMARY)]).seconds == 95
    failed = _job("Failed", "BackoffLimitExceeded", startTime="2026-12-02T10:00:00Z")
    failed["status"]["conditions"][0]["lastTransitionTime"] = "2026-12-02T10:00:40Z"
    assert job_view(failed, []).seconds == 40  # a failed Job has no completionTime
    running = _job(active=1, startTime="2026-12-02T10:00:00Z")
    assert job_view(running, []).seconds is None
