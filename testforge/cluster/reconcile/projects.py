"""The TestProject reconciler as a pure function: validate, discover in a sandbox Job, have the
suite generated, and create scheduled TestRuns. Same contract as runs.py: the controller runs
the actions, then writes the returned status."""

from dataclasses import dataclass, field
from datetime import datetime

from testforge.cluster.builders import names
from testforge.cluster.builders.manifests import (
    Manifest,
    Owner,
    SandboxConfig,
    sandbox_job,
    scheduled_run,
    spec_config_map,
)
from testforge.cluster.reconcile import conditions as cond
from testforge.cluster.reconcile import cron
from testforge.cluster.reconcile.actions import CreateChildren, Emit
from testforge.cluster.reconcile.observed import COMPLETE, FAILED, JobView
from testforge.contracts.sandbox import RunnerKind, RunnerSpec, discovery_prefix
from testforge.domain.crd import (
    ConditionStatus,
    DiscoverySummary,
    LocalObjectReference,
    Selection,
    TestProjectSpec,
    TestProjectStatus,
    TestRunSpec,
    Trigger,
    TriggerSource,
)
from testforge.domain.errors import ConfigurationError

POLL_DISCOVERY_S = 60.0
MAX_CATCH_UP = 1000  # missed schedule ticks skipped at most; beyond, start from now


@dataclass(frozen=True)
class ProjectState:
    owner: Owner
    generation: int
    created: datetime
    spec: TestProjectSpec
    status: TestProjectStatus


@dataclass(frozen=True)
class GenerateSuite:
    """Design and generate the suite from the stored app model, store it, report its reference."""

    app_model_ref: str


@dataclass(frozen=True)
class CreateRun:
    manifest: Manifest


ProjectAction = CreateChildren | GenerateSuite | CreateRun | Emit


@dataclass
class ProjectDecision:
    status: TestProjectStatus
    actions: list[ProjectAction] = field(default_factory=list)
    requeue_after: float | None = None


def _with(
    project: ProjectState,
    status: TestProjectStatus,
    ready: ConditionStatus,
    reason: str,
    message: str,
    now: datetime,
    *,
    stalled: bool = False,
) -> TestProjectStatus:
    gen = project.generation
    items = cond.set_condition(status.conditions, cond.READY, ready, reason, message, gen, now)
    working = ready is not cond.TRUE and not stalled
    items = cond.set_condition(
        items, cond.RECONCILING, cond.TRUE if working else cond.FALSE, reason, message, gen, now
    )
    items = cond.set_condition(
        items, cond.STALLED, cond.TRUE if stalled else cond.FALSE, reason, message, gen, now
    )
    return status.model_copy(update={"conditions": items, "observed_generation": gen})


def _changed(before: TestProjectStatus, after: TestProjectStatus, kind: str) -> list[ProjectAction]:
    old, new = cond.find(before.conditions, cond.READY), cond.find(after.conditions, cond.READY)
    if new is None or (old is not None and (old.status, old.reason) == (new.status, new.reason)):
        return []
    bad = new.status is cond.FALSE and kind == "Warning"
    return [Emit("Warning" if bad else "Normal", new.reason, new.message)]


def backoff(status: TestProjectStatus, now: datetime) -> float:
    """Waits that grow with how long the project has been waiting: 5 s up to 5 minutes."""
    ready = cond.find(status.conditions, cond.READY)
    waited = (now - ready.last_transition_time).total_seconds() if ready else 0.0
    return min(300.0, max(5.0, waited / 2))


def discovery_children(project: ProjectState, config: SandboxConfig) -> tuple[Manifest, Manifest]:
    name = names.discovery_job(project.owner.name, project.generation)
    spec = project.spec
    runner = RunnerSpec(
        kind=RunnerKind.DISCOVER,
        base_url=spec.url,
        output=discovery_prefix(project.owner.namespace, project.owner.name, project.generation),
        limits=spec.crawl.limits(),
        login_path=spec.auth.login_path if spec.auth else None,
        probe_forms=spec.crawl.probe_forms,
        allow_writes=spec.crawl.allow_writes,
    )
    labels = {names.LABEL_PROJECT: project.owner.name}
    return (
        spec_config_map(name, project.owner, labels, runner),
        sandbox_job(name, project.owner, labels, runner, spec.sandbox, config, spec.auth),
    )


