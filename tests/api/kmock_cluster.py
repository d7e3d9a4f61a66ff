"""kmock's Kubernetes emulator on its own thread and event loop, for the cluster adapter tests.

The official client is synchronous, so the emulator cannot share the test's thread. Only the
two custom resources are declared (kmock's discovery lists nothing else); see
shared/notes/kopf-kmock.md for what the emulator does not do (no schema validation, no
namespace existence check, labelSelector ignored, cluster-scoped POSTs unsupported).
"""

from collections.abc import Iterator
from contextlib import contextmanager

import kmock

from tests.fakes.kmock_thread import ServedEmulator, serving

VERBS = ["get", "list", "watch", "create", "patch", "update", "delete"]
KmockThread = ServedEmulator[kmock.KubernetesEmulator]


def _declare_resources(emulator: kmock.KubernetesEmulator) -> None:
    for plural, kind in (("testprojects", "TestProject"), ("testruns", "TestRun")):
        emulator.resources[f"testforge.io/v1alpha1/{plural}"] = kmock.ResourceInfo(
            kind=kind, namespaced=True, verbs=VERBS, subresources=["status"]
        )


@contextmanager
def running_kmock() -> Iterator[KmockThread]:
    with serving(kmock.KubernetesEmulator, _declare_resources) as served:
        yield served
