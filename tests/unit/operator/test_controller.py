"""The controllers' glue (observe -> decide -> act -> write status) with an in-memory KubeApi
and a local store: what is created, what is written, and how failures reach status."""

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from testforge.cluster.builders.manifests import SandboxConfig
from testforge.cluster.control.controller import Operator, ProjectController, RunController
from testforge.cluster.control.loops import record_failure
from testforge.cluster.control.services import store_suite
from testforge.cluster.reconcile.projects import ProjectDecision
from testforge.contracts.sandbox import RunnerSummary, knowledge_key
from testforge.design import port
from testforge.design.offline import OfflineDesigner
from testforge.domain.app_model import AppModel
from testforge.domain.crd import API_VERSION
from testforge.domain.errors import ConfigurationError
from testforge.knowledge.store import PatternStore
from testforge.llm.usage import Usage
from testforge.scriptgen.render import generate_suite
from testforge.storage.local import LocalStore
from testforge.storage.port import ArtifactStore
from tests.unit.knowledge.test_patterns import request as heal_request
from tests.unit.pipeline.builders import shop

from .fakes import FakeKube

NS = "testforge-system"
NOW = datetime(2026, 1, 1, 12, 0, 5, tzinfo=UTC)


class MeteredDesigner:
    """An offline designer that reports token use the way the LLM designer does."""

    name = "claude"

    def design(self, model: AppModel) -> port.Designed:
        # Cache reads are billed input too: the status counts 1000 + 200.
        usage = Usage(input_tokens=1000, cache_read_tokens=200, output_tokens=300)
        return port.Designed(OfflineDesigner().design(model).plan, usage)


def _settle(controller: ProjectController) -> ProjectDecision | None:
    """Reconcile as the project's loop does: again at once while the decision asks for it."""
    decision = controller.reconcile(NS, "shop")
    for _ in range(5):
        if decision is None or decision.requeue_after != 0:
            return decision
        decision = controller.reconcile(NS, "shop")
    raise AssertionError("the project never settled: a busy loop")


class FailingDesigner:
    """A designer that fails for good (an invalid key, say), counting its calls."""

    name = "claude"

    def __init__(self) -> None:
        self.calls = 0

    def design(self, model: AppModel) -> port.Designed:
        self.calls += 1
        raise ConfigurationError("Claude refused the API key", fix="check TESTFORGE_LLM_API_KEY")


def _operator(
    tmp_path: Path, kube: FakeKube, designers: dict[str, port.TestDesigner] | None = None
) -> Operator:
    return Operator(
        kube=kube,
        store=LocalStore(tmp_path),
        sandbox=SandboxConfig(store_claim=None),
        designers=designers or {"offline": OfflineDesigner()},
        clock=lambda: NOW,
    )


def _project(kube: FakeKube, **spec: Any) -> None:
    kube.add(
        {
            "apiVersion": API_VERSION,
            "kind": "TestProject",
            "metadata": {"name": "shop", "namespace": NS},
            "spec": {"url": "http://shop", **spec},
        }
    )


def _discovered(kube: FakeKube, store: ArtifactStore) -> None:
    """The discovery Job finished and its app model is in the store."""
    ref = f"projects/{NS}/shop/discovery/g1/app-model.json"
    store.put(ref, shop().model_dump_json().encode())
    summary = RunnerSummary(ok=True, reason="Discovered", result_ref=ref)
    store.put(f"projects/{NS}/shop/discovery/g1/summary.json", summary.encode().encode())
    job = kube.objects[("Job", NS, "shop-discover-g1")]
    job["status"] = {"conditions": [{"type": "Complete", "status": "True"}], "succeeded": 1}


def _condition(status: dict[str, Any], type_: str) -> dict[str, Any]:
    return next(c for c in status["conditions"] if c["type"] == type_)


def test_a_project_is_discovered_then_designed_with_its_token_use_recorded(tmp_path: Path) -> None:
    kube = FakeKube()
    op = _operator(tmp_path, kube, {"claude": MeteredDesigner()})
    _project(kube, design={"designer": "claude"})
    ProjectController(op).reconcile(NS, "shop")
    assert ("Job", "shop-discover-g1") in kube.created and (
        "ConfigMap",
        "shop-discover-g1",
    ) in kube.created
    _discovered(kube, op.store)
    _settle(ProjectController(op))
    status = kube.objects[("TestProject", NS, "shop")]["status"]
    assert _condition(status, "Ready")["status"] == "True"
    assert status["tokens"] == {"inputTokens": 1200, "outputTokens": 300}
    assert status["suite"]["designer"] == "offline"  # the plan is the offline baseline here
    assert (tmp_path / status["suite"]["ref"] / "suite.json").is_file()


