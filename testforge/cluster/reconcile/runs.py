"""The TestRun reconciler as a pure function: (spec, status, observations, now) -> the next
status and the actions that get there. One call moves the run at most one phase forward; the
controller executes the actions, writes the status and calls again until nothing changes.

Everything a decision needs is in its arguments, so a restarted operator that reads the same
status and children makes the same decision: Jobs have deterministic names and are only ever
created in Preparing, which is left as soon as they exist.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from testforge.cluster.builders import names
from testforge.cluster.builders.manifests import (
    Manifest,
    Owner,
    SandboxConfig,
    sandbox_job,
    spec_config_map,
)
from testforge.cluster.reconcile import conditions as cond
from testforge.cluster.reconcile.actions import CreateChildren, DeleteChildren, Emit
from testforge.cluster.reconcile.observed import COMPLETE, FAILED, JobView
from testforge.cluster.reconcile.phases import transition
from testforge.cluster.reconcile.shards import plan_shards, select
from testforge.contracts.sandbox import RunnerKind, RunnerSpec, knowledge_key, shard_prefix
from testforge.domain.crd import (
    CleanupPolicy,
    Condition,
    Counts,
    EgressSpec,
    RunPhase,
    ShardState,
    ShardStatus,
    StopCause,
    TestProjectSpec,
    TestRunSpec,
    TestRunStatus,
)
from testforge.domain.suite import SuiteCase

POLL_RUNNING_S = 30.0  # a safety net: Job events wake the controller long before this


@dataclass(frozen=True)
class ProjectSuite:
    """The run's project as a run sees it: its spec and its current stored suite."""

    spec: TestProjectSpec
    suite_ref: str | None
    suite_hash: str | None
    cases: list[SuiteCase] | None  # the stored suite's cases; None when not loaded


@dataclass(frozen=True)
class RunState:
    """The TestRun as observed: its identity, spec, status and the cases it pinned."""

    owner: Owner
    generation: int
    created: datetime
    spec: TestRunSpec
    status: TestRunStatus
    # The cases of the suite pinned in status.suiteRef (loaded for Preparing; None otherwise).
    # Jobs are planned from these, never from the project's current suite: a heal applied
    # since the pinning, or a restart in Preparing, must not change what the run executes.
    pinned_cases: list[SuiteCase] | None


@dataclass(frozen=True)
class FinishRun:
    """Finish the run as on one machine (`application.runs.finish_run`), in one pass over the
    shards' results: the merged report (partial when some are missing), its copy changes and
    insights, and a HealingRequest for each heal when `record_heals`."""

    result_refs: tuple[str, ...]
    partial: bool
    record_heals: bool


Action = CreateChildren | DeleteChildren | FinishRun | Emit


@dataclass
class Decision:
    status: TestRunStatus
    actions: list[Action] = field(default_factory=list)
    requeue_after: float | None = None  # None: nothing to wait for; 0: call again at once


def _move(
    run: RunState,
    status: TestRunStatus,
    phase: RunPhase,
    reason: str,
    message: str,
    now: datetime,
) -> TestRunStatus:
    """`status` in `phase` (checked forward-only), with conditions to match."""
    phase = transition(status.phase, phase)
    updated = status.model_copy(
        update={
            "phase": phase,
            "reason": reason,
            "message": message,
            "observed_generation": run.generation,
        }
    )
    if phase.finished and updated.completion_time is None:
        updated = updated.model_copy(update={"completion_time": now})
    return updated.model_copy(update={"conditions": run_conditions(updated, run.generation, now)})


def _stopped(
    run: RunState, status: TestRunStatus, cause: StopCause, message: str, now: datetime
) -> TestRunStatus:
    """`status` sent to Reporting by `cause`, which then decides the final phase."""
    reporting = status.model_copy(update={"stop_cause": cause})
    return _move(run, reporting, RunPhase.REPORTING, cause.value, message, now)


def run_conditions(status: TestRunStatus, generation: int, now: datetime) -> list[Condition]:
    phase, reason, message = status.phase, status.reason or status.phase.value, status.message or ""
    items = status.conditions
    if phase.finished:
        ok = phase is RunPhase.SUCCEEDED
        verdict = cond.TRUE if ok else cond.FALSE
        items = cond.set_condition(items, cond.READY, verdict, reason, message, generation, now)
        items = cond.set_condition(items, cond.SUCCEEDED, verdict, reason, message, generation, now)
        items = cond.set_condition(
            items, cond.RECONCILING, cond.FALSE, phase.value, "finished", generation, now
        )
        stalled = cond.FALSE if ok else cond.TRUE
        return cond.set_condition(items, cond.STALLED, stalled, reason, message, generation, now)
    items = cond.set_condition(items, cond.READY, cond.FALSE, reason, message, generation, now)
    items = cond.set_condition(
        items, cond.SUCCEEDED, cond.UNKNOWN, reason, message, generation, now
    )
    items = cond.set_condition(items, cond.RECONCILING, cond.TRUE, reason, message, generation, now)
    return cond.set_condition(items, cond.STALLED, cond.FALSE, reason, message, generation, now)


