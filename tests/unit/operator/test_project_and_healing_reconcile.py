"""The TestProject and HealingRequest reconcilers."""

from datetime import datetime

from testforge.cluster.builders.manifests import Owner
from testforge.cluster.reconcile.actions import CreateChildren, Emit
from testforge.cluster.reconcile.healing import ApplyHeal, reconcile_healing
from testforge.cluster.reconcile.projects import (
    CreateRun,
    GenerateSuite,
    ProjectState,
    reconcile_project,
)
from testforge.contracts.sandbox import RunnerSpec, RunnerSummary
from testforge.domain.crd import (
    DiscoverySummary,
    HealDecision,
    HealingPolicy,
    HealingRequestSpec,
    HealingRequestStatus,
    SuiteReference,
    TestProjectSpec,
    TestProjectStatus,
)
from testforge.domain.fingerprint import ElementFingerprint

from .builders import CONFIG, T0, done_job, failed_job, later

OWNER = Owner(kind="TestProject", name="shop", uid="uid-p", namespace="ns")


def _project(
    status: TestProjectStatus | None = None, generation: int = 1, **spec: object
) -> ProjectState:
    return ProjectState(
        owner=OWNER,
        generation=generation,
        created=T0,
        spec=TestProjectSpec.model_validate({"url": "http://shop.test", **spec}),
        status=status or TestProjectStatus(),
    )


def _ready_status() -> TestProjectStatus:
    return TestProjectStatus(
        discovery=DiscoverySummary(job="shop-discover-g1", generation=1, app_model_ref="m"),
        suite=SuiteReference(ref="s", hash="h", cases=3, generated_at=T0, designer="offline"),
    )


def _ready(decision_status: TestProjectStatus) -> tuple[str, str]:
    ready = next(c for c in decision_status.conditions if c.type == "Ready")
    return ready.status.value, ready.reason


def test_a_new_project_starts_discovery_in_a_job_named_by_generation() -> None:
    decision = reconcile_project(_project(crawl={"maxPages": 7}), None, None, T0, CONFIG)
    created = next(a for a in decision.actions if isinstance(a, CreateChildren)).manifests
    assert [m["metadata"]["name"] for m in created] == ["shop-discover-g1"] * 2
    spec = RunnerSpec.model_validate_json(created[0]["data"]["spec.json"])
    assert spec.limits is not None and spec.limits.max_pages == 7
    assert _ready(decision.status) == ("False", "Discovering")


def test_a_missing_secret_is_a_false_condition_not_a_crash() -> None:
    decision = reconcile_project(_project(), "Secret 'login' not found", None, T0, CONFIG)
    assert _ready(decision.status) == ("False", "SecretNotFound")
    assert decision.requeue_after == 5.0
    still = reconcile_project(_project(decision.status), "missing", None, later(120), CONFIG)
    assert still.requeue_after == 60.0
    assert not any(isinstance(a, CreateChildren) for a in decision.actions)


def test_an_unreachable_url_reported_by_the_job_stalls_the_project_with_that_reason() -> None:
    started = reconcile_project(_project(), None, None, T0, CONFIG).status
    job = failed_job("shop-discover-g1", "TargetUnreachable", "connection refused")
    decision = reconcile_project(_project(started), None, job, later(5), CONFIG)
    assert _ready(decision.status) == ("False", "TargetUnreachable")
    assert {c.type: c.status.value for c in decision.status.conditions}["Stalled"] == "True"
    assert decision.actions == [Emit("Warning", "TargetUnreachable", "connection refused")]


def test_a_finished_discovery_asks_for_the_suite_to_be_generated() -> None:
    started = reconcile_project(_project(), None, None, T0, CONFIG).status
    job = done_job("shop-discover-g1", 0)
    job = job.__class__(
        name=job.name,
        finished="Complete",
        summary=RunnerSummary(ok=True, reason="Discovered", result_ref="m.json"),
    )
    decision = reconcile_project(_project(started), None, job, later(5), CONFIG)
    assert GenerateSuite("m.json") in decision.actions
    assert _ready(decision.status) == ("False", "Designing")  # ready once the suite exists


