"""The TestRun reconciler: spec + observed children -> actions + status."""

from dataclasses import replace

from testforge.cluster.reconcile.actions import CreateChildren, DeleteChildren, Emit
from testforge.cluster.reconcile.runs import Decision, FinishRun, reconcile_run
from testforge.cluster.reconcile.shards import plan_shards
from testforge.contracts.sandbox import SPEC_FILE, RunnerSpec
from testforge.domain.crd import RunPhase, ShardState, StopCause, TestRunStatus

from .builders import CONFIG, T0, case, done_job, failed_job, later, project, run, running_job


def _step(status: TestRunStatus, jobs: dict | None = None, now=T0, **spec) -> Decision:  # type: ignore[no-untyped-def,type-arg]
    # The project never changes here, so the suite a run pinned is project()'s.
    pinned = project().cases if status.suite_ref else None
    return reconcile_run(run(status, pinned=pinned, **spec), project(), jobs or {}, now, CONFIG)


def _to_running(shards: int = 2) -> TestRunStatus:
    planned = _step(TestRunStatus(), shards=shards).status
    return _step(planned, shards=shards).status


def test_a_run_for_a_missing_project_waits_with_a_precise_reason_and_backs_off() -> None:
    decision = reconcile_run(run(), None, {}, T0, CONFIG)
    assert decision.status.phase is RunPhase.PENDING
    assert decision.status.reason == "ProjectNotFound"
    ready = next(c for c in decision.status.conditions if c.type == "Ready")
    assert ready.status == "False" and "shop" in ready.message
    later_decision = reconcile_run(run(decision.status), None, {}, later(200), CONFIG)
    assert later_decision.requeue_after is not None and decision.requeue_after is not None
    assert later_decision.requeue_after > decision.requeue_after


def test_planning_fixes_the_shards_and_creates_nothing_yet() -> None:
    decision = _step(TestRunStatus(), shards=3)
    assert decision.status.phase is RunPhase.PREPARING
    assert [s.job for s in decision.status.shards] == [f"nightly-shard-{i}" for i in range(3)]
    assert decision.status.counts.total == 4
    assert not any(isinstance(a, CreateChildren) for a in decision.actions)


def test_preparing_creates_a_config_map_and_a_job_per_shard() -> None:
    planned = _step(TestRunStatus(), shards=2).status
    decision = _step(planned, shards=2)
    created = next(a for a in decision.actions if isinstance(a, CreateChildren)).manifests
    assert [(m["kind"], m["metadata"]["name"]) for m in created] == [
        ("ConfigMap", "nightly-shard-0"),
        ("Job", "nightly-shard-0"),
        ("ConfigMap", "nightly-shard-1"),
        ("Job", "nightly-shard-1"),
    ]
    assert decision.status.phase is RunPhase.RUNNING


def test_a_restart_in_preparing_creates_only_the_missing_jobs() -> None:
    planned = _step(TestRunStatus(), shards=2).status
    decision = _step(planned, {"nightly-shard-0": running_job("nightly-shard-0")}, shards=2)
    created = next(a for a in decision.actions if isinstance(a, CreateChildren)).manifests
    assert {m["metadata"]["name"] for m in created} == {"nightly-shard-1"}


def test_preparing_runs_the_suite_the_run_pinned_not_the_projects_current_one() -> None:
    pinned = project(cases=4)
    planned = reconcile_run(run(shards=2), pinned, {}, T0, CONFIG).status
    assert planned.suite_ref == pinned.suite_ref and [s.tests for s in planned.shards] == [2, 2]
    # A heal (or a new design) moves the project to another suite before the Jobs exist.
    healed = replace(
        pinned,
        suite_ref="projects/ns/shop/suites/def",
        suite_hash="def",
        cases=[case(i) for i in range(10, 16)],
    )
    decision = reconcile_run(run(planned, pinned=pinned.cases, shards=2), healed, {}, T0, CONFIG)
    created = next(a for a in decision.actions if isinstance(a, CreateChildren)).manifests
    specs = [
        RunnerSpec.model_validate_json(m["data"][SPEC_FILE])
        for m in created
        if m["kind"] == "ConfigMap"
    ]
    assert {s.suite_ref for s in specs} == {pinned.suite_ref}
    groups = plan_shards(pinned.cases or [], 2)
    assert [s.nodeids for s in specs] == groups
    assert [len(g) for g in groups] == [s.tests for s in planned.shards]
    assert decision.status.suite_ref == pinned.suite_ref