def test_a_designer_the_operator_lacks_is_a_stalled_condition_not_a_crash(tmp_path: Path) -> None:
    kube = FakeKube()
    op = _operator(tmp_path, kube)
    _project(kube, design={"designer": "claude"})
    ProjectController(op).reconcile(NS, "shop")
    _discovered(kube, op.store)
    _settle(ProjectController(op))
    status = kube.objects[("TestProject", NS, "shop")]["status"]
    ready = _condition(status, "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "DesignFailed")
    assert "claude" in ready["message"] and "offline" in ready["message"]
    assert ("shop", "Warning", "DesignFailed") in kube.events


def test_a_failed_design_stops_until_the_spec_changes_instead_of_designing_again(
    tmp_path: Path,
) -> None:
    kube = FakeKube()
    designer = FailingDesigner()
    op = _operator(tmp_path, kube, {"claude": designer})
    _project(kube, design={"designer": "claude"})
    controller = ProjectController(op)
    controller.reconcile(NS, "shop")
    _discovered(kube, op.store)
    decision = _settle(controller)
    assert decision is not None and decision.requeue_after is None  # waits for a spec change
    for _ in range(3):  # wake-ups and polls change nothing
        controller.reconcile(NS, "shop")
    assert designer.calls == 1
    status = kube.objects[("TestProject", NS, "shop")]["status"]
    assert _condition(status, "Stalled")["status"] == "True"
    assert _condition(status, "Ready")["message"].startswith("Claude refused the API key")
    assert kube.events.count(("shop", "Warning", "DesignFailed")) == 1


def test_a_failure_a_pass_recorded_ends_when_the_project_recovers(tmp_path: Path) -> None:
    """`record_failure` puts an API server error on Ready when a pass cannot finish; the next
    pass that does finish says the project is ready again."""
    kube = FakeKube()
    op = _operator(tmp_path, kube)
    _project(kube)
    controller = ProjectController(op)
    controller.reconcile(NS, "shop")
    _discovered(kube, op.store)
    _settle(controller)
    record_failure(op, "TestProject", NS, "shop", "KubernetesApi503", "the API server answered 503")
    assert _condition(kube.objects[("TestProject", NS, "shop")]["status"], "Ready")["reason"] == (
        "KubernetesApi503"
    )
    controller.reconcile(NS, "shop")
    ready = _condition(kube.objects[("TestProject", NS, "shop")]["status"], "Ready")
    assert (ready["status"], ready["reason"]) == ("True", "SuiteReady")


def test_a_run_creates_its_jobs_once_however_often_it_is_reconciled(tmp_path: Path) -> None:
    kube = FakeKube()
    op = _operator(tmp_path, kube)
    _project(kube)
    model = shop()
    suite = store_suite(
        op.store, NS, "shop", generate_suite(OfflineDesigner().design(model).plan, model), []
    )
    kube.objects[("TestProject", NS, "shop")]["status"] = {"suite": suite.wire()}
    kube.add(
        {
            "apiVersion": API_VERSION,
            "kind": "TestRun",
            "metadata": {"name": "r", "namespace": NS},
            "spec": {"projectRef": {"name": "shop"}, "shards": 2},
        }
    )
    controller = RunController(op)
    phases = []
    for _ in range(4):
        decision = controller.reconcile(NS, "r")
        assert decision is not None
        phases.append(decision.status.phase.value)
    assert phases == ["Preparing", "Running", "Running", "Running"]
    jobs = [name for kind, name in kube.created if kind == "Job"]
    assert jobs == ["r-shard-0", "r-shard-1"]
    status = kube.objects[("TestRun", NS, "r")]["status"]
    assert status["counts"]["total"] == suite.cases and status["suiteHash"] == suite.hash
    assert [e[2] for e in kube.events] == ["Preparing", "Running"]
    created = op.metrics.registry.get_sample_value(
        "testforge_children_created_total", {"kind": "Job"}
    )
    assert created == 2.0, "the Prometheus counter counts Jobs actually created"


def test_a_run_that_is_gone_is_not_reconciled(tmp_path: Path) -> None:
    assert RunController(_operator(tmp_path, FakeKube())).reconcile(NS, "nope") is None


class CountingStore(LocalStore):
    """A local store that counts the writes of each key."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.writes: Counter[str] = Counter()

    def put(self, key: str, data: bytes) -> None:
        self.writes[key] += 1
        super().put(key, data)


def _prepare_run(kube: FakeKube, op: Operator, name: str) -> None:
    kube.add(
        {
            "apiVersion": API_VERSION,
            "kind": "TestRun",
            "metadata": {"name": name, "namespace": NS},
            "spec": {"projectRef": {"name": "shop"}},
        }
    )
    controller = RunController(op)
    for _ in range(2):  # Pending -> Preparing -> Running: the Jobs are created
        controller.reconcile(NS, name)
    assert any(kind == "Job" and job.startswith(name) for kind, job in kube.created)


def test_learned_patterns_are_exported_once_when_a_run_needs_them(tmp_path: Path) -> None:
    """Deciding heals learns them; the namespace's snapshot is written when the next run's
    shards are created, once for any number of decisions, and not again while nothing new
    was learned."""
    kube = FakeKube()
    store = CountingStore(tmp_path)
    knowledge = PatternStore.in_memory()
    sandbox = SandboxConfig(store_claim=None)
    op = Operator(kube, store, sandbox, {}, knowledge=knowledge, clock=lambda: NOW)
    _project(kube)
    model = shop()
    suite = store_suite(
        store, NS, "shop", generate_suite(OfflineDesigner().design(model).plan, model), []
    )
    kube.objects[("TestProject", NS, "shop")]["status"] = {"suite": suite.wire()}
    for approved in (True, True, False):
        assert op.learn(NS, heal_request(), approved) is not None
    assert store.writes[knowledge_key(NS)] == 0, "a decision alone exports nothing"
    _prepare_run(kube, op, "first")
    assert store.writes[knowledge_key(NS)] == 1
    (pattern,) = PatternStore.from_snapshot(store.root / knowledge_key(NS)).all()
    assert (pattern.approved, pattern.rejected) == (2, 1)
    _prepare_run(kube, op, "second")
    assert store.writes[knowledge_key(NS)] == 1, "nothing new learned: the snapshot stands"