def test_a_spec_change_discovers_again() -> None:
    decision = reconcile_project(_project(_ready_status(), generation=2), None, None, T0, CONFIG)
    created = next(a for a in decision.actions if isinstance(a, CreateChildren)).manifests
    assert created[1]["metadata"]["name"] == "shop-discover-g2"


def test_a_due_schedule_creates_one_run_named_by_its_tick() -> None:
    project = _project(_ready_status(), schedule={"cron": "0 * * * *"})
    decision = reconcile_project(
        project, None, None, datetime(2026, 1, 1, 15, 30, tzinfo=T0.tzinfo), CONFIG
    )
    runs = [a for a in decision.actions if isinstance(a, CreateRun)]
    assert [r.manifest["metadata"]["name"] for r in runs] == ["shop-sched-202601011500"]
    assert runs[0].manifest["spec"]["trigger"]["source"] == "schedule"
    assert decision.status.last_schedule_time == datetime(2026, 1, 1, 15, 0, tzinfo=T0.tzinfo)
    assert decision.requeue_after == 30 * 60


def test_a_suspended_schedule_creates_nothing() -> None:
    project = _project(_ready_status(), schedule={"cron": "* * * * *", "suspend": True})
    actions = reconcile_project(project, None, None, later(3600), CONFIG).actions
    assert not [a for a in actions if isinstance(a, CreateRun | CreateChildren)]


def _heal_spec(approved: bool | None = None) -> HealingRequestSpec:
    return HealingRequestSpec.model_validate(
        {
            "projectRef": {"name": "shop"},
            "runRef": {"name": "r"},
            "planHash": "h",
            "requestRef": "runs/ns/r/healing/heal-1.json",
            "key": "login_submit",
            "pageUrl": "http://x/login",
            "fingerprint": ElementFingerprint(tag="button").model_dump(),
            "approved": approved,
        }
    )


def test_a_confident_heal_under_the_auto_policy_is_applied() -> None:
    result = reconcile_healing(
        _heal_spec(), HealingRequestStatus(), 1, HealingPolicy(), True, True, T0
    )
    assert result.status.decision is HealDecision.APPLIED and result.status.decided_by == "policy"
    assert ApplyHeal("runs/ns/r/healing/heal-1.json", "policy") in result.actions


def test_a_heal_under_review_waits_for_approval_then_applies_or_rejects() -> None:
    policy = HealingPolicy.model_validate({"mode": "review"})
    waiting = reconcile_healing(_heal_spec(), HealingRequestStatus(), 1, policy, True, True, T0)
    assert waiting.status.decision is HealDecision.NEEDS_APPROVAL
    assert not any(isinstance(a, ApplyHeal) for a in waiting.actions)
    approved = reconcile_healing(_heal_spec(True), waiting.status, 2, policy, True, True, later(9))
    assert (
        approved.status.decision is HealDecision.APPLIED
        and approved.status.decided_by == "spec.approved"
    )
    rejected = reconcile_healing(_heal_spec(False), waiting.status, 2, policy, True, True, later(9))
    assert rejected.status.decision is HealDecision.REJECTED and rejected.actions[0] == Emit(
        "Normal", "Rejected", "rejected: the suite keeps its locator"
    )


def test_a_decided_request_is_never_applied_twice() -> None:
    applied = reconcile_healing(
        _heal_spec(), HealingRequestStatus(), 1, HealingPolicy(), True, True, T0
    )
    again = reconcile_healing(
        _heal_spec(True), applied.status, 2, HealingPolicy(), True, True, later(1)
    )
    assert again.actions == []


def test_a_heal_without_a_chosen_element_is_recorded_as_no_match() -> None:
    result = reconcile_healing(
        _heal_spec(), HealingRequestStatus(), 1, HealingPolicy(), False, False, T0
    )
    assert result.status.decision is HealDecision.NO_MATCH