def test_a_run_preparing_without_its_pinned_suite_ends_in_error_not_with_another_suite() -> None:
    planned = _step(TestRunStatus(), shards=2).status
    unpinned = planned.model_copy(update={"suite_ref": None})
    decision = reconcile_run(run(unpinned, shards=2), project(), {}, T0, CONFIG)
    assert not any(isinstance(a, CreateChildren) for a in decision.actions)
    final = reconcile_run(run(decision.status, shards=2), project(), {}, T0, CONFIG)
    assert final.status.phase is RunPhase.ERROR and final.status.reason == "SuiteNotPinned"


def test_running_never_creates_jobs_again() -> None:
    status = _to_running()
    decision = _step(status, {}, shards=2)
    assert not any(isinstance(a, CreateChildren) for a in decision.actions)
    assert all(s.reason == "JobLost" for s in decision.status.shards)


def test_finished_shards_are_counted_and_the_run_moves_to_reporting() -> None:
    status = _to_running()
    jobs = {
        "nightly-shard-0": done_job("nightly-shard-0", 2),
        "nightly-shard-1": done_job("nightly-shard-1", 1, 1),
    }
    decision = _step(status, jobs, shards=2)
    assert decision.status.phase is RunPhase.REPORTING
    assert (decision.status.counts.passed, decision.status.counts.failed) == (3, 1)
    final = _step(decision.status, jobs, shards=2)
    assert final.status.phase is RunPhase.FAILED and final.status.reason == "TestsFailed"
    finish = final.actions[0]
    assert isinstance(finish, FinishRun) and not finish.partial and not finish.record_heals


def test_a_run_that_passes_succeeds_and_cleans_up_on_success() -> None:
    status = _to_running(1)
    jobs = {"nightly-shard-0": done_job("nightly-shard-0", 4)}
    reporting = _step(status, jobs, shards=1).status
    final = _step(reporting, jobs, shards=1)
    assert final.status.phase is RunPhase.SUCCEEDED
    assert final.status.completion_time == T0
    assert DeleteChildren(("nightly-shard-0",)) in final.actions
    conditions = {c.type: c.status for c in final.status.conditions}
    assert conditions == {
        "Ready": "True",
        "Succeeded": "True",
        "Reconciling": "False",
        "Stalled": "False",
    }


def test_a_failed_run_keeps_its_jobs_for_debugging_by_default() -> None:
    status = _to_running(1)
    jobs = {"nightly-shard-0": done_job("nightly-shard-0", 3, 1)}
    final = _step(_step(status, jobs).status, jobs)
    assert not any(isinstance(a, DeleteChildren) for a in final.actions)
    assert {c.type: c.status for c in final.status.conditions}["Stalled"] == "True"


def test_an_oom_killed_shard_ends_the_run_in_error_naming_the_cause() -> None:
    status = _to_running()
    jobs = {
        "nightly-shard-0": done_job("nightly-shard-0", 2),
        "nightly-shard-1": failed_job("nightly-shard-1", "OOMKilled", "memory limit 2Gi"),
    }
    reporting = _step(status, jobs, shards=2)
    assert reporting.status.shards[1].state is ShardState.FAILED
    final = _step(reporting.status, jobs, shards=2)
    assert final.status.phase is RunPhase.ERROR
    assert final.status.reason == "OOMKilled"
    assert "shard 1" in (final.status.message or "")
    report = next(a for a in final.actions if isinstance(a, FinishRun))
    assert report.partial and report.result_refs == ("runs/ns/nightly/nightly-shard-0/report.json",)


def test_heals_send_the_run_through_healing() -> None:
    status = _to_running(1)
    jobs = {"nightly-shard-0": done_job("nightly-shard-0", 4, heals=2)}
    healing = _step(status, jobs, shards=1)
    assert healing.status.phase is RunPhase.HEALING
    final = _step(healing.status, jobs, shards=1)
    refs = ("runs/ns/nightly/nightly-shard-0/report.json",)
    assert final.actions[0] == FinishRun(refs, partial=False, record_heals=True)
    assert final.status.phase is RunPhase.SUCCEEDED


