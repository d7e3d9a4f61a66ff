"""The real Kopf operator, in-process, against kmock's emulator: fast handler tests.

The Jobs are "run" by canned work (no browser); what is under test is the controllers: children,
status, conditions, events, idempotency, and the failure paths.
"""

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s

from testforge.cluster.adapters.kube import ClientKube
from testforge.domain.crd import API_VERSION

from .canned import CannedWork
from .emulator import EmulatorThread
from .harness import JobRunner, JobStatusKubelet, Outcome, eventually, operator_running

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def operator(emulator_configuration: k8s.Configuration, store_root: Path) -> Iterator[None]:
    with operator_running(emulator_configuration, store_root):
        yield


@pytest.fixture
def namespace() -> str:
    return f"t-{secrets.token_hex(3)}"


def _project(namespace: str, name: str = "shop", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "TestProject",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"url": "http://shop.test", **spec},
    }


def _run(namespace: str, name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "TestRun",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"projectRef": {"name": "shop"}, **spec},
    }


def _status(kube: ClientKube, kind: str, namespace: str, name: str) -> dict[str, Any]:
    body = kube.get(kind, namespace, name) or {}
    status: dict[str, Any] = body.get("status") or {}
    return status


def _condition(status: dict[str, Any], type_: str) -> dict[str, Any]:
    return next((c for c in status.get("conditions", []) if c["type"] == type_), {})


def _phase(kube: ClientKube, namespace: str, name: str, *phases: str) -> dict[str, Any] | None:
    status = _status(kube, "TestRun", namespace, name)
    return status if status.get("phase") in phases else None


@pytest.mark.usefixtures("operator")
def test_a_project_is_discovered_generated_and_a_run_succeeds_across_shards(
    emulator: EmulatorThread, emulator_kube: ClientKube, store_root: Path, namespace: str
) -> None:
    kube = emulator_kube
    with JobRunner(kube, lambda: [namespace], CannedWork(store_root), JobStatusKubelet()) as runner:
        kube.create(_project(namespace))
        ready = eventually(
            lambda: (
                _condition(_status(kube, "TestProject", namespace, "shop"), "Ready").get("status")
                == "True"
            ),
            what="project Ready",
        )
        assert ready
        project = _status(kube, "TestProject", namespace, "shop")
        assert project["suite"]["cases"] > 2 and len(project["suite"]["hash"]) == 16
        kube.create(_run(namespace, "nightly", shards=2))
        final = eventually(
            lambda: _phase(kube, namespace, "nightly", "Succeeded", "Failed", "Error"),
            what="run finished",
        )
        assert not runner.errors
    assert final["phase"] == "Succeeded", final
    assert final["counts"]["passed"] == final["counts"]["total"] == project["suite"]["cases"]
    assert [s["state"] for s in final["shards"]] == ["Succeeded", "Succeeded"]
    assert _condition(final, "Succeeded")["status"] == "True"
    assert (store_root / final["report"]["html"]).is_file()
    reasons = [e["reason"] for e in emulator.api.snapshot("events", namespace)]
    assert {"Preparing", "Running", "Reporting", "Succeeded"} <= set(reasons)
    jobs = [j["metadata"]["name"] for j in emulator.api.snapshot("jobs", namespace)]
    assert sorted(jobs) == ["shop-discover-g1"], "a succeeded run cleans up its Jobs (onSuccess)"


