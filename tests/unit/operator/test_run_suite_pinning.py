"""A run executes the suite it pinned in status.suiteRef, whatever the project points at later:
the controller loads the pinned suite's cases for Preparing, not the project's current ones."""

import json
from datetime import UTC, datetime
from pathlib import Path

from testforge.artifacts import SUITE_META
from testforge.cluster.builders.manifests import SandboxConfig
from testforge.cluster.control.controller import Operator, RunController
from testforge.contracts.sandbox import SPEC_FILE, RunnerSpec, suite_prefix
from testforge.domain.crd import API_VERSION, SuiteReference
from testforge.domain.suite import SuiteCase
from testforge.storage.local import LocalStore
from testforge.storage.port import ArtifactStore

from .builders import case
from .fakes import FakeKube

NS = "testforge-system"
NOW = datetime(2026, 1, 1, 12, 0, 5, tzinfo=UTC)


def _stored(store: ArtifactStore, digest: str, cases: list[SuiteCase]) -> SuiteReference:
    """A suite in the store as far as the run controller reads it (its cases)."""
    ref = suite_prefix(NS, "shop", digest)
    meta = {"cases": [c.model_dump(mode="json") for c in cases]}
    store.put(f"{ref}/{SUITE_META}", json.dumps(meta).encode())
    return SuiteReference(
        ref=ref, hash=digest, cases=len(cases), generated_at=NOW, designer="offline"
    )


def _specs(kube: FakeKube) -> list[RunnerSpec]:
    return [
        RunnerSpec.model_validate_json(kube.objects[("ConfigMap", NS, name)]["data"][SPEC_FILE])
        for kind, name in kube.created
        if kind == "ConfigMap"
    ]


def test_a_suite_change_between_pinning_and_preparing_does_not_change_what_runs(
    tmp_path: Path,
) -> None:
    kube = FakeKube()
    op = Operator(
        kube=kube,
        store=LocalStore(tmp_path),
        sandbox=SandboxConfig(store_claim=None),
        designers={},
        clock=lambda: NOW,
    )
    first = [case(i) for i in range(4)]
    pinned = _stored(op.store, "aaaa", first)
    kube.add(
        {
            "apiVersion": API_VERSION,
            "kind": "TestProject",
            "metadata": {"name": "shop", "namespace": NS},
            "spec": {"url": "http://shop"},
            "status": {"suite": pinned.wire()},
        }
    )
    kube.add(
        {
            "apiVersion": API_VERSION,
            "kind": "TestRun",
            "metadata": {"name": "r", "namespace": NS},
            "spec": {"projectRef": {"name": "shop"}, "shards": 2},
        }
    )
    controller = RunController(op)
    planned = controller.reconcile(NS, "r")
    assert planned is not None and planned.status.phase.value == "Preparing"
    # A heal is applied (or the operator restarts) before the Jobs are created.
    healed = _stored(op.store, "bbbb", [case(i) for i in range(10, 16)])
    kube.patch_status("TestProject", NS, "shop", {"suite": healed.wire()})

    running = controller.reconcile(NS, "r")

    assert running is not None and running.status.phase.value == "Running"
    specs = _specs(kube)
    assert [s.suite_ref for s in specs] == [pinned.ref, pinned.ref]
    ran = sorted(n for s in specs for n in s.nodeids)
    assert ran == sorted(c.nodeid for c in first)
    status = kube.objects[("TestRun", NS, "r")]["status"]
    assert (status["suiteRef"], status["suiteHash"]) == (pinned.ref, "aaaa")
