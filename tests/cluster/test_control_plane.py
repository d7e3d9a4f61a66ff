"""What a real kube-apiserver (with etcd and kube-controller-manager) enforces.

These are the guarantees an emulator cannot give: CRD schema validation, the status
subresource, optimistic concurrency, RBAC for the operator's own identity, garbage collection
and Job bookkeeping by the controller manager, and the project's manifests applying cleanly.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any, TypeVar

import pytest
from kubernetes import client
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException

from .controlplane import (
    OPERATOR_NAMESPACE,
    OPERATOR_SERVICE_ACCOUNT,
    OPERATOR_USER,
    ControlPlane,
    kubernetes_version,
)
from .kube import InstalledManifests, Kubectl, api_status, eventually

pytestmark = pytest.mark.cluster

_T = TypeVar("_T")

GROUP = "testforge.example.com"
VERSION = "v1alpha1"
PLURAL = "widgets"
CRD_NAME = f"{PLURAL}.{GROUP}"
WIDGET_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": CRD_NAME},
    "spec": {
        "group": GROUP,
        "scope": "Namespaced",
        "names": {
            "plural": PLURAL,
            "singular": "widget",
            "kind": "Widget",
            "listKind": "WidgetList",
        },
        "versions": [
            {
                "name": VERSION,
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "required": ["spec"],
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["size", "color"],
                                "properties": {
                                    "size": {"type": "integer", "minimum": 1},
                                    "color": {"type": "string", "enum": ["red", "green", "blue"]},
                                },
                            },
                            "status": {
                                "type": "object",
                                "properties": {"phase": {"type": "string"}},
                            },
                        },
                    }
                },
            }
        ],
    },
}


def widget(name: str, *, size: int = 1, color: str = "red") -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Widget",
        "metadata": {"name": name},
        "spec": {"size": size, "color": color},
    }


def present(value: _T | None) -> _T:
    """`value`, asserting that the server filled it in."""
    assert value is not None
    return value


def is_established(crd: client.V1CustomResourceDefinition) -> bool:
    conditions = crd.status.conditions if crd.status else None
    return any(c.type == "Established" and c.status == "True" for c in conditions or [])


@pytest.fixture(scope="module")
def widget_crd(admin_api: ApiClient) -> Iterator[str]:
    """The inline Widget CRD, established and served."""
    extensions = client.ApiextensionsV1Api(admin_api)
    extensions.create_custom_resource_definition(
        client.V1CustomResourceDefinition.model_validate(WIDGET_CRD)
    )
    eventually(
        lambda: is_established(extensions.read_custom_resource_definition(CRD_NAME)),
        what=f"{CRD_NAME} to be established",
    )
    custom = client.CustomObjectsApi(admin_api)

    def served() -> bool:
        listing = lambda: custom.list_namespaced_custom_object(GROUP, VERSION, "default", PLURAL)  # noqa: E731
        return api_status(listing) == 200

    eventually(served, what=f"{PLURAL} to be served")
    yield CRD_NAME
    extensions.delete_custom_resource_definition(CRD_NAME)


@pytest.fixture
def custom(admin_api: ApiClient) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(admin_api)


def as_object(answer: object) -> dict[str, Any]:
    """A custom object as the client returns it (JSON decoded into a dict)."""
    assert isinstance(answer, dict)
    return answer


def create_widget(
    custom: client.CustomObjectsApi, namespace: str, body: dict[str, Any]
) -> dict[str, Any]:
    return as_object(
        custom.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, body)
    )


def read_widget(custom: client.CustomObjectsApi, namespace: str, name: str) -> dict[str, Any]:
    return as_object(custom.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name))


def patch_widget(
    custom: client.CustomObjectsApi, namespace: str, name: str, patch: dict[str, Any]
) -> dict[str, Any]:
    """A JSON merge patch of the widget's main resource."""
    return as_object(
        custom.patch_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name, patch)
    )