def _schedule(project: ProjectState, now: datetime) -> ProjectDecision:
    status, schedule = project.status, project.spec.schedule
    if schedule is None or schedule.suspend:
        return ProjectDecision(status)
    try:
        parsed = cron.parse(schedule.cron)
        due = parsed.next_after(status.last_schedule_time or project.created)
    except ConfigurationError as exc:
        bad = _with(project, status, cond.FALSE, "InvalidSchedule", exc.problem, now, stalled=True)
        return ProjectDecision(bad, _changed(status, bad, "Warning"))
    if due > now:
        return ProjectDecision(status, requeue_after=(due - now).total_seconds())
    # Only the latest missed tick runs: a week of downtime must not start a week of runs.
    for _ in range(MAX_CATCH_UP):
        following = parsed.next_after(due)
        if following > now:
            break
        due = following
    stamp = due.strftime("%Y%m%d%H%M")
    run = TestRunSpec(
        project_ref=LocalObjectReference(name=project.owner.name),
        shards=schedule.shards,
        selection=Selection(),
        trigger=Trigger(source=TriggerSource.SCHEDULE, actor="testforge-operator"),
    )
    name = names.scheduled_run(project.owner.name, stamp)
    manifest = scheduled_run(name, project.owner, run, due.isoformat())
    updated = status.model_copy(update={"last_schedule_time": due, "last_run": name})
    wait = (parsed.next_after(due) - now).total_seconds()
    return ProjectDecision(
        updated,
        [CreateRun(manifest), Emit("Normal", "Scheduled", f"created TestRun {name}")],
        requeue_after=max(1.0, wait),
    )


def reconcile_project(
    project: ProjectState,
    secret_problem: str | None,
    job: JobView | None,
    now: datetime,
    config: SandboxConfig,
) -> ProjectDecision:
    status, gen = project.status, project.generation
    if secret_problem is not None:
        waiting = _with(project, status, cond.FALSE, "SecretNotFound", secret_problem, now)
        return ProjectDecision(
            waiting, _changed(status, waiting, "Warning"), requeue_after=backoff(waiting, now)
        )
    discovery = status.discovery
    if discovery is None or discovery.generation != gen:
        name = names.discovery_job(project.owner.name, gen)
        started = status.model_copy(
            update={"discovery": DiscoverySummary(job=name, generation=gen)}
        )
        message = f"discovering {project.spec.url} in Job {name}"
        started = _with(project, started, cond.FALSE, "Discovering", message, now)
        return ProjectDecision(
            started,
            [
                CreateChildren(discovery_children(project, config)),
                *_changed(status, started, "Normal"),
            ],
            requeue_after=POLL_DISCOVERY_S,
        )
    if discovery.app_model_ref is not None and status.suite is not None:
        return _schedule(project, now)
    if job is None:
        lost = _with(
            project,
            status,
            cond.FALSE,
            "JobLost",
            f"discovery Job {discovery.job} disappeared before it finished; "
            "edit the TestProject's spec to discover again",
            now,
            stalled=True,
        )
        return ProjectDecision(lost, _changed(status, lost, "Warning"))
    if job.finished == FAILED:
        reason = job.reason or "DiscoveryFailed"
        message = job.message or f"discovery Job {discovery.job} failed"
        failed = _with(project, status, cond.FALSE, reason, message, now, stalled=True)
        return ProjectDecision(failed, _changed(status, failed, "Warning"))
    if job.finished == COMPLETE:
        summary = job.summary
        if summary is None or not summary.ok or summary.result_ref is None:
            lost = _with(
                project,
                status,
                cond.FALSE,
                "ResultsLost",
                f"discovery Job {discovery.job} completed without a stored app model",
                now,
                stalled=True,
            )
            return ProjectDecision(lost, _changed(status, lost, "Warning"))
        ready = _with(project, status, cond.TRUE, "SuiteReady", "the suite is generated", now)
        return ProjectDecision(
            ready,
            [GenerateSuite(summary.result_ref), *_changed(status, ready, "Normal")],
            requeue_after=0,
        )
    return ProjectDecision(status, requeue_after=POLL_DISCOVERY_S)