def _event(status: TestRunStatus) -> Emit:
    bad = status.phase in {RunPhase.FAILED, RunPhase.ERROR}
    return Emit("Warning" if bad else "Normal", status.phase.value, status.message or "")


def _backoff(status: TestRunStatus, now: datetime) -> float:
    """Waits that grow with how long the run has been waiting: 5 s up to 5 minutes."""
    ready = cond.find(status.conditions, cond.READY)
    waited = (now - ready.last_transition_time).total_seconds() if ready else 0.0
    return min(300.0, max(5.0, waited / 2))


def shard_children(
    run: RunState,
    project: ProjectSuite,
    suite_ref: str,
    shard: ShardStatus,
    nodeids: tuple[str, ...],
    config: SandboxConfig,
) -> tuple[Manifest, Manifest]:
    labels = {
        names.LABEL_RUN: run.owner.name,
        names.LABEL_PROJECT: run.spec.project_ref.name,
        names.LABEL_SHARD: str(shard.index),
    }
    spec = RunnerSpec(
        kind=RunnerKind.EXECUTE,
        base_url=run.spec.url or project.spec.url,
        output=shard_prefix(run.owner.namespace, run.owner.name, shard.index),
        suite_ref=suite_ref,
        knowledge_ref=knowledge_key(run.owner.namespace),
        nodeids=nodeids,
        workers=run.spec.workers,
        retries=run.spec.retries,
        test_timeout_s=run.spec.test_timeout_seconds,
        heal=run.spec.heal and project.spec.healing.mode.value != "off",
        egress=(run.spec.egress or project.spec.egress or EgressSpec()).policy(),
    )
    return (
        spec_config_map(shard.job, run.owner, labels, spec),
        sandbox_job(
            shard.job, run.owner, labels, spec, project.spec.sandbox, config, project.spec.auth
        ),
    )


def _plan(
    run: RunState, project: ProjectSuite | None, now: datetime, config: SandboxConfig
) -> Decision:
    """Pending: wait for a project with a stored suite, then fix the shards for good."""
    status = run.status
    if project is None:
        name = run.spec.project_ref.name
        waiting = _move(
            run,
            status,
            RunPhase.PENDING,
            "ProjectNotFound",
            f"TestProject {name!r} does not exist in namespace {run.owner.namespace!r}",
            now,
        )
        return Decision(waiting, requeue_after=_backoff(status, now))
    if project.suite_ref is None or project.cases is None:
        waiting = _move(
            run,
            status,
            RunPhase.PENDING,
            "ProjectNotReady",
            f"TestProject {run.spec.project_ref.name!r} has no generated suite yet",
            now,
        )
        return Decision(waiting, requeue_after=_backoff(status, now))
    groups = plan_shards(select(project.cases, run.spec.selection), run.spec.shards)
    shards = [
        ShardStatus(index=i, job=names.shard_job(run.owner.name, i), tests=len(group))
        for i, group in enumerate(groups)
    ]
    planned = status.model_copy(
        update={
            "suite_ref": project.suite_ref,
            "suite_hash": project.suite_hash,
            "shards": shards,
            "start_time": status.start_time or now,
            "counts": Counts(total=sum(len(g) for g in groups)),
        }
    )
    if not shards:
        nothing = _stopped(
            run,
            planned,
            StopCause.NO_TESTS_SELECTED,
            "the selection matches no test of the suite",
            now,
        )
        return Decision(nothing, [_event(nothing)], requeue_after=0)
    message = f"{planned.counts.total} tests in {len(shards)} shard(s)"
    preparing = _move(run, planned, RunPhase.PREPARING, "ShardsPlanned", message, now)
    return Decision(preparing, [_event(preparing)], requeue_after=0)