def patch_widget_status(
    custom: client.CustomObjectsApi, namespace: str, name: str, patch: dict[str, Any]
) -> dict[str, Any]:
    """A JSON merge patch of the widget's status subresource."""
    return as_object(
        custom.patch_namespaced_custom_object_status(GROUP, VERSION, namespace, PLURAL, name, patch)
    )


@pytest.fixture
def controller_manager(control_plane: ControlPlane) -> ControlPlane:
    if not control_plane.has_controller_manager:
        pytest.skip("kube-controller-manager is not built (tests/cluster/build.sh builds it)")
    return control_plane


# --- the server ------------------------------------------------------------------------


def test_the_api_server_answers_the_admin_with_the_pinned_version(admin_api: ApiClient) -> None:
    version = client.VersionApi(admin_api).get_code()

    assert version.git_version == kubernetes_version()
    names = {present(ns.metadata).name for ns in client.CoreV1Api(admin_api).list_namespace().items}
    assert {"default", "kube-system"} <= names


def test_the_operator_kubeconfig_authenticates_as_the_operators_service_account(
    operator_api: ApiClient,
) -> None:
    review = client.AuthenticationV1Api(operator_api).create_self_subject_review(
        client.V1SelfSubjectReview()
    )

    user = present(present(review.status).user_info)
    assert user.username == OPERATOR_USER
    assert f"system:serviceaccounts:{OPERATOR_NAMESPACE}" in present(user.groups)


# --- CRDs ------------------------------------------------------------------------------


def test_a_crd_with_a_status_subresource_and_a_schema_is_established(
    admin_api: ApiClient, widget_crd: str
) -> None:
    crd = client.ApiextensionsV1Api(admin_api).read_custom_resource_definition(widget_crd)

    assert is_established(crd)
    assert present(crd.spec.versions[0].subresources).status == {}


def test_an_object_violating_the_schema_is_rejected_with_the_schemas_message(
    custom: client.CustomObjectsApi, widget_crd: str, namespace: str
) -> None:
    invalid = widget("bad", color="purple")
    del invalid["spec"]["size"]

    with pytest.raises(ApiException) as rejected:
        create_widget(custom, namespace, invalid)

    assert rejected.value.status == 422
    body = present(rejected.value.body)
    assert 'spec.color: Unsupported value: \\"purple\\"' in body
    assert 'supported values: \\"red\\", \\"green\\", \\"blue\\"' in body
    assert "spec.size: Required value" in body


def test_a_valid_object_is_accepted(
    custom: client.CustomObjectsApi, widget_crd: str, namespace: str
) -> None:
    created = create_widget(custom, namespace, widget("good", size=3, color="blue"))

    assert created["spec"] == {"size": 3, "color": "blue"}
    assert created["metadata"]["resourceVersion"]


def test_status_sent_on_create_or_in_a_patch_of_the_main_resource_is_ignored(
    custom: client.CustomObjectsApi, widget_crd: str, namespace: str
) -> None:
    body = widget("w") | {"status": {"phase": "Created"}}
    created = create_widget(custom, namespace, body)
    assert "status" not in created

    patched = patch_widget(
        custom, namespace, "w", {"spec": {"size": 2}, "status": {"phase": "Ready"}}
    )

    assert patched["spec"]["size"] == 2
    assert "status" not in patched
    assert "status" not in read_widget(custom, namespace, "w")


def test_a_patch_to_the_status_subresource_changes_status_and_not_spec(
    custom: client.CustomObjectsApi, widget_crd: str, namespace: str
) -> None:
    create_widget(custom, namespace, widget("w", size=1))

    patched = patch_widget_status(
        custom, namespace, "w", {"spec": {"size": 9}, "status": {"phase": "Ready"}}
    )

    assert patched["status"] == {"phase": "Ready"}
    assert patched["spec"]["size"] == 1
    assert read_widget(custom, namespace, "w")["status"] == {"phase": "Ready"}


