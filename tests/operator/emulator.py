"""kmock's KubernetesEmulator made faithful enough for Kopf and the operator (see
shared/notes/kopf-kmock.md): metadata stamping, JSON and merge patches with a failing `test` op
answered 422, the status subresource, finalizers, consistent list -> watch from a
resourceVersion, label selectors, Secrets' stringData, and owner-reference garbage collection.
Still not emulated (the real API server of tests/cluster covers them): schema validation,
defaulting and pruning, CEL rules, RBAC, admission, and the Job controller.

Object requests of the declared resources are served here from one in-memory store; discovery
and anything else still goes through kmock. All of it runs on the server's event loop, and a
write and its watch event happen without an `await` between them, so a list never misses an
event that a watch started after it would need.

`EmulatorThread` runs it on its own thread and loop, so tests and Kopf (on yet another thread)
reach it only over HTTP or through the thread-safe `snapshot()`.
"""

import asyncio
import base64
import copy
import json
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp.web
import attrs
import jsonpatch
import kmock
from kmock._internal import apps, rendering

from tests.fakes.kmock_thread import ServedEmulator

EVENT_LOG = 20_000
KEEP_REQUESTS = 8  # kmock re-checks recorded requests on every new one: keep few


@dataclass(frozen=True)
class Kind:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    status: bool = False  # has the status subresource
    generation: bool = False  # bumps metadata.generation on spec changes

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        return f"{self.api_version}/{self.plural}"


KINDS = (
    Kind("", "v1", "namespaces", "Namespace", namespaced=False),
    Kind("", "v1", "configmaps", "ConfigMap"),
    Kind("", "v1", "secrets", "Secret"),
    Kind("", "v1", "pods", "Pod", status=True),
    Kind("", "v1", "events", "Event"),
    Kind("batch", "v1", "jobs", "Job", status=True, generation=True),
    Kind("testforge.io", "v1alpha1", "testprojects", "TestProject", status=True, generation=True),
    Kind("testforge.io", "v1alpha1", "testruns", "TestRun", status=True, generation=True),
    Kind(
        "testforge.io",
        "v1alpha1",
        "healingrequests",
        "HealingRequest",
        status=True,
        generation=True,
    ),
)
VERBS = ["get", "list", "watch", "create", "patch", "update", "delete"]


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: dicts merge recursively, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _matches(obj: dict[str, Any], selector: str) -> bool:
    labels = obj.get("metadata", {}).get("labels") or {}
    for term in filter(None, (t.strip() for t in selector.split(","))):
        if "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key) == value:
                return False
        elif "=" in term:
            key, value = term.split("=", 1)
            if labels.get(key.rstrip("=")) != value.lstrip("="):
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


@dataclass
class Fault:
    """Answer the next `count` matching requests with an error (fault injection)."""

    method: str
    plural: str
    code: int
    count: int = 1


@dataclass
class _Watch:
    namespace: str | None
    selector: str
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)


