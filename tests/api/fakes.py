"""In-memory fakes of the API's cluster ports, for the fast tier (the adapter itself is tested
against kmock's emulator and a real kube-apiserver)."""

from __future__ import annotations

import builtins
import copy
import uuid
from datetime import UTC, datetime
from typing import Any

from api.cluster.port import AlreadyExistsError, ClusterUnavailableError, Manifest


class FakeCluster:
    """Satisfies `Resources` and `Namespaces`; `down=True` makes every call fail like an outage."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str], Manifest] = {}
        self.namespaces: dict[str, dict[str, str]] = {}
        self.network_policies: dict[tuple[str, str], Manifest] = {}
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise ClusterUnavailableError("the fake cluster is down", "bring it back")

    def create(self, manifest: Manifest) -> Manifest:
        self._check()
        meta = manifest["metadata"]
        key = (manifest["kind"].lower() + "s", meta["namespace"], meta["name"])
        if key in self.objects:
            raise AlreadyExistsError(f"{key} exists", "choose another name")
        stored = copy.deepcopy(manifest)
        stored["metadata"]["uid"] = str(uuid.uuid4())
        stored["metadata"]["creationTimestamp"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.objects[key] = stored
        return copy.deepcopy(stored)

    def get(self, plural: str, namespace: str, name: str) -> Manifest | None:
        self._check()
        found = self.objects.get((plural, namespace, name))
        return copy.deepcopy(found) if found else None

    def list(self, plural: str, namespace: str) -> list[Manifest]:
        self._check()
        return [
            copy.deepcopy(o)
            for (p, ns, _), o in self.objects.items()
            if (p, ns) == (plural, namespace)
        ]

    def ensure(self, name: str, labels: dict[str, str], network_policy: Manifest) -> None:
        self._check()
        self.namespaces.setdefault(name, labels)
        # Replaced whole, as the adapter does.
        key = (name, network_policy["metadata"]["name"])
        self.network_policies[key] = copy.deepcopy(network_policy)

    # --- what the operator would do -----------------------------------------------------

    def set_status(self, plural: str, namespace: str, name: str, status: dict[str, Any]) -> None:
        self.objects[(plural, namespace, name)]["status"] = status

    def names(self, plural: str, namespace: str) -> builtins.list[str]:
        return sorted(n for (p, ns, n) in self.objects if (p, ns) == (plural, namespace))
