"""An in-memory KubeApi for the controller tests: it satisfies the port the real adapter does."""

import copy
import itertools
from typing import Any

from testforge.cluster.builders.manifests import Manifest, Owner


def _merge(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict) or not isinstance(target, dict):
        return copy.deepcopy(patch)
    merged = dict(target)
    for key, value in patch.items():
        merged[key] = _merge(merged.get(key), value) if value is not None else None
    return {k: v for k, v in merged.items() if v is not None}


class FakeKube:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.events: list[tuple[str, str, str]] = []
        self.created: list[tuple[str, str]] = []
        self._uids = itertools.count(1)

    def add(self, manifest: Manifest, generation: int = 1) -> dict[str, Any]:
        obj = copy.deepcopy(manifest)
        meta = obj["metadata"]
        meta.setdefault("uid", f"uid-{next(self._uids)}")
        meta.setdefault("generation", generation)
        meta.setdefault("creationTimestamp", "2026-01-01T12:00:00Z")
        self.objects[(obj["kind"], meta["namespace"], meta["name"])] = obj
        return obj

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        found = self.objects.get((kind, namespace, name))
        return copy.deepcopy(found) if found else None

    def list(self, kind: str, namespace: str, labels: dict[str, str]) -> list[dict[str, Any]]:
        return [
            copy.deepcopy(o)
            for (k, ns, _), o in self.objects.items()
            if k == kind
            and ns == namespace
            and all((o["metadata"].get("labels") or {}).get(a) == b for a, b in labels.items())
        ]

    def create(self, manifest: Manifest) -> bool:
        key = (manifest["kind"], manifest["metadata"]["namespace"], manifest["metadata"]["name"])
        if key in self.objects:
            return False
        self.add(manifest)
        self.created.append((key[0], key[2]))
        return True

    def delete(self, kind: str, namespace: str, name: str) -> None:
        self.objects.pop((kind, namespace, name), None)

    def patch_status(
        self, kind: str, namespace: str, name: str, status: dict[str, Any]
    ) -> dict[str, Any]:
        obj = self.objects[(kind, namespace, name)]
        obj["status"] = _merge(obj.get("status") or {}, status)
        return copy.deepcopy(obj)

    def event(self, owner: Owner, type_: str, reason: str, message: str) -> None:
        self.events.append((owner.name, type_, reason))
