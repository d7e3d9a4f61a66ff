"""The cluster adapter over the official `kubernetes` client (CustomObjectsApi, CoreV1Api,
NetworkingV1Api).

It is synchronous, like the client; FastAPI runs the routes that call it on its thread pool.
Errors are translated here, once: 409 -> AlreadyExistsError, 400/422 -> RefusedError (with the
API server's own message, e.g. a CRD schema violation), anything else ->
ClusterUnavailableError with a fix for whoever runs the deployment (RBAC, a missing CRD or
namespace).
"""

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from api.cluster.port import AlreadyExistsError, ClusterUnavailableError, Manifest, RefusedError
from testforge.domain.crd import GROUP, VERSION

TIMEOUT_SECONDS = 15


def api_client(kubeconfig: Path | None, context: str | None) -> k8s.ApiClient:
    """From a kubeconfig file, or the pod's service account when none is given."""
    # The loaders are untyped; naming their types here keeps the rest of the module checked.
    from_file: Callable[..., k8s.ApiClient] = k8s_config.new_client_from_config
    in_cluster: Callable[..., None] = k8s_config.load_incluster_config
    try:
        if kubeconfig is not None:
            return from_file(config_file=str(kubeconfig), context=context)
        configuration = k8s.Configuration()
        in_cluster(client_configuration=configuration)
        return k8s.ApiClient(configuration)
    except (k8s_config.ConfigException, OSError) as exc:
        raise ClusterUnavailableError(
            f"No Kubernetes configuration: {str(exc).rstrip('.')}.",
            "Run inside the cluster, or set TESTFORGE_API_KUBECONFIG to a kubeconfig file.",
        ) from exc


def _message(exc: ApiException) -> str:
    try:
        return str(json.loads(exc.body or "{}").get("message") or exc.reason)
    except ValueError:
        return str(exc.reason)


def _translate(exc: ApiException, action: str) -> Exception:
    status, message = int(exc.status or 0), _message(exc)
    if status == 409:
        return AlreadyExistsError(f"{action}: {message}.", "Choose another name.")
    if status in {400, 422}:
        return RefusedError(f"{action}: {message}.", "Correct the fields the message names.")
    fixes = {
        401: "The API's Kubernetes credentials are invalid: check its kubeconfig or token.",
        403: "Grant the API's service account what manifests/api grants: get, list and create "
        "on testprojects and testruns (testforge.io), create on namespaces, create and update "
        "on networkpolicies.",
        404: "Install the TestForge CRDs (crds/) and make sure the tenant's namespace exists.",
    }
    return ClusterUnavailableError(
        f"{action}: the Kubernetes API answered {status or 'nothing'}: {message}.",
        fixes.get(status, "Check the Kubernetes API server and try again."),
    )


class KubernetesCluster:
    """Both cluster ports (`Resources`, `Namespaces`) over one ApiClient."""

    def __init__(self, api: k8s.ApiClient) -> None:
        self._custom = k8s.CustomObjectsApi(api)
        self._core = k8s.CoreV1Api(api)
        self._networking = k8s.NetworkingV1Api(api)

    def _call(self, action: str, call: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, _request_timeout=TIMEOUT_SECONDS, **kwargs)
        except ApiException as exc:
            raise _translate(exc, action) from exc
        except (HTTPError, OSError) as exc:
            raise ClusterUnavailableError(
                f"{action}: the Kubernetes API did not answer ({exc}).",
                "Check that the API server is reachable from the API's pod.",
            ) from exc

    def create(self, manifest: Manifest) -> Manifest:
        meta = manifest["metadata"]
        plural = manifest["kind"].lower() + "s"
        created = self._call(
            f"creating {manifest['kind']} {meta['namespace']}/{meta['name']}",
            self._custom.create_namespaced_custom_object,
            GROUP,
            VERSION,
            meta["namespace"],
            plural,
            manifest,
        )
        # The server's copy has uid and timestamps; fall back to ours if the body is empty.
        return created if isinstance(created, dict) and created else manifest

    def get(self, plural: str, namespace: str, name: str) -> Manifest | None:
        try:
            found = self._custom.get_namespaced_custom_object(
                GROUP, VERSION, namespace, plural, name, _request_timeout=TIMEOUT_SECONDS
            )
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise _translate(exc, f"reading {plural} {namespace}/{name}") from exc
        except (HTTPError, OSError) as exc:
            raise ClusterUnavailableError(
                f"reading {plural} {namespace}/{name}: no answer ({exc}).",
                "Check that the API server is reachable from the API's pod.",
            ) from exc
        return found if isinstance(found, dict) else None

    def list(self, plural: str, namespace: str) -> list[Manifest]:
        found = self._call(
            f"listing {plural} in {namespace}",
            self._custom.list_namespaced_custom_object,
            GROUP,
            VERSION,
            namespace,
            plural,
        )
        items = found.get("items") if isinstance(found, dict) else None
        return [item for item in items or [] if isinstance(item, dict)]

    def ensure(self, name: str, labels: dict[str, str], network_policy: Manifest) -> None:
        body = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name, "labels": labels},
        }
        # Made before (by us on a retry, or by GitOps): that is the goal.
        with contextlib.suppress(AlreadyExistsError):
            self._call(f"creating namespace {name}", self._core.create_namespace, body)
        policy = network_policy["metadata"]["name"]
        action = f"writing NetworkPolicy {name}/{policy}"
        create = self._networking.create_namespaced_network_policy
        try:
            self._call(action, create, name, network_policy)
        except AlreadyExistsError:
            # Replaced whole, not patched: the tenant's policy is the one truth, and a rule
            # someone added by hand must not survive it.
            self._call(
                action,
                self._networking.replace_namespaced_network_policy,
                policy,
                name,
                network_policy,
            )
