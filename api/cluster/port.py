"""Ports to the cluster: custom resources in a namespace, and the tenants' namespaces.

Implementations translate their client's errors into `ClusterError` subclasses, which are API
problems already, so a route never sees a Kubernetes exception.
"""

from typing import Any, Protocol

from api.errors import BadRequestError, ConflictError, UpstreamUnavailableError

Manifest = dict[str, Any]


class ClusterUnavailableError(UpstreamUnavailableError):
    """The Kubernetes API could not be reached, answered 5xx, or refused the API's own identity."""


class AlreadyExistsError(ConflictError):
    pass


class RefusedError(BadRequestError):
    """The API server rejected the object (schema or CEL validation): its message says why."""

    status, slug, title = 422, "refused-by-cluster", "The cluster refused the object"


class Resources(Protocol):
    def create(self, manifest: Manifest) -> Manifest: ...
    def get(self, plural: str, namespace: str, name: str) -> Manifest | None: ...
    def list(self, plural: str, namespace: str) -> list[Manifest]: ...


class Namespaces(Protocol):
    def ensure(self, name: str, labels: dict[str, str], network_policy: Manifest) -> None:
        """The namespace exists (made with `labels` if it did not), and so does
        `network_policy` in it, exactly as given (created, or replaced whole)."""
        ...
