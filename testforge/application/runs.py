"""Finishing a run: what a run's results become, whichever driver ran them.

The heals turn into HealingRequests decided by the project's policy, the copy edits into
CopyChangeRequests, every heal names its request for the reports, and the failures get a
plain-language summary when a summariser is configured. Pure but for the summariser: the
drivers store the outcome (next to the suite on one machine, in the artifact store and as
HealingRequest objects in the cluster) and render the reports from `result`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from testforge.domain.copyedit import CopyChangeRequest
from testforge.domain.healing import HealingRequest
from testforge.domain.results import RunResult
from testforge.domain.suite import Suite
from testforge.healing.review import AutoApprove, link_requests, requests_from_run
from testforge.scriptgen import copyedits

Summariser = Callable[[RunResult], str | None]


@dataclass(frozen=True)
class FinishedRun:
    result: RunResult  # heals linked to their requests, with insights when summarised
    heal_requests: list[HealingRequest]
    copy_changes: list[CopyChangeRequest]


def finish_run(
    result: RunResult,
    suite: Suite,
    auto_approve: AutoApprove,
    summarise: Summariser | None = None,
) -> FinishedRun:
    requests = requests_from_run(result, suite, auto_approve)
    linked = link_requests(result, suite)
    if summarise is not None:
        linked = linked.model_copy(update={"insights": summarise(linked)})
    return FinishedRun(linked, requests, copyedits.requests_from_run(result))
