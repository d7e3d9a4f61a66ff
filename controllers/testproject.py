"""TestProject handlers: one reconcile loop per project (discovery, suite, schedule)."""

from typing import Any

import kopf

from controllers.process import controllers, follow
from testforge.cluster.builders.names import LABEL_PROJECT, LABEL_ROLE
from testforge.cluster.control.loops import DONE, Outcome
from testforge.cluster.reconcile.projects import ProjectDecision
from testforge.domain.crd import GROUP, VERSION, SuiteReference


@kopf.daemon(GROUP, VERSION, "testprojects", backoff=5.0)
async def follow_project(
    name: str,
    namespace: str | None,
    memo: kopf.Memo,
    stopped: kopf.DaemonStopped,
    **_: Any,
) -> None:
    ctl = controllers(memo)
    key = ("TestProject", namespace, name)
    suite: SuiteReference | None = None

    def then(decision: ProjectDecision | None) -> Outcome:
        nonlocal suite
        if decision is None:
            return DONE
        if decision.status.suite != suite:
            suite = decision.status.suite
            ctl.wakeups.wake_followers(key)  # runs waiting for this project's suite
        return decision.requeue_after

    await follow(memo, "TestProject", namespace, name, ctl.projects.reconcile, then, stopped)


@kopf.on.event("batch", "v1", "jobs", labels={LABEL_ROLE: "discover", LABEL_PROJECT: kopf.PRESENT})
def discovery_job_changed(
    labels: kopf.Labels, namespace: str | None, memo: kopf.Memo, **_: Any
) -> None:
    controllers(memo).wakeups.wake(("TestProject", namespace, labels[LABEL_PROJECT]))


@kopf.on.event(GROUP, VERSION, "testprojects")
def project_changed(
    name: str,
    namespace: str | None,
    meta: kopf.Meta,
    status: kopf.Status,
    memo: kopf.Memo,
    **_: Any,
) -> None:
    if meta.get("generation") != status.get("observedGeneration"):
        controllers(memo).wakeups.wake(("TestProject", namespace, name))
