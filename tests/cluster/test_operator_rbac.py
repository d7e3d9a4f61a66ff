"""The operator's shipped RBAC on a real API server: enough for its work, and nothing more."""

import pytest
from kubernetes import client
from kubernetes.client import ApiClient

from tests.cluster.controlplane import OPERATOR_NAMESPACE
from tests.cluster.kube import InstalledManifests

pytestmark = pytest.mark.cluster

# (verb, group, resource, namespace): what controllers/ and testforge/cluster/ actually do.
NEEDED = [
    ("watch", "testforge.io", "testruns", OPERATOR_NAMESPACE),
    ("patch", "testforge.io", "testruns/status", OPERATOR_NAMESPACE),
    ("create", "testforge.io", "healingrequests", OPERATOR_NAMESPACE),
    ("create", "batch", "jobs", OPERATOR_NAMESPACE),
    ("delete", "batch", "jobs", OPERATOR_NAMESPACE),
    ("create", "", "configmaps", OPERATOR_NAMESPACE),
    ("list", "", "pods", OPERATOR_NAMESPACE),
    ("get", "", "secrets", OPERATOR_NAMESPACE),
    ("create", "", "events", OPERATOR_NAMESPACE),
]
# Writes that would let a compromised operator escalate, read other tenants, or destroy work.
FORBIDDEN = [
    ("list", "", "secrets", OPERATOR_NAMESPACE),
    ("get", "", "secrets", "default"),
    ("create", "", "pods", OPERATOR_NAMESPACE),
    ("create", "batch", "jobs", "default"),
    ("delete", "testforge.io", "testprojects", OPERATOR_NAMESPACE),
    ("update", "testforge.io", "testruns", OPERATOR_NAMESPACE),
    ("create", "rbac.authorization.k8s.io", "rolebindings", OPERATOR_NAMESPACE),
    ("create", "rbac.authorization.k8s.io", "clusterroles", ""),
    ("patch", "apiextensions.k8s.io", "customresourcedefinitions", ""),
    ("delete", "", "namespaces", ""),
]


def allowed(api: ApiClient, verb: str, group: str, resource: str, namespace: str) -> bool:
    name, _, subresource = resource.partition("/")
    review = client.V1SelfSubjectAccessReview(
        spec=client.V1SelfSubjectAccessReviewSpec(
            resource_attributes=client.V1ResourceAttributes(
                verb=verb,
                group=group,
                resource=name,
                subresource=subresource or None,
                namespace=namespace or None,
            )
        )
    )
    answer = client.AuthorizationV1Api(api).create_self_subject_access_review(review)
    return bool(answer.status and answer.status.allowed)


@pytest.fixture(scope="module")
def shipped(installed_manifests: InstalledManifests) -> InstalledManifests:
    if not installed_manifests.rbac:
        pytest.fail(f"the operator's RBAC was not applied: {installed_manifests.absent}")
    return installed_manifests


@pytest.mark.parametrize(("verb", "group", "resource", "namespace"), NEEDED)
def test_the_operator_may_do_what_its_code_does(
    shipped: InstalledManifests,
    operator_api: ApiClient,
    verb: str,
    group: str,
    resource: str,
    namespace: str,
) -> None:
    assert allowed(operator_api, verb, group, resource, namespace)


@pytest.mark.parametrize(("verb", "group", "resource", "namespace"), FORBIDDEN)
def test_the_operator_may_not_do_anything_wider(
    shipped: InstalledManifests,
    operator_api: ApiClient,
    verb: str,
    group: str,
    resource: str,
    namespace: str,
) -> None:
    assert not allowed(operator_api, verb, group, resource, namespace)
