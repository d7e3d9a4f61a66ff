"""How fast one operator replica takes TestRuns from created to Jobs created.

Starts a real kube-apiserver + etcd (tests/cluster; kmock's emulator when it is not built), the
CRDs and the operator's RBAC, one TestProject whose suite is already stored, and the operator
in-process with its ServiceAccount identity. Then creates N TestRuns (one shard each) and records,
for each, the time from its create call returning to its Job first being listed.

    .venv/bin/python benchmarks/operator.py --runs 200

The last line is one JSON object:
{"runs": N, "runs_per_second": F, "latency_ms_median": F, "latency_ms_p95": F}
(plus "backend" and "seconds"). Runs per second = N / (last Job seen - first TestRun created).
"""

# ruff: noqa: E402, PTH100, PTH120
# This file is named operator.py (as the issue asks), which shadows the standard library's
# `operator` for everything imported from its folder: drop the folder from the path first,
# with os.path only (pathlib itself imports modules that import `operator`).
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse
import contextlib
import json
import logging
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kubernetes import client as k8s
from kubernetes import config as k8s_config

from testforge.cluster.adapters.kube import ClientKube
from testforge.cluster.control.services import store_suite
from testforge.design.offline import OfflineDesigner
from testforge.domain.crd import API_VERSION, DiscoverySummary
from testforge.scriptgen.render import generate_suite
from testforge.storage.local import LocalStore
from tests.operator.harness import operator_running
from tests.unit.pipeline.builders import shop

NAMESPACE = "testforge-system"
PROJECT = "bench"


@dataclass
class Backend:
    name: str
    admin: ClientKube
    operator: k8s.Configuration


def _configuration(kubeconfig: Path) -> k8s.Configuration:
    configuration = k8s.Configuration()
    k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
        config_file=str(kubeconfig), client_configuration=configuration
    )
    configuration.connection_pool_maxsize = 32
    return configuration


@contextlib.contextmanager
def apiserver() -> Iterator[Backend]:
    from tests.cluster.controlplane import ControlPlane

    # No controller manager: nothing here needs pods, and the operator gets the CPU.
    with ControlPlane(with_controller_manager=False) as plane:
        kubectl = ["kubectl", f"--kubeconfig={plane.admin_kubeconfig}"]
        subprocess.run(
            [*kubectl, "create", "namespace", NAMESPACE], check=True, capture_output=True
        )
        subprocess.run(
            [*kubectl, "apply", "--server-side", "-k", str(ROOT / "crds")],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [*kubectl, "wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [*kubectl, "apply", "-k", str(ROOT / "manifests" / "rbac")],
            check=True,
            capture_output=True,
        )
        admin = ClientKube(k8s.ApiClient(_configuration(plane.admin_kubeconfig)))
        yield Backend("kube-apiserver", admin, _configuration(plane.operator_kubeconfig))


@contextlib.contextmanager
def emulator() -> Iterator[Backend]:
    from tests.operator.emulator import running_emulator

    with running_emulator() as thread:
        configuration = k8s.Configuration()
        configuration.host = thread.url
        configuration.connection_pool_maxsize = 32
        yield Backend("kmock-emulator", ClientKube(k8s.ApiClient(configuration)), configuration)


def _apiserver_built() -> bool:
    from tests.cluster.controlplane import Binaries, MissingBinariesError

    try:
        Binaries.locate()
    except MissingBinariesError:
        return False
    return True


def ready_project(admin: ClientKube, store_root: Path) -> None:
    """A TestProject whose suite is already in the store, so runs start at once."""
    model = shop()
    suite = store_suite(
        LocalStore(store_root),
        NAMESPACE,
        PROJECT,
        generate_suite(OfflineDesigner().design(model).plan, model),
        [],
    )
    admin.create(
        {
            "apiVersion": API_VERSION,
            "kind": "TestProject",
            "metadata": {"name": PROJECT, "namespace": NAMESPACE},
            "spec": {"url": "http://shop.test"},
        }
    )
    discovery = DiscoverySummary(job=f"{PROJECT}-discover-g1", generation=1, app_model_ref="stored")
    admin.patch_status(
        "TestProject",
        NAMESPACE,
        PROJECT,
        {"observedGeneration": 1, "discovery": discovery.wire(), "suite": suite.wire()},
    )


def measure(
    admin: ClientKube, runs: int, workers: int
) -> tuple[dict[str, float], dict[str, float]]:
    created: dict[str, float] = {}
    seen: dict[str, float] = {}
    stop = threading.Event()

    def watch_jobs() -> None:
        while not stop.is_set():
            now = time.perf_counter()
            for job in admin.list("Job", NAMESPACE, {}):
                run = job["metadata"].get("labels", {}).get("testforge.io/run")
                if run and run not in seen:
                    seen[run] = now
            time.sleep(0.01)

    def create(index: int) -> None:
        name = f"bench-{index:05d}"
        admin.create(
            {
                "apiVersion": API_VERSION,
                "kind": "TestRun",
                "metadata": {"name": name, "namespace": NAMESPACE},
                "spec": {"projectRef": {"name": PROJECT}, "shards": 1},
            }
        )
        created[name] = time.perf_counter()

    watcher = threading.Thread(target=watch_jobs, daemon=True)
    watcher.start()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(create, range(runs)))
    deadline = time.monotonic() + max(60, runs)
    while len(seen) < runs and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    watcher.join()
    return created, seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--create-workers", type=int, default=4)
    parser.add_argument("--backend", choices=["auto", "apiserver", "emulator"], default="auto")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    use_apiserver = args.backend == "apiserver" or (args.backend == "auto" and _apiserver_built())
    with tempfile.TemporaryDirectory(prefix="testforge-bench-") as tmp:
        store_root = Path(tmp)
        with apiserver() if use_apiserver else emulator() as backend:
            ready_project(backend.admin, store_root)
            with operator_running(backend.operator, store_root, namespace=NAMESPACE):
                time.sleep(1.0)  # let Kopf list and start watching before the clock starts
                started = time.perf_counter()
                created, seen = measure(backend.admin, args.runs, args.create_workers)
                elapsed = max(seen.values(), default=started) - min(
                    created.values(), default=started
                )
    latencies = sorted((seen[n] - created[n]) * 1000 for n in created if n in seen)
    missing = args.runs - len(latencies)
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] if latencies else 0.0
    result = {
        "runs": len(latencies),
        "runs_per_second": round(len(latencies) / elapsed, 2) if elapsed > 0 else 0.0,
        "latency_ms_median": round(statistics.median(latencies), 1) if latencies else 0.0,
        "latency_ms_p95": round(p95, 1),
        "backend": backend.name,
        "seconds": round(elapsed, 2),
    }
    print(
        f"backend: {backend.name}; {args.runs} TestRuns created, {len(latencies)} reached Jobs "
        f"({missing} did not) in {elapsed:.2f} s",
        file=sys.stderr,
    )
    print(json.dumps(result))
    return 0 if missing == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