def _finished(kube: ClientKube, namespace: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = eventually(
        lambda: _phase(kube, namespace, name, "Succeeded", "Failed", "Error", "Cancelled"),
        what=f"TestRun {name} finished",
    )
    return found


def _ready_project(kube: ClientKube, namespace: str, **spec: Any) -> dict[str, Any]:
    kube.create(_project(namespace, **spec))
    eventually(
        lambda: (
            _condition(_status(kube, "TestProject", namespace, "shop"), "Ready").get("status")
            == "True"
        ),
        what="project Ready",
    )
    return _status(kube, "TestProject", namespace, "shop")


@pytest.mark.usefixtures("operator")
def test_failing_tests_end_the_run_failed_with_a_report_and_keep_the_jobs(
    emulator: EmulatorThread, emulator_kube: ClientKube, store_root: Path, namespace: str
) -> None:
    work = CannedWork(store_root, failing=("test_login.py",))
    with JobRunner(emulator_kube, lambda: [namespace], work, JobStatusKubelet()):
        _ready_project(emulator_kube, namespace)
        emulator_kube.create(
            _run(namespace, "pr-12", trigger={"source": "ci", "gitSha": "abc1234"})
        )
        final = _finished(emulator_kube, namespace, "pr-12")
    assert final["phase"] == "Failed" and final["reason"] == "TestsFailed"
    assert final["counts"]["failed"] > 0
    assert _condition(final, "Stalled")["status"] == "True"
    assert (store_root / final["report"]["junit"]).is_file()
    jobs = {j["metadata"]["name"] for j in emulator.api.snapshot("jobs", namespace)}
    assert "pr-12-shard-0" in jobs, "a failed run keeps its Jobs for debugging"


@pytest.mark.usefixtures("operator")
def test_an_oom_killed_shard_is_named_in_status_and_the_run_ends_in_error(
    emulator_kube: ClientKube, store_root: Path, namespace: str
) -> None:
    oom = Outcome(137, "", reason="OOMKilled")
    work = CannedWork(store_root, outcomes={"oom-shard-1": oom})
    with JobRunner(emulator_kube, lambda: [namespace], work, JobStatusKubelet()):
        _ready_project(emulator_kube, namespace)
        emulator_kube.create(_run(namespace, "oom", shards=2))
        final = _finished(emulator_kube, namespace, "oom")
    assert final["phase"] == "Error" and final["reason"] == "OOMKilled", final
    shard = final["shards"][1]
    assert (shard["state"], shard["reason"]) == ("Failed", "OOMKilled")
    assert final["report"]["partial"] is True
    assert final["counts"]["passed"] == final["shards"][0]["tests"]


@pytest.mark.usefixtures("operator")
def test_an_unreachable_url_gets_a_false_condition_with_the_runners_reason(
    emulator_kube: ClientKube, store_root: Path, namespace: str
) -> None:
    summary = (
        '{"ok":false,"reason":"TargetUnreachable","message":"http://shop.test: connection refused"}'
    )
    work = CannedWork(store_root, outcomes={"discover-g1": Outcome(2, summary)})
    with JobRunner(emulator_kube, lambda: [namespace], work, JobStatusKubelet()):
        emulator_kube.create(_project(namespace))
        ready = eventually(
            lambda: (
                _condition(_status(emulator_kube, "TestProject", namespace, "shop"), "Ready").get(
                    "reason"
                )
                == "TargetUnreachable"
            ),
            what="TargetUnreachable",
        )
    assert ready
    status = _status(emulator_kube, "TestProject", namespace, "shop")
    assert "connection refused" in _condition(status, "Ready")["message"]
    assert _condition(status, "Stalled")["status"] == "True"


@pytest.mark.usefixtures("operator")
def test_a_missing_secret_is_a_precise_condition_and_creating_it_recovers(
    emulator_kube: ClientKube, store_root: Path, namespace: str
) -> None:
    emulator_kube.create(_project(namespace, auth={"secretRef": {"name": "shop-login"}}))
    eventually(
        lambda: (
            _condition(_status(emulator_kube, "TestProject", namespace, "shop"), "Ready").get(
                "reason"
            )
            == "SecretNotFound"
        ),
        what="SecretNotFound",
    )
    message = _condition(_status(emulator_kube, "TestProject", namespace, "shop"), "Ready")[
        "message"
    ]
    assert "shop-login" in message and namespace in message
    assert emulator_kube.list("Job", namespace, {}) == []
    emulator_kube.create(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "shop-login", "namespace": namespace},
            "data": {"username": "ZGVtbw==", "password": "c2VjcmV0"},
        }
    )
    job = eventually(
        lambda: emulator_kube.get("Job", namespace, "shop-discover-g1"), what="discovery Job"
    )
    env = {e["name"]: e for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["TESTFORGE_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "shop-login"


@pytest.mark.usefixtures("operator")
def test_a_run_waits_for_its_project_and_starts_when_the_project_appears(
    emulator_kube: ClientKube, store_root: Path, namespace: str
) -> None:
    emulator_kube.create(_run(namespace, "early"))
    eventually(
        lambda: (
            _status(emulator_kube, "TestRun", namespace, "early").get("reason") == "ProjectNotFound"
        )
    )
    with JobRunner(emulator_kube, lambda: [namespace], CannedWork(store_root), JobStatusKubelet()):
        _ready_project(emulator_kube, namespace)
        final = _finished(emulator_kube, namespace, "early")
    assert final["phase"] == "Succeeded"


@pytest.mark.usefixtures("operator")
def test_cancel_stops_a_running_run_deletes_its_jobs_and_still_reports(
    emulator: EmulatorThread, emulator_kube: ClientKube, store_root: Path, namespace: str
) -> None:
    work = CannedWork(store_root)
    with JobRunner(emulator_kube, lambda: [namespace], work, JobStatusKubelet()):
        _ready_project(emulator_kube, namespace)
    emulator_kube.create(_run(namespace, "long", shards=2))  # nobody runs these Jobs
    eventually(lambda: _phase(emulator_kube, namespace, "long", "Running"), what="Running")
    assert len(emulator_kube.list("Job", namespace, {"testforge.io/run": "long"})) == 2
    body = emulator_kube.get("TestRun", namespace, "long")
    assert body is not None
    emulator_kube._call(  # a spec change, as `kubectl patch` makes it
        "PATCH",
        f"/apis/{API_VERSION}/namespaces/{namespace}/testruns/long",
        body={"spec": {"cancel": True}},
        content_type="application/merge-patch+json",
    )
    final = _finished(emulator_kube, namespace, "long")
    assert final["phase"] == "Cancelled" and final["report"]["partial"] is True
    assert emulator_kube.list("Job", namespace, {"testforge.io/run": "long"}) == []


@pytest.mark.usefixtures("operator")
def test_deleting_a_run_removes_its_children_through_owner_references(
    emulator: EmulatorThread, emulator_kube: ClientKube, store_root: Path, namespace: str
) -> None:
    with JobRunner(emulator_kube, lambda: [namespace], CannedWork(store_root), JobStatusKubelet()):
        _ready_project(emulator_kube, namespace)
    emulator_kube.create(_run(namespace, "doomed"))
    eventually(lambda: emulator_kube.list("Job", namespace, {"testforge.io/run": "doomed"}))
    emulator_kube.delete("TestRun", namespace, "doomed")
    eventually(
        lambda: emulator_kube.get("TestRun", namespace, "doomed") is None, what="run deleted"
    )
    assert emulator_kube.list("Job", namespace, {"testforge.io/run": "doomed"}) == []
    assert emulator_kube.get("ConfigMap", namespace, "doomed-shard-0") is None


def _stored_heal(store_root: Path, suite: dict[str, Any], namespace: str) -> str:
    """A domain HealingRequest for the suite's first registry key, stored as the run would."""
    from datetime import UTC, datetime

    from testforge.artifacts import REGISTRY
    from testforge.domain.fingerprint import ElementFingerprint
    from testforge.domain.healing import (
        HealingCandidate,
        HealingDecision,
        HealingRequest,
        HealingResult,
        HealingStrategy,
    )
    from testforge.domain.locators import Locator, LocatorStrategy
    from testforge.domain.suite import LocatorRegistry

    registry = LocatorRegistry.model_validate_json(
        (store_root / suite["ref"] / REGISTRY).read_bytes()
    )
    key, entry = next(iter(registry.entries.items()))
    moved = ElementFingerprint(tag=entry.fingerprint.tag, test_id="moved-button", text="Moved")
    chosen = HealingCandidate(
        fingerprint=moved, score=3.0, confidence=0.99, strategy=HealingStrategy.ATTRIBUTE
    )
    result = HealingResult(
        key=key,
        candidates=[chosen],
        chosen=chosen,
        reason="attribute match",
        new_ladder=(Locator(strategy=LocatorStrategy.TEST_ID, value="moved-button"),),
    )
    request = HealingRequest(
        id="heal-0123456789ab",
        created_at=datetime.now(UTC),
        plan_hash=suite["hash"],
        key=key,
        tests=["tests/test_home.py::test_loads"],
        page_url="http://shop.test/",
        broken_ladder=entry.ladder,
        fingerprint=entry.fingerprint,
        result=result,
        decision=HealingDecision.NEEDS_APPROVAL,
    )
    ref = f"runs/{namespace}/r1/healing/{request.id}.json"
    (store_root / ref).parent.mkdir(parents=True, exist_ok=True)
    (store_root / ref).write_text(request.model_dump_json())
    return ref


def _healing_request(namespace: str, ref: str, key: str, plan_hash: str) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "HealingRequest",
        "metadata": {"name": "r1-heal-0123456789ab", "namespace": namespace},
        "spec": {
            "projectRef": {"name": "shop"},
            "runRef": {"name": "r1"},
            "planHash": plan_hash,
            "requestRef": ref,
            "key": key,
            "pageUrl": "http://shop.test/",
            "fingerprint": {"tag": "a"},
        },
    }


@pytest.mark.usefixtures("operator")
def test_a_heal_under_review_waits_for_approval_and_approval_updates_the_projects_suite(
    emulator_kube: ClientKube, store_root: Path, namespace: str
) -> None:
    with JobRunner(emulator_kube, lambda: [namespace], CannedWork(store_root), JobStatusKubelet()):
        project = _ready_project(emulator_kube, namespace, healing={"mode": "review"})
    ref = _stored_heal(store_root, project["suite"], namespace)
    emulator_kube.create(_healing_request(namespace, ref, "k", project["suite"]["hash"]))
    waiting = eventually(
        lambda: (
            _status(emulator_kube, "HealingRequest", namespace, "r1-heal-0123456789ab").get(
                "decision"
            )
            == "NeedsApproval"
        ),
        what="NeedsApproval",
    )
    assert waiting
    status = _status(emulator_kube, "HealingRequest", namespace, "r1-heal-0123456789ab")
    assert (
        status["candidates"][0]["confidence"] == 0.99
        and status["candidates"][0]["testId"] == "moved-button"
    )
    assert (
        _status(emulator_kube, "TestProject", namespace, "shop")["suite"]["hash"]
        == project["suite"]["hash"]
    )
    emulator_kube._call(
        "PATCH",
        f"/apis/{API_VERSION}/namespaces/{namespace}/healingrequests/r1-heal-0123456789ab",
        body={"spec": {"approved": True}},
        content_type="application/merge-patch+json",
    )
    eventually(
        lambda: (
            _status(emulator_kube, "HealingRequest", namespace, "r1-heal-0123456789ab").get(
                "decision"
            )
            == "Applied"
        ),
        what="Applied",
    )
    suite = _status(emulator_kube, "TestProject", namespace, "shop")["suite"]
    assert suite["hash"] != project["suite"]["hash"]
    assert suite["appliedHeals"] == ["heal-0123456789ab"]
    assert "moved-button" in (store_root / suite["ref"] / "locators.json").read_text()


@pytest.mark.usefixtures("operator")
def test_api_errors_are_retried_with_backoff_and_the_run_still_finishes(
    emulator: EmulatorThread, emulator_kube: ClientKube, store_root: Path, namespace: str
) -> None:
    from .emulator import Fault

    with JobRunner(emulator_kube, lambda: [namespace], CannedWork(store_root), JobStatusKubelet()):
        _ready_project(emulator_kube, namespace)
        emulator.api.inject(Fault("POST", "jobs", 500, count=1))
        emulator_kube.create(_run(namespace, "flaky-api"))
        final = eventually(
            lambda: _phase(emulator_kube, namespace, "flaky-api", "Succeeded", "Error"),
            timeout=30,
            what="run finished despite a 500",
        )
    assert final["phase"] == "Succeeded"
    assert len(emulator_kube.list("Job", namespace, {"testforge.io/run": "flaky-api"})) == 0