@attrs.define(kw_only=True)
class ApiEmulator(kmock.KubernetesEmulator):
    _kinds: dict[tuple[str, str, str], Kind] = attrs.field(factory=dict, init=False)
    _store: dict[tuple[str, str], dict[str, Any]] = attrs.field(factory=dict, init=False)
    _log: dict[str, deque[tuple[int, dict[str, Any]]]] = attrs.field(factory=dict, init=False)
    _watches: dict[str, list[_Watch]] = attrs.field(factory=dict, init=False)
    _rv: int = attrs.field(default=1000, init=False)
    _faults: list[Fault] = attrs.field(factory=list, init=False)
    _snapshot_lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        for kind in KINDS:
            self._kinds[(kind.group, kind.version, kind.plural)] = kind
            self._log[kind.key] = deque(maxlen=EVENT_LOG)
            self._watches[kind.key] = []
            self.resources[kind.key] = kmock.ResourceInfo(
                kind=kind.kind,
                namespaced=kind.namespaced,
                verbs=VERBS,
                subresources=["status"] if kind.status else [],
            )

    # --- for tests (any thread) -----------------------------------------------------------

    def snapshot(self, plural: str, namespace: str | None = None) -> list[dict[str, Any]]:
        with self._snapshot_lock:
            return [
                copy.deepcopy(obj)
                for (key, _), obj in self._store.items()
                if key.endswith(f"/{plural}")
                and (namespace is None or obj["metadata"].get("namespace") == namespace)
            ]

    def inject(self, fault: Fault) -> None:
        self._faults.append(fault)

    # --- serving --------------------------------------------------------------------------

    async def _handle(self, request: rendering.Request) -> aiohttp.web.StreamResponse:
        del self._requests[:-KEEP_REQUESTS]
        resource = request.resource
        kind = None
        if resource is not None:
            kind = self._kinds.get((resource.group, resource.version, resource.plural))  # type: ignore[arg-type]
        if kind is None:
            # Discovery and undeclared resources: kmock's own handling, without its state.
            return await apps.RawHandler._handle(self, request)
        try:
            self._fault(request, kind)
            return await self._serve(request, kind)
        except ApiError as exc:
            return aiohttp.web.json_response(
                {
                    "apiVersion": "v1",
                    "kind": "Status",
                    "metadata": {},
                    "status": "Failure",
                    "code": exc.code,
                    "reason": exc.reason,
                    "message": exc.message,
                },
                status=exc.code,
            )

    def _fault(self, request: rendering.Request, kind: Kind) -> None:
        for fault in self._faults:
            if fault.count > 0 and fault.plural == kind.plural and fault.method == request.method:
                fault.count -= 1
                raise ApiError(fault.code, "Injected", f"injected fault {fault.code}")

    async def _serve(self, request: rendering.Request, kind: Kind) -> aiohttp.web.StreamResponse:
        method, name, params = request.method.value, request.name, request.params
        namespace = request.namespace
        if method == "GET" and params.get("watch") in {"true", "1"}:
            return await self._watch(request, kind)
        if method == "GET":
            body = self._get(kind, namespace, name) if name else self._list(kind, namespace, params)
            return aiohttp.web.json_response(body)
        if method == "POST":
            return aiohttp.web.json_response(
                self._create(kind, namespace, request.data), status=201
            )
        if method in {"PATCH", "PUT"} and name:
            content_type = request.headers.get("Content-Type", "")
            body = self._patch(
                kind, namespace, name, request.data, content_type, request.subresource, method
            )
            return aiohttp.web.json_response(body)
        if method == "DELETE" and name:
            return aiohttp.web.json_response(self._delete(kind, namespace, name))
        raise ApiError(405, "MethodNotAllowed", f"{method} is not supported here")

    # --- the store --------------------------------------------------------------------------

    def _key(self, kind: Kind, namespace: str | None, name: str) -> tuple[str, str]:
        return (kind.key, f"{namespace or ''}/{name}")

    def _get(self, kind: Kind, namespace: str | None, name: str) -> dict[str, Any]:
        obj = self._store.get(self._key(kind, namespace, name))
        if obj is None:
            raise ApiError(404, "NotFound", f'{kind.plural} "{name}" not found')
        return obj

    def _list(self, kind: Kind, namespace: str | None, params: Any) -> dict[str, Any]:
        selector = params.get("labelSelector", "")
        items = [
            obj
            for (key, _), obj in self._store.items()
            if key == kind.key
            and (namespace is None or obj["metadata"].get("namespace") == namespace)
            and _matches(obj, selector)
        ]
        return {
            "apiVersion": kind.api_version,
            "kind": f"{kind.kind}List",
            "metadata": {"resourceVersion": str(self._rv)},
            "items": items,
        }

    def _publish(self, kind: Kind, type_: str, obj: dict[str, Any]) -> None:
        rv = int(obj["metadata"]["resourceVersion"])
        event = {"type": type_, "object": obj}
        self._log[kind.key].append((rv, event))
        for watch in self._watches[kind.key]:
            if watch.namespace in (None, obj["metadata"].get("namespace")) and _matches(
                obj, watch.selector
            ):
                watch.queue.put_nowait(event)

    def _stamp(self, obj: dict[str, Any]) -> None:
        self._rv += 1
        obj["metadata"]["resourceVersion"] = str(self._rv)

    def _write(self, kind: Kind, obj: dict[str, Any], type_: str) -> dict[str, Any]:
        self._stamp(obj)
        key = self._key(kind, obj["metadata"].get("namespace"), obj["metadata"]["name"])
        with self._snapshot_lock:
            self._store[key] = obj
        self._publish(kind, type_, obj)
        return obj

    def _create(self, kind: Kind, namespace: str | None, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict) or "metadata" not in data:
            raise ApiError(400, "BadRequest", "the body must be an object with metadata")
        obj = copy.deepcopy(data)
        meta = obj["metadata"]
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
        if not meta.get("name"):
            raise ApiError(422, "Invalid", "metadata.name: Required value")
        if kind.namespaced:
            meta["namespace"] = namespace or meta.get("namespace") or "default"
        if self._key(kind, meta.get("namespace"), meta["name"]) in self._store:
            raise ApiError(409, "AlreadyExists", f'{kind.plural} "{meta["name"]}" already exists')
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        obj.setdefault("apiVersion", kind.api_version)
        obj.setdefault("kind", kind.kind)
        if kind.generation:
            meta["generation"] = 1
        if kind.status:
            obj.pop("status", None)  # the status subresource: status is not set on create
        if kind.kind == "Secret" and "stringData" in obj:  # the API server encodes it into data
            encoded = {
                k: base64.b64encode(v.encode()).decode() for k, v in obj.pop("stringData").items()
            }
            obj["data"] = {**(obj.get("data") or {}), **encoded}
        return self._write(kind, obj, "ADDED")

    def _patch(
        self,
        kind: Kind,
        namespace: str | None,
        name: str,
        data: Any,
        content_type: str,
        subresource: str | None,
        method: str,
    ) -> dict[str, Any]:
        old = self._get(kind, namespace, name)
        new: dict[str, Any]
        if method == "PUT":
            new = copy.deepcopy(data)
            sent = str((data.get("metadata") or {}).get("resourceVersion") or "")
            if sent and sent != old["metadata"]["resourceVersion"]:
                raise ApiError(409, "Conflict", "the object has been modified")
        elif isinstance(data, list) or "json-patch" in content_type:
            try:
                new = jsonpatch.apply_patch(old, data)
            except jsonpatch.JsonPatchTestFailed as exc:
                raise ApiError(422, "Invalid", f"the test operation failed: {exc}") from exc
            except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
                raise ApiError(422, "Invalid", f"invalid JSON patch: {exc}") from exc
        else:
            new = merge_patch(copy.deepcopy(old), data)
        if kind.status and subresource == "status":
            new = {**copy.deepcopy(old), "status": new.get("status")}
        elif kind.status:
            new["status"] = copy.deepcopy(old.get("status"))
            if new["status"] is None:
                new.pop("status")
        meta, old_meta = new.setdefault("metadata", {}), old["metadata"]
        for fixed in ("uid", "creationTimestamp", "name", "namespace", "generation"):
            if fixed in old_meta:
                meta[fixed] = old_meta[fixed]
        if old_meta.get("deletionTimestamp"):
            meta["deletionTimestamp"] = old_meta["deletionTimestamp"]
        if kind.generation and _body(new) != _body(old):
            meta["generation"] = int(old_meta.get("generation", 1)) + 1
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            self._remove(kind, new)
            return new
        return self._write(kind, new, "MODIFIED")

    def _delete(self, kind: Kind, namespace: str | None, name: str) -> dict[str, Any]:
        obj = copy.deepcopy(self._get(kind, namespace, name))
        if obj["metadata"].get("finalizers"):
            if not obj["metadata"].get("deletionTimestamp"):
                obj["metadata"]["deletionTimestamp"] = datetime.now(UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                )
                self._write(kind, obj, "MODIFIED")
            return obj
        self._remove(kind, obj)
        return obj

    def _remove(self, kind: Kind, obj: dict[str, Any]) -> None:
        self._stamp(obj)
        with self._snapshot_lock:
            self._store.pop(
                self._key(kind, obj["metadata"].get("namespace"), obj["metadata"]["name"]), None
            )
        self._publish(kind, "DELETED", obj)
        self._collect(obj["metadata"]["uid"])

    def _collect(self, owner_uid: str) -> None:
        """Background-propagation garbage collection of the owner's dependents."""
        for (key, _), obj in list(self._store.items()):
            owners = obj["metadata"].get("ownerReferences") or []
            if any(ref.get("uid") == owner_uid for ref in owners):
                kind = next(k for k in KINDS if k.key == key)
                self._delete(kind, obj["metadata"].get("namespace"), obj["metadata"]["name"])

    async def _watch(self, request: rendering.Request, kind: Kind) -> aiohttp.web.StreamResponse:
        params = request.params
        since = int(params.get("resourceVersion") or 0)
        watch = _Watch(request.namespace, params.get("labelSelector", ""))
        # Replay and subscribe with no await in between: nothing can slip past.
        if since:
            for rv, event in self._log[kind.key]:
                obj = event["object"]
                if rv > since and watch.namespace in (None, obj["metadata"].get("namespace")):
                    watch.queue.put_nowait(event)
        else:
            for (key, _), obj in self._store.items():
                if key == kind.key and watch.namespace in (None, obj["metadata"].get("namespace")):
                    watch.queue.put_nowait({"type": "ADDED", "object": obj})
        self._watches[kind.key].append(watch)
        raw = request._raw_request
        assert raw is not None
        response = aiohttp.web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(raw)
        timeout = float(params.get("timeoutSeconds") or 300)
        try:
            async with asyncio.timeout(timeout):
                while True:
                    event = await watch.queue.get()
                    await response.write(json.dumps(event).encode() + b"\n")
        except (TimeoutError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._watches[kind.key].remove(watch)
        with suppress(ConnectionError):  # the client has gone: nothing left to finish
            await response.write_eof()
        return response


def _body(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in {"metadata", "status"}}


class EmulatorThread(ServedEmulator[ApiEmulator]):
    """The operator tests' emulator, served from its own thread and loop."""

    @property
    def api(self) -> ApiEmulator:
        if self.emulator is None:
            raise RuntimeError("the emulator is not running")
        return self.emulator


@contextmanager
def running_emulator() -> Iterator[EmulatorThread]:
    thread = EmulatorThread(ApiEmulator)
    thread.start()
    try:
        yield thread
    finally:
        thread.stop()
