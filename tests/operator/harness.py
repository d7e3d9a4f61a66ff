"""Running the real operator in-process for tests, and playing the kubelet for its Jobs.

`OperatorThread` starts Kopf (`kopf run -m controllers`) on its own thread and event loop, logged
in through the operator's one login handler. `JobRunner` watches the operator's Jobs and
"runs" each one: a `Work` decides what the container did (write results to the store, exit
code, termination message), and a `Kubelet` writes that back the way the backend expects
(Job status on the emulator; pod status on a real control plane, where the Job controller then
updates the Job itself).
"""

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import kopf
from kopf.testing import KopfRunner
from kubernetes import client as k8s

from controllers import process
from testforge.cluster.adapters.kube import ClientKube, KubeError
from testforge.cluster.bootstrap import OperatorSettings
from testforge.cluster.builders.names import LABEL_ROLE
from testforge.cluster.control.controller import Operator
from testforge.contracts.sandbox import RunnerSpec


def settings_for_tests() -> kopf.OperatorSettings:
    settings = kopf.OperatorSettings()
    settings.scanning.disabled = True  # no CRD/namespace scanning: the resources are fixed
    settings.watching.server_timeout = 60
    settings.watching.reconnect_backoff = 0.2
    settings.networking.request_timeout = 30
    return settings


@contextlib.contextmanager
def operator_running(
    configuration: k8s.Configuration,
    store_root: Path,
    operator: Operator | None = None,
    namespace: str | None = None,
) -> Iterator[KopfRunner]:
    process.CONNECTION.configuration = configuration
    process.CONNECTION.settings = OperatorSettings(
        store_root=store_root,
        metrics_port=0,
        store_claim=None,
        sandbox_image="testforge/sandbox:dev",
    )
    process.CONNECTION.operator = operator
    scope = [f"--namespace={namespace}"] if namespace else ["--all-namespaces"]
    args = ["run", "--standalone", *scope, "-m", "controllers"]
    with KopfRunner(args, settings=settings_for_tests(), timeout=60) as runner:
        yield runner
    process.CONNECTION.operator = None
    if runner.exception is not None:
        raise runner.exception


def eventually(
    probe: Callable[[], Any], timeout: float = 60.0, interval: float = 0.05, what: str = ""
) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or probe}: last={last!r}")


@dataclass(frozen=True)
class Outcome:
    """What a sandbox container did."""

    exit_code: int
    message: str  # the termination message
    reason: str | None = None  # e.g. OOMKilled


class Work(Protocol):
    def __call__(self, job: dict[str, Any], spec: RunnerSpec) -> Outcome: ...


class Kubelet(Protocol):
    def finish(self, kube: ClientKube, job: dict[str, Any], outcome: Outcome) -> bool: ...


class JobStatusKubelet:
    """For the emulator, which has no Job controller: write the Job's final status directly."""

    def finish(self, kube: ClientKube, job: dict[str, Any], outcome: Outcome) -> bool:
        """The pod's termination first, then the Job's condition, in the order of a real
        cluster: the Job controller only marks a Job failed after seeing its pod fail, so an
        operator woken by the Job always finds the pod's reason (OOMKilled, say)."""
        meta = job["metadata"]
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        ok = outcome.exit_code == 0
        pod: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": f"{meta['name']}-x1",
                "namespace": meta["namespace"],
                "labels": {"job-name": meta["name"]},
            },
            "spec": {"containers": [{"name": "runner", "image": "x"}]},
        }
        kube.create(pod)
        terminated = {
            "exitCode": outcome.exit_code,
            "reason": outcome.reason or ("Completed" if ok else "Error"),
            "message": outcome.message,
        }
        kube.patch_status(
            "Pod",
            meta["namespace"],
            pod["metadata"]["name"],
            {
                "phase": "Succeeded" if ok else "Failed",
                "containerStatuses": [{"name": "runner", "state": {"terminated": terminated}}],
            },
        )
        condition = {
            "type": "Complete" if ok else "Failed",
            "status": "True",
            "reason": "Completed" if ok else "BackoffLimitExceeded",
            "message": outcome.message[:200],
            "lastTransitionTime": now,
        }
        status: dict[str, Any] = {"conditions": [condition], "startTime": now}
        status["succeeded" if ok else "failed"] = 1
        kube.patch_status("Job", meta["namespace"], meta["name"], status)
        return True


