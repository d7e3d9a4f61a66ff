"""A kmock Kubernetes emulator served from its own thread and event loop.

The official Kubernetes client is synchronous, and Kopf runs on yet another thread, so the
emulator cannot share the test's loop. Both the API's cluster-adapter tests and the operator
tests serve their emulator through this one runner.
"""

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

import kmock
from kubernetes import client as k8s

E = TypeVar("E", bound=kmock.KubernetesEmulator)
START_TIMEOUT_S = 10


class ServedEmulator(Generic[E]):
    def __init__(self, make: Callable[[], E], prepare: Callable[[E], None] | None = None) -> None:
        self.emulator: E | None = None
        self.url = ""
        self._make = make
        self._prepare = prepare
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="kmock", daemon=True)

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with self._make() as emulator, kmock.Server(emulator) as server:
            if self._prepare is not None:
                self._prepare(emulator)
            self.emulator = emulator
            self.url = str(server.url).rstrip("/")
            self._ready.set()
            await self._stop.wait()

    def api_client(self) -> k8s.ApiClient:
        configuration = k8s.Configuration()
        configuration.host = self.url
        return k8s.ApiClient(configuration)

    def start(self) -> "ServedEmulator[E]":
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S):
            raise RuntimeError("the kmock emulator did not start")
        return self

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(START_TIMEOUT_S)


@contextmanager
def serving(
    make: Callable[[], E], prepare: Callable[[E], None] | None = None
) -> Iterator[ServedEmulator[E]]:
    served = ServedEmulator(make, prepare).start()
    try:
        yield served
    finally:
        served.stop()