def test_a_put_with_a_stale_resource_version_gets_409_conflict(
    custom: client.CustomObjectsApi, widget_crd: str, namespace: str
) -> None:
    create_widget(custom, namespace, widget("w"))
    current = read_widget(custom, namespace, "w")
    stale = copy.deepcopy(current)
    current["spec"]["size"] = 2
    custom.replace_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, "w", current)
    stale["spec"]["size"] = 3

    with pytest.raises(ApiException) as conflict:
        custom.replace_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, "w", stale)

    assert conflict.value.status == 409
    assert "the object has been modified" in present(conflict.value.body)
    assert read_widget(custom, namespace, "w")["spec"]["size"] == 2


# --- RBAC ------------------------------------------------------------------------------


def configmap(name: str, owner: client.V1ConfigMap | None = None) -> client.V1ConfigMap:
    metadata = client.V1ObjectMeta(name=name)
    if owner is not None:
        owner_metadata = present(owner.metadata)
        metadata.owner_references = [
            client.V1OwnerReference(
                api_version="v1",
                kind="ConfigMap",
                name=present(owner_metadata.name),
                uid=present(owner_metadata.uid),
            )
        ]
    return client.V1ConfigMap(metadata=metadata, data={"key": "value"})


def operator_can_create_configmaps(admin_api: ApiClient, namespace: str) -> bool:
    review = client.AuthorizationV1Api(admin_api).create_subject_access_review(
        client.V1SubjectAccessReview.model_validate(
            {
                "spec": {
                    "user": OPERATOR_USER,
                    "groups": [f"system:serviceaccounts:{OPERATOR_NAMESPACE}"],
                    "resourceAttributes": {
                        "namespace": namespace,
                        "verb": "create",
                        "resource": "configmaps",
                    },
                },
            }
        )
    )
    return bool(present(review.status).allowed)


def bind_configmap_writer_role(admin_api: ApiClient, namespace: str) -> None:
    rbac = client.RbacAuthorizationV1Api(admin_api)
    role = {
        "metadata": {"name": "configmap-writer"},
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["create", "get"]}],
    }
    binding = {
        "metadata": {"name": "operator-writes-configmaps"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": "configmap-writer",
        },
        "subjects": [
            {
                "kind": "ServiceAccount",
                "name": OPERATOR_SERVICE_ACCOUNT,
                "namespace": OPERATOR_NAMESPACE,
            }
        ],
    }
    rbac.create_namespaced_role(namespace, client.V1Role.model_validate(role))
    rbac.create_namespaced_role_binding(namespace, client.V1RoleBinding.model_validate(binding))


def test_the_operator_without_a_role_binding_is_forbidden_to_create_a_configmap(
    admin_api: ApiClient, operator_api: ApiClient, namespace: str
) -> None:
    if operator_can_create_configmaps(admin_api, namespace):
        pytest.skip("the RBAC applied in this session lets the operator write ConfigMaps anywhere")
    core = client.CoreV1Api(operator_api)

    with pytest.raises(ApiException) as forbidden:
        core.create_namespaced_config_map(namespace, configmap("denied"))

    assert forbidden.value.status == 403
    assert f'User \\"{OPERATOR_USER}\\" cannot create resource \\"configmaps\\"' in present(
        forbidden.value.body
    )


