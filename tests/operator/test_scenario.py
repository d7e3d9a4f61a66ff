"""The end-to-end operator scenario (marker `operator`): the sample TestProject and TestRuns,
the real operator, a test-side kubelet that runs every Job's command locally (real Chromium
against the demo shop), and the results back in the TestRun's status.

It runs against the real kube-apiserver + controller-manager of tests/cluster (marker `cluster`;
the operator uses its ServiceAccount identity with the RBAC of manifests/rbac, and pods, Job
bookkeeping and garbage collection are real), and against kmock's emulator where that control
plane is not built. One project is discovered and generated per backend; each test is one run
of its suite: v1 passes, v2 (changed UI) heals, v3 (regressions) fails.
"""

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from demo.server import running
from demo.versions import DemoVersion
from testforge.cluster.adapters.kube import ClientKube

from .emulator import EmulatorThread
from .harness import JobRunner, JobStatusKubelet, Kubelet, PodKubelet, eventually, operator_running
from .local_work import LocalWork

pytestmark = [pytest.mark.operator, pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]

SAMPLES = Path(__file__).resolve().parents[2] / "manifests" / "samples"
NAMESPACE = "testforge-system"  # where the shipped RBAC lets the operator work
CHROMIUM = os.environ.get("TESTFORGE_CHROMIUM", "/usr/bin/chromium")


@dataclass
class Backend:
    name: str
    admin: ClientKube
    operator: k8s.Configuration
    kubelet: Kubelet
    namespace: str


def _apiserver_built() -> bool:
    from tests.cluster.controlplane import Binaries, MissingBinariesError

    try:
        Binaries.locate()
    except MissingBinariesError:
        return False
    return True


def _configuration(kubeconfig: Path) -> k8s.Configuration:
    configuration = k8s.Configuration()
    k8s_config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)  # type: ignore[no-untyped-call]
    return configuration


@pytest.fixture(
    scope="module",
    params=[pytest.param("apiserver", marks=pytest.mark.cluster), pytest.param("emulator")],
)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "apiserver":
        plane = request.getfixturevalue("control_plane")
        installed = request.getfixturevalue("installed_manifests")
        assert installed.crds and installed.rbac, installed.absent
        admin = ClientKube(k8s.ApiClient(_configuration(plane.admin_kubeconfig)))
        kubelet: Kubelet = PodKubelet() if plane.has_controller_manager else JobStatusKubelet()
        yield Backend(
            "apiserver", admin, _configuration(plane.operator_kubeconfig), kubelet, NAMESPACE
        )
        return
    if _apiserver_built() and os.environ.get("TESTFORGE_OPERATOR_SCENARIO") != "emulator":
        pytest.skip(
            "the real API server is built: the apiserver variant covers this scenario "
            "(TESTFORGE_OPERATOR_SCENARIO=emulator runs this one too)"
        )
    emulator: EmulatorThread = request.getfixturevalue("emulator")
    configuration = k8s.Configuration()
    configuration.host = emulator.url
    yield Backend(
        "emulator",
        ClientKube(k8s.ApiClient(configuration)),
        configuration,
        JobStatusKubelet(),
        NAMESPACE,
    )


def _sample(name: str, **spec: Any) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((SAMPLES / name).read_text())
    document["spec"] = {**document.get("spec", {}), **spec}
    return document


@dataclass
class Scene:
    backend: Backend
    project: str
    status: dict[str, Any]
    store_root: Path