def _prepare(
    run: RunState,
    project: ProjectSuite | None,
    jobs: dict[str, JobView],
    now: datetime,
    config: SandboxConfig,
) -> Decision:
    """Preparing: create the shards' Jobs that do not exist yet (idempotent by name), from the
    suite pinned in Pending; the project only lends its spec (URL, sandbox, auth)."""
    if project is None:
        # The project vanished between planning and creating: nothing to run against.
        error = _stopped(
            run,
            run.status,
            StopCause.PROJECT_NOT_FOUND,
            "the TestProject was deleted before the run's Jobs were created",
            now,
        )
        return Decision(error, [_event(error)], requeue_after=0)
    suite_ref, pinned = run.status.suite_ref, run.pinned_cases
    if suite_ref is None or pinned is None:
        # Pending sets suiteRef with the shards, so only an edited status gets here.
        error = _stopped(
            run,
            run.status,
            StopCause.SUITE_NOT_PINNED,
            "the run is Preparing without the suite it pinned (status.suiteRef)",
            now,
        )
        return Decision(error, [_event(error)], requeue_after=0)
    groups = plan_shards(select(pinned, run.spec.selection), run.spec.shards)
    manifests: list[Manifest] = []
    for shard in run.status.shards:
        if shard.job not in jobs and shard.index < len(groups):
            manifests.extend(
                shard_children(run, project, suite_ref, shard, groups[shard.index], config)
            )
    running = _move(
        run,
        run.status,
        RunPhase.RUNNING,
        "JobsCreated",
        f"{len(run.status.shards)} Job(s) running",
        now,
    )
    actions: list[Action] = [CreateChildren(tuple(manifests))] if manifests else []
    return Decision(running, [*actions, _event(running)], requeue_after=POLL_RUNNING_S)


def observe_shard(shard: ShardStatus, job: JobView | None) -> ShardStatus:
    if shard.state.finished:
        return shard
    if job is None:
        return shard.model_copy(
            update={
                "state": ShardState.FAILED,
                "reason": "JobLost",
                "message": f"Job {shard.job} disappeared before it finished "
                "(deleted by hand, or by its TTL while the operator was down)",
            }
        )
    summary = job.summary
    if job.finished == COMPLETE:
        if summary is None or not summary.ok or summary.counts is None:
            return shard.model_copy(
                update={
                    "state": ShardState.FAILED,
                    "reason": "ResultsLost",
                    "message": f"Job {shard.job} completed but its results are not in the store"
                    + (f": {summary.message}" if summary else ""),
                }
            )
        return shard.model_copy(
            update={
                "state": ShardState.SUCCEEDED,
                "reason": summary.reason,
                "message": summary.message,
                "result_ref": summary.result_ref,
                "counts": summary.counts,
                "seconds": job.seconds,
            }
        )
    if job.finished == FAILED:
        partial = summary.counts if summary is not None else None
        return shard.model_copy(
            update={
                "state": ShardState.FAILED,
                "reason": job.reason or "JobFailed",
                "message": job.message or f"Job {shard.job} failed",
                "result_ref": summary.result_ref if summary else None,
                "counts": partial,
                "seconds": job.seconds,
            }
        )
    state = ShardState.RUNNING if job.active else ShardState.PENDING
    return shard.model_copy(update={"state": state})


def _sum(shards: list[ShardStatus], total: int) -> Counts:
    counted = [s.counts for s in shards if s.counts is not None]
    return Counts(
        total=max(total, sum(c.total for c in counted)),
        passed=sum(c.passed for c in counted),
        failed=sum(c.failed for c in counted),
        healed=sum(c.healed for c in counted),
        flaky=sum(c.flaky for c in counted),
        skipped=sum(c.skipped for c in counted),
    )


def _follow(run: RunState, jobs: dict[str, JobView], now: datetime) -> Decision:
    """Running: follow the Jobs; when all have finished, go on to healing or reporting."""
    shards = [observe_shard(s, jobs.get(s.job)) for s in run.status.shards]
    status = run.status.model_copy(
        update={"shards": shards, "counts": _sum(shards, run.status.counts.total)}
    )
    if not all(s.state.finished for s in shards):
        done = sum(s.state.finished for s in shards)
        message = f"{done} of {len(shards)} shard(s) finished"
        status = status.model_copy(update={"message": message})
        return Decision(status, requeue_after=POLL_RUNNING_S)
    heals = sum(j.summary.heals for j in jobs.values() if j.summary is not None)
    if run.spec.heal and heals:
        healing = _move(
            run, status, RunPhase.HEALING, "HealsFound", f"{heals} heal(s) to record", now
        )
        return Decision(healing, [_event(healing)], requeue_after=0)
    reporting = _move(
        run, status, RunPhase.REPORTING, "ShardsFinished", "every shard finished", now
    )
    return Decision(reporting, [_event(reporting)], requeue_after=0)


def _refs(status: TestRunStatus) -> tuple[str, ...]:
    return tuple(s.result_ref for s in status.shards if s.result_ref)