def test_the_operator_may_create_a_configmap_once_a_role_is_bound(
    admin_api: ApiClient, operator_api: ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(operator_api)
    bind_configmap_writer_role(admin_api, namespace)

    # The authorizer reads RBAC objects from an informer: allow it a moment to see the binding.
    eventually(
        lambda: (
            api_status(lambda: core.create_namespaced_config_map(namespace, configmap("ok"))) == 200
        ),
        timeout=10,
        what="the RoleBinding to take effect",
    )

    assert core.read_namespaced_config_map("ok", namespace).data == {"key": "value"}
    assert api_status(lambda: core.list_namespaced_config_map(namespace)) == 403


# --- kubectl ---------------------------------------------------------------------------


def test_kubectl_get_works_with_the_admin_kubeconfig(
    kubectl_admin: Kubectl, custom: client.CustomObjectsApi, widget_crd: str, namespace: str
) -> None:
    create_widget(custom, namespace, widget("seen", size=4, color="green"))

    namespaces = kubectl_admin.output(["get", "namespaces", "-o", "name"])
    color = kubectl_admin.output(
        ["get", "widgets", "seen", "-n", namespace, "-o", "jsonpath={.spec.color}"]
    )

    assert f"namespace/{namespace}" in namespaces.split()
    assert color == "green"


def test_kubectl_with_the_operator_kubeconfig_reports_what_rbac_denies(
    control_plane: ControlPlane, kubectl_admin: Kubectl, namespace: str
) -> None:
    as_operator = Kubectl(control_plane.operator_kubeconfig, kubectl_admin.executable)

    answer = as_operator.run(["auth", "can-i", "delete", "secrets", "-n", namespace], check=False)

    assert answer.stdout.strip() == "no"
    assert answer.returncode == 1


# --- kube-controller-manager -----------------------------------------------------------


def test_deleting_an_owner_garbage_collects_its_dependents(
    controller_manager: ControlPlane, admin_api: ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(admin_api)
    owner = core.create_namespaced_config_map(namespace, configmap("owner"))
    core.create_namespaced_config_map(namespace, configmap("dependent", owner=owner))

    core.delete_namespaced_config_map("owner", namespace, propagation_policy="Background")

    eventually(
        lambda: api_status(lambda: core.read_namespaced_config_map("dependent", namespace)) == 404,
        timeout=90,
        what="the garbage collector to delete the dependent",
    )


def test_the_job_controller_creates_the_jobs_pod_and_counts_it_active(
    controller_manager: ControlPlane, admin_api: ApiClient, namespace: str
) -> None:
    batch = client.BatchV1Api(admin_api)
    job = {
        "metadata": {"name": "once"},
        "spec": {
            "backoffLimit": 0,
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "main", "image": "busybox", "command": ["true"]}],
                }
            },
        },
    }
    batch.create_namespaced_job(namespace, client.V1Job.model_validate(job))

    def active_status() -> client.V1JobStatus | None:
        status = batch.read_namespaced_job_status("once", namespace).status
        return status if status is not None and status.active else None

    status = eventually(active_status, timeout=90, what="the Job controller to count an active pod")

    assert status.active == 1
    assert status.start_time is not None
    pods = client.CoreV1Api(admin_api).list_namespaced_pod(
        namespace, label_selector="job-name=once"
    )
    assert [present(pod.status).phase for pod in pods.items] == ["Pending"]  # no kubelet here


# --- the project's manifests -------------------------------------------------------------


def test_the_projects_crds_and_rbac_apply_to_a_real_api_server(
    installed_manifests: InstalledManifests, admin_api: ApiClient
) -> None:
    if not installed_manifests.crds and not installed_manifests.rbac:
        pytest.skip(f"nothing to apply yet: {', '.join(installed_manifests.absent)}")
    applied = {name.partition("/")[2] for name in installed_manifests.rbac if "binding." in name}
    if not applied:
        return
    rbac = client.RbacAuthorizationV1Api(admin_api)
    bindings: list[client.V1ClusterRoleBinding | client.V1RoleBinding] = [
        *rbac.list_cluster_role_binding().items,
        *rbac.list_role_binding_for_all_namespaces().items,
    ]
    subjects = {
        (subject.kind, subject.namespace, subject.name)
        for binding in bindings
        if present(binding.metadata).name in applied
        for subject in binding.subjects or []
    }

    assert ("ServiceAccount", OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT) in subjects