@pytest.fixture(scope="module")
def scene(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    """The demo shop v1, the operator, and the sample project discovered and generated."""
    store_root = tmp_path_factory.mktemp(f"store-{backend.name}")
    admin, namespace = backend.admin, backend.namespace
    project = f"demo-shop-{secrets.token_hex(2)}"
    work = LocalWork(admin, store_root, CHROMIUM)
    with (
        running(DemoVersion.V1) as url,
        operator_running(backend.operator, store_root, namespace=namespace),
    ):
        secret = _sample("demo-login.yaml")
        secret["metadata"]["namespace"] = namespace
        admin.create(secret)
        # The demo shop serves on this machine's loopback, which no sandbox reaches unless its
        # project opens it (the sample opens the in-cluster Service instead).
        manifest = _sample("testproject.yaml", url=url, egress={"allowCidrs": ["127.0.0.0/8"]})
        manifest["metadata"].update(name=project, namespace=namespace)
        admin.create(manifest)
        with JobRunner(admin, lambda: [namespace], work, backend.kubelet) as runner:
            status = eventually(
                lambda: _ready(admin, namespace, project),
                timeout=300,
                interval=0.5,
                what="project Ready",
            )
            assert not runner.errors, runner.errors
        # The discovery's runner stops here: each run below brings its own.
        yield Scene(backend, project, status, store_root)


def _ready(kube: ClientKube, namespace: str, name: str) -> dict[str, Any] | None:
    status: dict[str, Any] = (kube.get("TestProject", namespace, name) or {}).get("status") or {}
    ready: dict[str, Any] = next(
        (c for c in status.get("conditions", []) if c["type"] == "Ready"), {}
    )
    if ready.get("status") == "False" and ready.get("reason") not in {
        "Discovering",
        "Designing",  # between the discovery Job's end and the stored suite
        "SecretNotFound",
    }:
        raise AssertionError(f"the project failed: {ready}")
    return status if ready.get("status") == "True" else None


def _stalled(kube: ClientKube, namespace: str, name: str) -> dict[str, Any] | None:
    status: dict[str, Any] = (kube.get("TestProject", namespace, name) or {}).get("status") or {}
    conditions = {c["type"]: c for c in status.get("conditions", [])}
    stalled = conditions.get("Stalled", {}).get("status") == "True"
    return conditions["Ready"] if stalled else None


def test_a_project_aimed_at_loopback_without_opening_it_fails_discovery_for_good(
    backend: Backend, tmp_path: Path
) -> None:
    """No `egress` in the spec: the operator hands the sandbox a public-only policy, and the
    real runner refuses 127.0.0.1 before any browser starts; the project says why, once."""
    admin, namespace = backend.admin, backend.namespace
    project = f"loopback-{secrets.token_hex(2)}"
    manifest = _sample("testproject.yaml", url="http://127.0.0.1:9/")
    for opened in ("egress", "auth"):
        manifest["spec"].pop(opened)
    manifest["metadata"].update(name=project, namespace=namespace)
    work = LocalWork(admin, tmp_path, CHROMIUM)
    with operator_running(backend.operator, tmp_path, namespace=namespace):
        admin.create(manifest)
        with JobRunner(admin, lambda: [namespace], work, backend.kubelet) as runner:
            ready = eventually(
                lambda: _stalled(admin, namespace, project), timeout=120, interval=0.5
            )
            assert not runner.errors, runner.errors
        assert [o.exit_code for o in runner.done.values()] == [2]  # PERMANENT: no retry
    assert (ready["status"], ready["reason"]) == ("False", "EgressRefused"), ready
    assert "127.0.0.1, a loopback address" in ready["message"], ready


def _run(scene: Scene, version: DemoVersion) -> dict[str, Any]:
    admin, namespace = scene.backend.admin, scene.backend.namespace
    name = f"{scene.project}-{version.value}"
    work = LocalWork(admin, scene.store_root, CHROMIUM)
    with (
        running(version) as url,
        JobRunner(admin, lambda: [namespace], work, scene.backend.kubelet) as runner,
    ):
        manifest = _sample("testrun.yaml", projectRef={"name": scene.project}, url=url)
        manifest["metadata"].update(name=name, namespace=namespace)
        admin.create(manifest)
        try:
            final: dict[str, Any] = eventually(
                lambda: _finished(admin, namespace, name), timeout=600, interval=0.5
            )
        except AssertionError as exc:
            raise AssertionError(
                f"{exc}\n{describe(admin, namespace, name)}\n{runner.errors}"
            ) from exc
        assert not runner.errors, runner.errors
    return final


def describe(kube: ClientKube, namespace: str, run: str) -> str:
    """What a stuck scenario looked like: the run's status, its Jobs and their pods."""
    lines = [f"TestRun {run}: {(kube.get('TestRun', namespace, run) or {}).get('status')}"]
    for job in kube.list("Job", namespace, {"testforge.io/run": run}):
        lines.append(f"Job {job['metadata']['name']}: {job.get('status')}")
        for pod in kube.list("Pod", namespace, {"job-name": job["metadata"]["name"]}):
            lines.append(
                f"  Pod {pod['metadata']['name']}: {(pod.get('status') or {}).get('phase')}"
            )
    return "\n".join(lines)


def _finished(kube: ClientKube, namespace: str, name: str) -> dict[str, Any] | None:
    status: dict[str, Any] = (kube.get("TestRun", namespace, name) or {}).get("status") or {}
    return status if status.get("phase") in {"Succeeded", "Failed", "Error", "Cancelled"} else None


def test_the_v1_run_of_the_sample_project_succeeds_with_every_case_passing(scene: Scene) -> None:
    cases = scene.status["suite"]["cases"]
    final = _run(scene, DemoVersion.V1)
    assert final["phase"] == "Succeeded", final
    assert final["counts"]["total"] == cases == final["counts"]["passed"], final["counts"]
    assert final["counts"]["failed"] == 0
    assert len(final["shards"]) == 2 and all(s["state"] == "Succeeded" for s in final["shards"])
    assert (scene.store_root / final["report"]["html"]).is_file()


def test_the_v3_run_with_regressions_fails_and_still_reports(scene: Scene) -> None:
    final = _run(scene, DemoVersion.V3)
    assert final["phase"] == "Failed", final
    assert final["reason"] == "TestsFailed"
    assert final["counts"]["failed"] > 0
    assert final["counts"]["passed"] + final["counts"]["failed"] == final["counts"]["total"]
    assert (scene.store_root / final["report"]["junit"]).is_file()


def test_the_v2_run_with_a_changed_ui_heals_and_records_healing_requests(scene: Scene) -> None:
    final = _run(scene, DemoVersion.V2)
    assert final["counts"]["healed"] > 0, final
    assert final["healingRequests"], "every heal becomes a HealingRequest"
    admin, namespace = scene.backend.admin, scene.backend.namespace
    requests = [admin.get("HealingRequest", namespace, n) for n in final["healingRequests"]]
    assert all(
        r is not None and r["spec"]["runRef"]["name"] == f"{scene.project}-v2" for r in requests
    )
