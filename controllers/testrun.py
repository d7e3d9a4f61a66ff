"""TestRun handlers: one reconcile loop per unfinished run, woken by its Jobs and spec changes."""

from typing import Any

import kopf

from controllers.process import controllers, follow
from testforge.cluster.builders.names import LABEL_RUN
from testforge.cluster.control.loops import DONE, Outcome
from testforge.cluster.reconcile.runs import Decision
from testforge.domain.crd import GROUP, VERSION, RunPhase

FINAL = {p.value for p in RunPhase if p.finished}


def _unfinished(status: kopf.Status, **_: Any) -> bool:
    return status.get("phase") not in FINAL


@kopf.daemon(GROUP, VERSION, "testruns", when=_unfinished, backoff=5.0)
async def follow_run(
    name: str,
    namespace: str | None,
    spec: kopf.Spec,
    memo: kopf.Memo,
    stopped: kopf.DaemonStopped,
    **_: Any,
) -> None:
    ctl = controllers(memo)
    key = ("TestRun", namespace, name)
    ctl.wakeups.follow(key, ("TestProject", namespace, spec["projectRef"]["name"]))

    def then(decision: Decision | None) -> Outcome:
        if decision is None or decision.status.phase.finished:
            ctl.wakeups.forget(key)
            return DONE
        return decision.requeue_after

    await follow(memo, "TestRun", namespace, name, ctl.runs.reconcile, then, stopped)


@kopf.on.event("batch", "v1", "jobs", labels={LABEL_RUN: kopf.PRESENT})
def job_changed(labels: kopf.Labels, namespace: str | None, memo: kopf.Memo, **_: Any) -> None:
    controllers(memo).wakeups.wake(("TestRun", namespace, labels[LABEL_RUN]))


@kopf.on.event(GROUP, VERSION, "testruns")
def run_changed(
    name: str,
    namespace: str | None,
    meta: kopf.Meta,
    status: kopf.Status,
    memo: kopf.Memo,
    **_: Any,
) -> None:
    if meta.get("generation") != status.get("observedGeneration"):
        controllers(memo).wakeups.wake(("TestRun", namespace, name))  # e.g. spec.cancel
