"""The Kubernetes adapter against a real kube-apiserver with the project's CRDs installed
(tests/cluster: skips, saying how to build it, when the binaries are absent).

Here the server does what kmock cannot: namespaces must exist (and can be created), CRD and
NetworkPolicy schemas are enforced and their messages reach the caller, PUT replaces, RBAC
holds, and status is only writable through the subresource. The assertions are about the
adapter's contract, not about CRD details, which are still moving.
"""

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from api.cluster.kubernetes import KubernetesCluster, api_client
from api.cluster.port import AlreadyExistsError, ClusterUnavailableError, RefusedError
from api.cluster.resources import (
    EGRESS_POLICY,
    RUNS,
    TENANT_LABEL,
    egress_network_policy,
    namespace_labels,
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
from testforge.domain.egress import EgressPolicy

if TYPE_CHECKING:
    from tests.cluster.controlplane import ControlPlane
    from tests.cluster.kube import InstalledManifests, Kubectl

pytestmark = pytest.mark.cluster
API_SERVICE_ACCOUNT = "system:serviceaccount:testforge-system:testforge-api"


@pytest.fixture
def cluster(
    control_plane: "ControlPlane", installed_manifests: "InstalledManifests"
) -> Iterator[KubernetesCluster]:
    if not any("testruns" in name for name in installed_manifests.crds):
        pytest.skip("the TestRun CRD is not among crds/ yet")
    api = api_client(control_plane.admin_kubeconfig, None)
    with api:
        yield KubernetesCluster(api)


def _policy(namespace: str, policy: EgressPolicy | None = None) -> dict[str, Any]:
    return egress_network_policy(namespace, "acme", policy or EgressPolicy())


@pytest.fixture
def namespace(cluster: KubernetesCluster) -> str:
    name = f"tf-api-{secrets.token_hex(3)}"
    cluster.ensure(name, namespace_labels("acme"), _policy(name))
    return name


def test_ensuring_a_namespace_twice_is_harmless(cluster: KubernetesCluster, namespace: str) -> None:
    cluster.ensure(namespace, {TENANT_LABEL: "acme"}, _policy(namespace))
    assert cluster.list(RUNS, namespace) == []


def _egress_rules(control_plane: "ControlPlane", namespace: str) -> list[dict[str, Any]]:
    from kubernetes import client as k8s

    with api_client(control_plane.admin_kubeconfig, None) as raw:
        found = k8s.NetworkingV1Api(raw).read_namespaced_network_policy(EGRESS_POLICY, namespace)
        wire: dict[str, Any] = raw.sanitize_for_serialization(found)
    assert wire["spec"]["policyTypes"] == ["Egress"] and wire["spec"]["podSelector"] == {}
    rules: list[dict[str, Any]] = wire["spec"]["egress"]
    return rules


def test_the_egress_policy_is_accepted_by_the_server_and_replaced_whole_when_it_changes(
    cluster: KubernetesCluster, namespace: str, control_plane: "ControlPlane"
) -> None:
    assert len(_egress_rules(control_plane, namespace)) == 2  # DNS, the public internet
    opened = EgressPolicy(allow_cidrs=("10.20.0.0/16", "fd12:3456::/32", "100.64.0.0/10"))
    cluster.ensure(namespace, namespace_labels("acme"), _policy(namespace, opened))
    rules = _egress_rules(control_plane, namespace)
    blocks = [peer["ipBlock"] for peer in rules[2]["to"]]
    assert [b["cidr"] for b in blocks] == ["10.20.0.0/16", "fd12:3456::/32", "100.64.0.0/10"]
    assert blocks[2]["except"] == ["100.100.100.200/32"]  # a metadata endpoint stays closed
    cluster.ensure(namespace, namespace_labels("acme"), _policy(namespace))
    assert len(_egress_rules(control_plane, namespace)) == 2


def test_the_apis_shipped_rbac_is_enough_for_its_writes_and_no_more(
    control_plane: "ControlPlane",
    installed_manifests: "InstalledManifests",
    kubectl_admin: "Kubectl",
) -> None:
    """manifests/api, applied; the API's service account (impersonated) makes a tenant's
    namespace, its NetworkPolicy (twice: create, then replace) and a project, and may not
    delete or patch what it wrote."""
    from kubernetes import client as k8s

    root = Path(__file__).resolve().parents[2]
    kubectl_admin.output(["apply", "-k", str(root / "manifests" / "api")])
    name = f"tf-rbac-{secrets.token_hex(3)}"
    with api_client(control_plane.admin_kubeconfig, None) as raw:
        raw.set_default_header("Impersonate-User", API_SERVICE_ACCOUNT)
        raw.set_default_header("Impersonate-Group", "system:serviceaccounts")
        as_api = KubernetesCluster(raw)
        as_api.ensure(name, namespace_labels("acme"), _policy(name))
        opened = EgressPolicy(allow_cidrs=("10.20.0.0/16",))
        as_api.ensure(name, namespace_labels("acme"), _policy(name, opened))
        as_api.create(project_manifest(name, "shop", "acme", TestProjectSpec(url="https://a.example")))
        assert [p["metadata"]["name"] for p in as_api.list("testprojects", name)] == ["shop"]
        for verb, group, resource in (
            ("delete", "networking.k8s.io", "networkpolicies"),
            ("patch", "networking.k8s.io", "networkpolicies"),
            ("delete", "", "namespaces"),
            ("create", "", "pods"),
            ("get", "", "secrets"),
            ("delete", "testforge.io", "testprojects"),
        ):
            review = k8s.V1SelfSubjectAccessReview(
                spec=k8s.V1SelfSubjectAccessReviewSpec(
                    resource_attributes=k8s.V1ResourceAttributes(
                        verb=verb, group=group, resource=resource, namespace=name
                    )
                )
            )
            answer = k8s.AuthorizationV1Api(raw).create_self_subject_access_review(review)
            assert answer.status is not None and not answer.status.allowed, (verb, resource)
    assert len(_egress_rules(control_plane, name)) == 3


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
