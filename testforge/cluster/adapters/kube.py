"""The Kubernetes adapter: a small port over the official client's generic REST call.

Everything the controllers read or write goes through `KubeApi` (get, list, create, delete,
patch status, post an event), so the orchestration in controller.py can be tested with any
implementation and the client's errors are translated here, once.
"""

import json
import secrets
from datetime import UTC, datetime
from typing import Any, Protocol

from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from testforge.cluster.builders.manifests import Manifest, Owner
from testforge.domain.crd import API_VERSION
from testforge.domain.errors import TestForgeError

KINDS = {
    "ConfigMap": ("v1", "configmaps"),
    "Secret": ("v1", "secrets"),
    "Pod": ("v1", "pods"),
    "Event": ("v1", "events"),
    "Job": ("batch/v1", "jobs"),
    "TestProject": (API_VERSION, "testprojects"),
    "TestRun": (API_VERSION, "testruns"),
    "HealingRequest": (API_VERSION, "healingrequests"),
}
COMPONENT = "testforge-operator"


class KubeError(TestForgeError):
    """A Kubernetes API call failed; `status` is the HTTP status (0: no answer)."""

    def __init__(self, problem: str, status: int, reason: str) -> None:
        super().__init__(problem)
        self.status = status
        self.reason = reason

    @property
    def retryable(self) -> bool:
        """Worth another try later: no answer, a conflict, throttling, a server error, or a
        refusal (401 while a token rotates, 403 while the operator's Role rolls out)."""
        return self.status in {0, 401, 403, 409, 429} or self.status >= 500


class KubeApi(Protocol):
    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None: ...
    def list(self, kind: str, namespace: str, labels: dict[str, str]) -> list[dict[str, Any]]: ...
    def create(self, manifest: Manifest) -> bool: ...
    def delete(self, kind: str, namespace: str, name: str) -> None: ...
    def patch_status(
        self, kind: str, namespace: str, name: str, status: dict[str, Any]
    ) -> dict[str, Any]: ...
    def event(self, owner: Owner, type_: str, reason: str, message: str) -> None: ...


def _path(kind: str, namespace: str, name: str | None = None, sub: str | None = None) -> str:
    api_version, plural = KINDS[kind]
    root = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
    path = f"{root}/namespaces/{namespace}/{plural}"
    return path + (f"/{name}" if name else "") + (f"/{sub}" if sub else "")


class ClientKube:
    """KubeApi over `kubernetes.client.ApiClient` (thread-safe: call it from worker threads)."""

    def __init__(self, api: k8s.ApiClient) -> None:
        self.api = api

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: list[tuple[str, str]] | None = None,
        content_type: str = "application/json",
    ) -> Any:
        try:
            serialized = self.api.param_serialize(
                method,
                path,
                query_params=query or [],
                header_params={"Accept": "application/json", "Content-Type": content_type},
                body=body,
                auth_settings=["BearerToken"],
            )
            response = self.api.call_api(*serialized, _request_timeout=30)
            response.read()  # type: ignore[no-untyped-call]
            text = response.data.decode() if response.data else ""
            if not 200 <= response.status <= 299:
                raise ApiException.from_response(http_resp=response, body=text, data=None)
            return json.loads(text) if text else {}
        except ApiException as exc:
            reason = exc.reason or "ApiError"
            raise KubeError(
                f"{method} {path} answered {exc.status} {reason}: {(exc.body or '')[:300]}",
                int(exc.status or 0),
                reason,
            ) from exc
        except (HTTPError, OSError) as exc:
            raise KubeError(f"{method} {path}: no answer ({exc})", 0, "Unreachable") from exc

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self._call("GET", _path(kind, namespace, name))
        except KubeError as exc:
            if exc.status == 404:
                return None
            raise
        return found

    def list(self, kind: str, namespace: str, labels: dict[str, str]) -> list[dict[str, Any]]:
        selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
        query = [("labelSelector", selector)] if selector else []
        found = self._call("GET", _path(kind, namespace), query=query)
        items: list[dict[str, Any]] = found.get("items") or []
        # Selecting again here costs nothing and keeps a server that ignores labelSelector honest.
        return [
            i
            for i in items
            if all(
                (i.get("metadata", {}).get("labels") or {}).get(k) == v for k, v in labels.items()
            )
        ]

    def create(self, manifest: Manifest) -> bool:
        """Create; False when an object of that name already exists (creation is idempotent)."""
        meta = manifest["metadata"]
        try:
            self._call("POST", _path(manifest["kind"], meta["namespace"]), body=manifest)
        except KubeError as exc:
            if exc.status == 409:
                return False
            raise
        return True

    def delete(self, kind: str, namespace: str, name: str) -> None:
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}
        try:
            self._call("DELETE", _path(kind, namespace, name), body=body)
        except KubeError as exc:
            if exc.status != 404:
                raise

    def patch_status(
        self, kind: str, namespace: str, name: str, status: dict[str, Any]
    ) -> dict[str, Any]:
        patched: dict[str, Any] = self._call(
            "PATCH",
            _path(kind, namespace, name, "status"),
            body={"status": status},
            content_type="application/merge-patch+json",
        )
        return patched

    def event(self, owner: Owner, type_: str, reason: str, message: str) -> None:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": f"{owner.name}.{secrets.token_hex(8)}",
                "namespace": owner.namespace,
            },
            "involvedObject": {
                "apiVersion": owner.api_version,
                "kind": owner.kind,
                "name": owner.name,
                "namespace": owner.namespace,
                "uid": owner.uid,
            },
            "reason": reason,
            "message": message[:1024],
            "type": type_,
            "source": {"component": COMPONENT},
            "reportingComponent": COMPONENT,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
        }
        self._call("POST", _path("Event", owner.namespace), body=event)