def outcome(status: TestRunStatus) -> tuple[RunPhase, str, str]:
    """The final phase, reason and message of a run whose shards have all finished: its stop
    cause when it was stopped, else what its shards and tests did."""
    cause = status.stop_cause
    if cause is not None:
        return cause.final_phase, cause.value, status.message or ""
    broken = [s for s in status.shards if s.state is ShardState.FAILED]
    if broken:
        first = broken[0]
        return (
            RunPhase.ERROR,
            first.reason or "ShardFailed",
            (
                f"shard {first.index} (Job {first.job}): {first.message or first.reason}"
                + (f"; {len(broken) - 1} more shard(s) failed" if len(broken) > 1 else "")
            ),
        )
    counts = status.counts
    if counts.failed:
        return RunPhase.FAILED, "TestsFailed", f"{counts.failed} of {counts.total} tests failed"
    healed = f" ({counts.healed} healed)" if counts.healed else ""
    return RunPhase.SUCCEEDED, "AllTestsPassed", f"{counts.passed} of {counts.total} passed{healed}"


def _cleanup(run: RunState, phase: RunPhase) -> list[Action]:
    policy = run.spec.cleanup
    if policy is CleanupPolicy.ALWAYS or (
        policy is CleanupPolicy.ON_SUCCESS and phase is RunPhase.SUCCEEDED
    ):
        jobs = tuple(s.job for s in run.status.shards)
        return [DeleteChildren(jobs)] if jobs else []
    return []


def _finish(run: RunState, now: datetime, record_heals: bool) -> Decision:
    """Healing or Reporting: finish the run (its report, and its heals when there are some to
    record) and end it. The controller runs the actions before it writes the status, so no run
    is ever finished without its report, and a retry finishes it again to the same keys."""
    status = run.status
    partial = any(s.state is not ShardState.SUCCEEDED for s in status.shards)
    phase, reason, message = outcome(status)
    final = _move(run, status, phase, reason, message, now)
    finish = FinishRun(_refs(status), partial, record_heals)
    return Decision(final, [finish, *_cleanup(run, phase), _event(final)])


def _stop(
    run: RunState, jobs: dict[str, JobView], cause: StopCause, message: str, now: datetime
) -> Decision:
    """Cancel or time out: stop the unfinished Jobs, keep whatever results exist, report them."""
    seen = [observe_shard(s, jobs[s.job]) if s.job in jobs else s for s in run.status.shards]
    unfinished = tuple(s.job for s in seen if not s.state.finished)
    shards = [
        s
        if s.state.finished
        else s.model_copy(
            update={"state": ShardState.FAILED, "reason": cause.value, "message": message}
        )
        for s in seen
    ]
    stopped = run.status.model_copy(
        update={"shards": shards, "counts": _sum(shards, run.status.counts.total)}
    )
    reporting = _stopped(run, stopped, cause, message, now)
    actions: list[Action] = [DeleteChildren(unfinished)] if unfinished else []
    return Decision(reporting, [*actions, _event(reporting)], requeue_after=0)


def reconcile_run(
    run: RunState,
    project: ProjectSuite | None,
    jobs: dict[str, JobView],
    now: datetime,
    config: SandboxConfig,
) -> Decision:
    """The run's next step. Its conditions follow from its phase and reason on every pass, so
    a failure recorded by a pass that could not finish (an API server 503) ends with the
    recovery instead of staying until the next phase."""
    decision = _decide(run, project, jobs, now, config)
    conditions = run_conditions(decision.status, run.generation, now)
    if conditions != decision.status.conditions:
        decision.status = decision.status.model_copy(update={"conditions": conditions})
    return decision


def _decide(
    run: RunState,
    project: ProjectSuite | None,
    jobs: dict[str, JobView],
    now: datetime,
    config: SandboxConfig,
) -> Decision:
    phase = run.status.phase
    if phase.finished:
        return Decision(run.status)
    stopping = phase in {RunPhase.HEALING, RunPhase.REPORTING}
    if run.spec.cancel and not stopping:
        return _stop(run, jobs, StopCause.CANCELLED, "cancelled by spec.cancel", now)
    deadline = run.created + timedelta(seconds=run.spec.timeout_seconds)
    if now >= deadline and not stopping:
        timeout = run.spec.timeout_seconds
        return _stop(
            run, jobs, StopCause.RUN_TIMEOUT, f"the run exceeded timeoutSeconds={timeout}", now
        )
    if phase is RunPhase.PENDING:
        return _plan(run, project, now, config)
    if phase is RunPhase.PREPARING:
        return _prepare(run, project, jobs, now, config)
    if phase is RunPhase.RUNNING:
        decision = _follow(run, jobs, now)
        if decision.requeue_after == POLL_RUNNING_S:
            left = (deadline - now).total_seconds()
            decision.requeue_after = max(0.0, min(POLL_RUNNING_S, left))
        return decision
    # Healing records the heals with the report; a stopped run's heals are not recorded.
    return _finish(run, now, record_heals=phase is RunPhase.HEALING)