def _finished(job: dict[str, Any]) -> bool:
    return any(
        c.get("status") == "True" and c.get("type") in {"Complete", "Failed"}
        for c in (job.get("status") or {}).get("conditions") or []
    )


class JobRunner:
    """Polls for the operator's Jobs and runs each once, on a thread, `parallel` at a time."""

    def __init__(
        self,
        kube: ClientKube,
        namespaces: Callable[[], list[str]],
        work: Work,
        kubelet: Kubelet,
        parallel: int = 2,
    ) -> None:
        self.kube, self.namespaces, self.work, self.kubelet = kube, namespaces, work, kubelet
        self.done: dict[str, Outcome] = {}
        self.uids: dict[str, str] = {}
        self.started: set[str] = set()
        self._stop = threading.Event()
        self._slots = threading.Semaphore(parallel)
        self._thread = threading.Thread(target=self._loop, name="job-runner", daemon=True)
        self.errors: list[BaseException] = []

    def __enter__(self) -> "JobRunner":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                for namespace in self.namespaces():
                    for job in self.kube.list("Job", namespace, {}):
                        key = f"{namespace}/{job['metadata']['name']}"
                        labels = job["metadata"].get("labels", {})
                        if key not in self.started and LABEL_ROLE in labels and not _finished(job):
                            self.started.add(key)
                            self._slots.acquire()
                            threading.Thread(target=self._run, args=(key, job), daemon=True).start()
            except KubeError as exc:
                logging.getLogger(__name__).warning("job runner: %s", exc)
            self._stop.wait(0.05)

    def _run(self, key: str, job: dict[str, Any]) -> None:
        try:
            meta = job["metadata"]
            config_map = self.kube.get("ConfigMap", meta["namespace"], meta["name"])
            assert config_map is not None, f"no spec ConfigMap for Job {key}"
            spec = RunnerSpec.model_validate(json.loads(config_map["data"]["spec.json"]))
            outcome = self.work(job, spec)
            if self.kubelet.finish(self.kube, job, outcome):
                self.done[key] = outcome
                self.uids[meta["name"]] = meta["uid"]
        except BaseException as exc:  # surfaced by the test through .errors
            self.errors.append(exc)
        finally:
            self._slots.release()


class PodKubelet:
    """For a real control plane: report the container's end on the pod the Job controller made
    (as a kubelet would); the Job controller then finishes the Job."""

    def __init__(self, wait_s: float = 30.0) -> None:
        self.wait_s = wait_s

    def finish(self, kube: ClientKube, job: dict[str, Any], outcome: Outcome) -> bool:
        meta = job["metadata"]
        pods = eventually(
            lambda: [
                p
                for p in kube.list("Pod", meta["namespace"], {"job-name": meta["name"]})
                if (p.get("status") or {}).get("phase") in (None, "Pending", "Running")
            ],
            timeout=self.wait_s,
            what=f"a pod of Job {meta['name']}",
        )
        pod = pods[0]
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        ok = outcome.exit_code == 0
        container = pod["spec"]["containers"][0]
        terminated = {
            "exitCode": outcome.exit_code,
            "reason": outcome.reason or ("Completed" if ok else "Error"),
            "message": outcome.message[:4096],
            "startedAt": now,
            "finishedAt": now,
        }
        kube.patch_status(
            "Pod",
            meta["namespace"],
            pod["metadata"]["name"],
            {
                "phase": "Succeeded" if ok else "Failed",
                "startTime": now,
                "containerStatuses": [
                    {
                        "name": container["name"],
                        "image": container["image"],
                        "imageID": "",
                        "ready": False,
                        "restartCount": 0,
                        "started": False,
                        "state": {"terminated": terminated},
                    }
                ],
            },
        )
        return True
