"""The Kubernetes adapter (official client) against kmock's emulator: create, read, list, error
translation, and the app's project and run routes end to end over it."""

from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client as k8s
from sqlalchemy import Engine

from api.cluster.kubernetes import KubernetesCluster
from api.cluster.port import AlreadyExistsError, ClusterUnavailableError
from api.cluster.resources import project_manifest, read_project
from testforge.domain.crd import TestProjectSpec
from tests.api.conftest import Api, build_api
from tests.api.kmock_cluster import KmockThread, running_kmock
from tests.fakes.oidc_provider import FakeOidcProvider
from tests.fakes.stripe_server import FakeStripe

GROUP, VERSION = "testforge.io", "v1alpha1"


@pytest.fixture(scope="module")
def kmock_server() -> Iterator[KmockThread]:
    with running_kmock() as server:
        yield server


@pytest.fixture
def cluster(kmock_server: KmockThread) -> Iterator[KubernetesCluster]:
    api = kmock_server.api_client()
    with api:
        yield KubernetesCluster(api)


def project(namespace: str, name: str = "shop") -> dict[str, Any]:
    spec = TestProjectSpec(url="https://shop.example")
    return project_manifest(namespace, name, "acme", spec)


def test_creates_a_testproject_and_reads_it_back(cluster: KubernetesCluster) -> None:
    cluster.create(project("ns-create"))
    found = cluster.get("testprojects", "ns-create", "shop")
    assert found is not None
    assert found["spec"]["url"] == "https://shop.example"
    assert found["metadata"]["labels"]["testforge.io/tenant"] == "acme"
    assert read_project(found).url == "https://shop.example"


def test_lists_the_objects_of_one_namespace_only(cluster: KubernetesCluster) -> None:
    cluster.create(project("ns-a", "one"))
    cluster.create(project("ns-a", "two"))
    cluster.create(project("ns-b", "three"))
    names = sorted(o["metadata"]["name"] for o in cluster.list("testprojects", "ns-a"))
    assert names == ["one", "two"]


def test_a_missing_object_reads_as_none(cluster: KubernetesCluster) -> None:
    assert cluster.get("testruns", "ns-none", "ghost") is None


def test_creating_a_taken_name_is_a_conflict(cluster: KubernetesCluster) -> None:
    cluster.create(project("ns-dup"))
    with pytest.raises(AlreadyExistsError):
        cluster.create(project("ns-dup"))


def test_a_forbidden_answer_names_the_rbac_fix(
    kmock_server: KmockThread, cluster: KubernetesCluster
) -> None:
    assert kmock_server.emulator is not None
    path = f"post /apis/{GROUP}/{VERSION}/namespaces/locked/testprojects"
    (
        kmock_server.emulator[path]
        << 403
        << {
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Failure",
            "reason": "Forbidden",
            "code": 403,
            "message": 'testprojects.testforge.io is forbidden: User "system:serviceaccount:x:api"',
        }
    )
    with pytest.raises(ClusterUnavailableError) as refused:
        cluster.create(project("locked"))
    assert "is forbidden" in refused.value.problem
    assert refused.value.fix is not None and "service account" in refused.value.fix


def test_an_api_server_that_does_not_answer_is_unavailable() -> None:
    configuration = k8s.Configuration()
    configuration.host = "http://127.0.0.1:1"
    configuration.retries = False
    with (
        k8s.ApiClient(configuration) as api,
        pytest.raises(ClusterUnavailableError, match="did not answer"),
    ):
        KubernetesCluster(api).list("testruns", "any")


@pytest.fixture
def api_over_kmock(
    sqlite: Engine, oidc: FakeOidcProvider, stripe_fake: FakeStripe, cluster: KubernetesCluster
) -> Iterator[Api]:
    yield from build_api(sqlite, oidc, stripe_fake, resources=cluster, manage_namespaces=False)


def test_the_app_creates_projects_and_runs_and_reads_run_status_from_the_emulator(
    api_over_kmock: Api, kmock_server: KmockThread
) -> None:
    api = api_over_kmock
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "kmock")
    api.project(owner, "kmock")
    answer = api.client.post(
        "/v1/tenants/kmock/projects/shop/runs", json={"git_sha": "abcdef1234"}, headers=owner
    )
    assert answer.status_code == 201, answer.text
    name = answer.json()["name"]
    # The tenant's egress policy went along, for the runner's own check.
    stored = api.container.resources.get("testruns", "tf-kmock", name)
    assert stored is not None and stored["spec"]["egress"] == {"allowCidrs": [], "allowHosts": []}
    # What the operator does: write the run's status through the status subresource.
    with kmock_server.api_client() as raw:
        k8s.CustomObjectsApi(raw).patch_namespaced_custom_object_status(
            GROUP,
            VERSION,
            "tf-kmock",
            "testruns",
            name,
            {"status": {"phase": "Running", "counts": {"total": 3, "passed": 1}}},
        )
    run = api.client.get(f"/v1/tenants/kmock/runs/{name}", headers=owner).json()
    assert (run["phase"], run["counts"]["passed"], run["finished"]) == ("Running", 1, False)
    assert run["trigger"]["gitSha"] == "abcdef1234"
    listed = api.client.get("/v1/tenants/kmock/runs", headers=owner).json()
    assert [r["name"] for r in listed] == [name]