def test_cancel_stops_the_jobs_and_still_reports() -> None:
    status = _to_running()
    jobs = {
        "nightly-shard-0": done_job("nightly-shard-0", 2),
        "nightly-shard-1": running_job("nightly-shard-1"),
    }
    stopping = _step(status, jobs, shards=2, cancel=True)
    assert DeleteChildren(("nightly-shard-1",)) in stopping.actions
    assert stopping.status.counts.passed == 2
    final = _step(stopping.status, {}, shards=2, cancel=True)
    assert final.status.phase is RunPhase.CANCELLED
    assert any(isinstance(a, FinishRun) and not a.record_heals for a in final.actions)


def test_the_run_level_timeout_ends_a_stuck_run_in_error() -> None:
    status = _to_running(1)
    stuck = {"nightly-shard-0": running_job("nightly-shard-0")}
    before = _step(status, stuck, now=later(3599), shards=1)
    assert before.status.phase is RunPhase.RUNNING and before.requeue_after == 1.0
    timed_out = _step(status, stuck, now=later(3600), shards=1)
    final = _step(timed_out.status, {}, now=later(3601), shards=1)
    assert final.status.phase is RunPhase.ERROR and final.status.reason == "RunTimeout"


def test_a_selection_matching_nothing_succeeds_with_an_empty_report() -> None:
    decision = _step(TestRunStatus(), selection={"cases": ["TC999"]})
    final = _step(decision.status, selection={"cases": ["TC999"]})
    assert final.status.phase is RunPhase.SUCCEEDED and final.status.reason == "NoTestsSelected"


def test_every_phase_change_emits_an_event_and_failures_are_warnings() -> None:
    status = _to_running(1)
    jobs = {"nightly-shard-0": failed_job("nightly-shard-0", "DeadlineExceeded")}
    final = _step(_step(status, jobs).status, jobs)
    events = [a for a in final.actions if isinstance(a, Emit)]
    assert events == [Emit("Warning", "Error", final.status.message or "")]


def test_a_finished_run_is_left_alone() -> None:
    status = _to_running(1)
    jobs = {"nightly-shard-0": done_job("nightly-shard-0", 4)}
    final = _step(_step(status, jobs).status, jobs).status
    again = _step(final, {}, cancel=True)
    assert again.status == final and again.actions == []


def test_a_failure_a_pass_recorded_ends_with_the_next_pass_that_finishes() -> None:
    """`record_failure` put an API server error on Ready while the shards kept running; the
    next pass, with nothing new to say, still puts back what the run is doing."""
    running = _to_running(shards=1)
    jobs = {s.job: running_job(s.job) for s in running.shards}
    steady = _step(running, jobs, later(10), shards=1).status
    ready = next(c for c in steady.conditions if c.type == "Ready")
    stale = steady.model_copy(
        update={
            "conditions": [
                c.model_copy(update={"reason": "KubernetesApi503", "message": "answered 503"})
                if c.type == "Ready"
                else c
                for c in steady.conditions
            ]
        }
    )
    after = _step(stale, jobs, later(20), shards=1).status
    recovered = next(c for c in after.conditions if c.type == "Ready")
    assert (recovered.reason, recovered.message) == (ready.reason, ready.message)


def test_the_final_phase_follows_the_stop_cause_not_the_reason_text() -> None:
    """A reason is text for people: a run whose last reason merely reads "Cancelled" (as a
    Job's own failure reason could) is decided by its shards, a stopped one by its cause."""
    status = _to_running(1)
    jobs = {"nightly-shard-0": done_job("nightly-shard-0", 4)}
    reporting = _step(status, jobs, shards=1).status
    worded = reporting.model_copy(update={"reason": "Cancelled", "message": "text only"})
    assert _step(worded, jobs, shards=1).status.phase is RunPhase.SUCCEEDED
    stopped = _step(status, jobs, shards=1, cancel=True).status
    assert stopped.stop_cause is StopCause.CANCELLED
    renamed = stopped.model_copy(update={"reason": "SomethingElse"})
    final = _step(renamed, {}, shards=1, cancel=True).status
    assert final.phase is RunPhase.CANCELLED and final.reason == "Cancelled"
