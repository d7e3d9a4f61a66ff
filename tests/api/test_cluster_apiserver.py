"""The Kubernetes adapter against a real kube-apiserver with the project's CRDs installed
(tests/cluster: skips, saying how to build it, when the binaries are absent).

Here the server does what kmock cannot: namespaces must exist, CRD schemas are enforced and
their messages reach the caller, and status is only writable through the subresource. The
assertions are about the adapter's contract, not about CRD details, which are still moving.
"""

import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from api.cluster.kubernetes import KubernetesCluster, api_client
from api.cluster.port import AlreadyExistsError, ClusterUnavailableError, RefusedError
from api.cluster.resources import (
    MANAGED_BY,
    RUNS,
    TENANT_LABEL,
    project_manifest,
    read_run,
    run_manifest,
)
from testforge.domain.crd import (
    API_VERSION,
    LocalObjectReference,
    TestProjectSpec,
    TestRunSpec,
    Trigger,
    TriggerSource,
)

if TYPE_CHECKING:
    from tests.cluster.controlplane import ControlPlane
    from tests.cluster.kube import InstalledManifests

pytestmark = pytest.mark.cluster


@pytest.fixture
def cluster(
    control_plane: "ControlPlane", installed_manifests: "InstalledManifests"
) -> Iterator[KubernetesCluster]:
    if not any("testruns" in name for name in installed_manifests.crds):
        pytest.skip("the TestRun CRD is not among crds/ yet")
    api = api_client(control_plane.admin_kubeconfig, None)
    with api:
        yield KubernetesCluster(api)


@pytest.fixture
def namespace(cluster: KubernetesCluster) -> str:
    name = f"tf-api-{secrets.token_hex(3)}"
    cluster.ensure(name, {**MANAGED_BY, TENANT_LABEL: "acme"})
    return name


def test_ensuring_a_namespace_twice_is_harmless(cluster: KubernetesCluster, namespace: str) -> None:
    cluster.ensure(namespace, {TENANT_LABEL: "acme"})
    assert cluster.list(RUNS, namespace) == []


def test_the_server_accepts_what_the_builders_make_and_stamps_it(
    cluster: KubernetesCluster, namespace: str
) -> None:
    cluster.create(
        project_manifest(namespace, "shop", "acme", TestProjectSpec(url="https://a.example"))
    )
    spec = TestRunSpec(
        project_ref=LocalObjectReference(name="shop"),
        trigger=Trigger(source=TriggerSource.CI, git_sha="abcdef1", actor="api_key:x"),
    )
    created = cluster.create(run_manifest(namespace, "shop-abc123", "acme", spec))
    assert created["metadata"]["uid"] and created["metadata"]["creationTimestamp"]
    run = read_run(created)
    assert (run.name, run.project, run.finished) == ("shop-abc123", "shop", False)
    assert run.created_at is not None
    with pytest.raises(AlreadyExistsError):
        cluster.create(run_manifest(namespace, "shop-abc123", "acme", spec))


def test_a_schema_violation_comes_back_with_the_servers_message(
    cluster: KubernetesCluster, namespace: str
) -> None:
    invalid: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": "TestRun",
        "metadata": {"name": "bad", "namespace": namespace},
        "spec": {"projectRef": {"name": "shop"}, "shards": "many"},
    }
    with pytest.raises(RefusedError) as refused:
        cluster.create(invalid)
    assert "spec.shards" in refused.value.problem


def test_status_written_by_the_operator_is_what_the_api_reads(
    cluster: KubernetesCluster, namespace: str, control_plane: "ControlPlane"
) -> None:
    from kubernetes import client as k8s

    spec = TestRunSpec(project_ref=LocalObjectReference(name="shop"))
    cluster.create(run_manifest(namespace, "shop-status", "acme", spec))
    with api_client(control_plane.admin_kubeconfig, None) as raw:
        k8s.CustomObjectsApi(raw).patch_namespaced_custom_object_status(
            "testforge.io",
            "v1alpha1",
            namespace,
            "testruns",
            "shop-status",
            {"status": {"phase": "Succeeded", "counts": {"total": 2, "passed": 2}}},
        )
    found = cluster.get(RUNS, namespace, "shop-status")
    assert found is not None
    run = read_run(found)
    assert (run.phase.value, run.counts.passed, run.finished) == ("Succeeded", 2, True)


def test_creating_in_a_namespace_that_does_not_exist_is_refused_not_hidden(
    cluster: KubernetesCluster,
) -> None:
    spec = TestRunSpec(project_ref=LocalObjectReference(name="shop"))
    with pytest.raises(ClusterUnavailableError) as failed:
        cluster.create(run_manifest("tf-nowhere-" + secrets.token_hex(3), "r", "acme", spec))
    assert "not found" in failed.value.problem
    assert failed.value.fix is not None and "namespace exists" in failed.value.fix
