"""kmock's Kubernetes emulator on its own thread and event loop, for the cluster adapter tests.

The official client is synchronous, so the emulator cannot share the test's thread. Only the
two custom resources are declared (kmock's discovery lists nothing else); see
shared/notes/kopf-kmock.md for what the emulator does not do (no schema validation, no
namespace existence check, labelSelector ignored, cluster-scoped POSTs unsupported).
"""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import kmock
from kubernetes import client as k8s

VERBS = ["get", "list", "watch", "create", "patch", "update", "delete"]


class KmockThread:
    def __init__(self) -> None:
        self.url = ""
        self.emulator: kmock.KubernetesEmulator | None = None
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(
            target=lambda: self._loop.run_until_complete(self._serve()), name="kmock", daemon=True
        )

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with kmock.KubernetesEmulator() as emulator, kmock.Server(emulator) as server:
            for plural, kind in (("testprojects", "TestProject"), ("testruns", "TestRun")):
                emulator.resources[f"testforge.io/v1alpha1/{plural}"] = kmock.ResourceInfo(
                    kind=kind, namespaced=True, verbs=VERBS, subresources=["status"]
                )
            self.emulator = emulator
            self.url = str(server.url).rstrip("/")
            self._ready.set()
            await self._stop.wait()

    def api_client(self) -> k8s.ApiClient:
        configuration = k8s.Configuration()
        configuration.host = self.url
        return k8s.ApiClient(configuration)

    def start(self) -> "KmockThread":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("kmock did not start")
        return self

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


@contextmanager
def running_kmock() -> Iterator[KmockThread]:
    thread = KmockThread().start()
    try:
        yield thread
    finally:
        thread.stop()
