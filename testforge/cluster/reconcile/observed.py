"""What the operator observed about a child Job, reduced to the facts reconcile decisions need.

`job_view` reads the raw Job and its pods (plain dicts, as any client returns them); it is pure
so the mapping of every failure shape (OOMKilled, Evicted, deadline, backoff) is table-tested.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from testforge.contracts.sandbox import RunnerSummary

COMPLETE, FAILED = "Complete", "Failed"
# Pod-level causes, most telling first: they explain a Job failure better than its own reason.
_POD_REASONS = ("OOMKilled", "Evicted", "DeadlineExceeded", "ContainerCannotRun", "Error")


@dataclass(frozen=True)
class JobView:
    name: str
    active: int = 0
    succeeded: int = 0
    failed: int = 0
    finished: str | None = None  # COMPLETE or FAILED
    reason: str | None = None
    message: str | None = None
    summary: RunnerSummary | None = None
    # How long its pods ran, once it finished (startTime to completionTime, or to the Failed
    # condition): the sandbox time the tenant is metered for.
    seconds: int | None = None

    @property
    def running(self) -> bool:
        return self.finished is None and self.active > 0


def parse_summary(text: str | None) -> RunnerSummary | None:
    if not text:
        return None
    try:
        return RunnerSummary.model_validate(json.loads(text))
    except (ValueError, ValidationError):
        return None  # FallbackToLogsOnError put log lines there instead of our JSON


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _seconds(job: dict[str, Any], finished: str | None) -> int | None:
    status = job.get("status", {})
    start = _time(status.get("startTime"))
    end = _time(status.get("completionTime"))
    if end is None:
        for condition in status.get("conditions") or []:
            if condition.get("type") == finished and condition.get("status") == "True":
                end = _time(condition.get("lastTransitionTime"))
    if finished is None or start is None or end is None:
        return None
    return max(0, round((end - start).total_seconds()))


def _finished(job: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    for condition in job.get("status", {}).get("conditions") or []:
        if condition.get("status") == "True" and condition.get("type") in {COMPLETE, FAILED}:
            return condition["type"], condition.get("reason"), condition.get("message")
    return None, None, None


def _pod_cause(pods: list[dict[str, Any]]) -> tuple[str | None, str | None, str | None]:
    """(reason, message, termination message) of the most telling failed pod."""
    best: tuple[int, str, str | None, str | None] | None = None
    for pod in pods:
        status = pod.get("status", {})
        candidates = [(status.get("reason"), status.get("message"), None)]
        for container in status.get("containerStatuses") or []:
            terminated = (container.get("state") or {}).get("terminated") or {}
            if terminated:
                message = terminated.get("message")
                candidates.append((terminated.get("reason"), message, message))
        for reason, message, termination in candidates:
            if reason in _POD_REASONS:
                rank = _POD_REASONS.index(reason)
                if best is None or rank < best[0]:
                    best = (rank, reason, message, termination)
    if best is None:
        return None, None, None
    return best[1], best[2], best[3]


def _termination_message(pods: list[dict[str, Any]]) -> str | None:
    for pod in sorted(pods, key=lambda p: p.get("metadata", {}).get("creationTimestamp") or ""):
        for container in pod.get("status", {}).get("containerStatuses") or []:
            terminated = (container.get("state") or {}).get("terminated") or {}
            if terminated.get("exitCode") == 0 and terminated.get("message"):
                return str(terminated["message"])
    return None


def job_view(
    job: dict[str, Any], pods: list[dict[str, Any]], stored: RunnerSummary | None = None
) -> JobView:
    """The Job as reconcile sees it. `stored` is the summary the runner also wrote to the store,
    used when no pod is left to carry the termination message."""
    status = job.get("status", {})
    finished, reason, message = _finished(job)
    pod_reason, pod_message, pod_termination = _pod_cause(pods)
    summary = parse_summary(_termination_message(pods)) or parse_summary(pod_termination) or stored
    if finished == FAILED:
        if pod_reason and pod_reason != "Error":
            reason, message = pod_reason, pod_message or message
        elif summary is not None and not summary.ok:
            reason, message = summary.reason, summary.message
    return JobView(
        name=job["metadata"]["name"],
        active=int(status.get("active") or 0),
        succeeded=int(status.get("succeeded") or 0),
        failed=int(status.get("failed") or 0),
        finished=finished,
        reason=reason,
        message=message,
        summary=summary,
        seconds=_seconds(job, finished),
    )
