"""An operator restarted in the middle of a run resumes it from status, without new Jobs."""

import secrets
from pathlib import Path

import pytest
from kubernetes import client as k8s

from testforge.cluster.adapters.kube import ClientKube

from .canned import CannedWork
from .harness import JobRunner, JobStatusKubelet, eventually, operator_running
from .test_operator_emulated import _condition, _phase, _project, _run, _status

pytestmark = pytest.mark.timeout(120)


def test_a_restart_while_running_neither_duplicates_nor_loses_jobs(
    emulator_configuration: k8s.Configuration, emulator_kube: ClientKube, store_root: Path
) -> None:
    kube, namespace = emulator_kube, f"t-{secrets.token_hex(3)}"
    with operator_running(emulator_configuration, store_root):
        with JobRunner(kube, lambda: [namespace], CannedWork(store_root), JobStatusKubelet()):
            kube.create(_project(namespace))
            eventually(
                lambda: (
                    _condition(_status(kube, "TestProject", namespace, "shop"), "Ready").get(
                        "status"
                    )
                    == "True"
                )
            )
        kube.create(_run(namespace, "resumed", shards=3))
        eventually(lambda: _phase(kube, namespace, "resumed", "Running"), what="Running")
        before = {
            j["metadata"]["name"]: j["metadata"]["uid"]
            for j in kube.list("Job", namespace, {"testforge.io/run": "resumed"})
        }
    assert len(before) == 3  # the operator is down now, its Jobs left running

    with (
        operator_running(emulator_configuration, store_root),
        JobRunner(kube, lambda: [namespace], CannedWork(store_root), JobStatusKubelet()) as runner,
    ):
        final = eventually(
            lambda: _phase(kube, namespace, "resumed", "Succeeded", "Failed", "Error"),
            what="finished",
        )
        assert not runner.errors
    assert final["phase"] == "Succeeded"
    assert runner.uids == before, "the Jobs that ran are the ones created before the restart"
    assert final["counts"]["passed"] == final["counts"]["total"] > 0
