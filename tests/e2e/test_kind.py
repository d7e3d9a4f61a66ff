"""The operator scenario on a real kind cluster (marker `kind`): build and load both images,
install `manifests/`, run the demo shop in the cluster, apply the samples and `kubectl wait`
for the TestRun to succeed. Skips, saying why, where Docker or kind is missing.

    .venv/bin/python -m pytest -m kind tests/e2e   # needs docker and kind on PATH
"""

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.kind, pytest.mark.slow, pytest.mark.timeout(3600)]

ROOT = Path(__file__).resolve().parents[2]
IMAGES = {
    "ghcr.io/testforge/operator:0.1.0": ROOT / "operator" / "Dockerfile",
    "ghcr.io/testforge/sandbox:0.1.0": ROOT / "sandbox-image" / "Dockerfile",
}
NAMESPACE = "testforge-system"


def _missing_tools() -> str | None:
    for tool in ("docker", "kind", "kubectl"):
        if shutil.which(tool) is None:
            return f"{tool} is not on PATH: the kind e2e test needs Docker, kind and kubectl"
    probe = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f"no Docker engine answers (`docker info`: {probe.stderr.strip()[:200]})"
    return None


def _run(*args: str, timeout: float = 900) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, (
        f"{' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    )
    return done.stdout


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    reason = _missing_tools()
    if reason:
        pytest.skip(reason)
    name = f"testforge-e2e-{uuid.uuid4().hex[:6]}"
    _run("kind", "create", "cluster", "--name", name, "--wait", "120s")
    try:
        for tag, dockerfile in IMAGES.items():
            _run("docker", "build", "-f", str(dockerfile), "-t", tag, str(ROOT), timeout=1800)
            _run("kind", "load", "docker-image", tag, "--name", name)
        yield f"kind-{name}"
    finally:
        subprocess.run(
            ["kind", "delete", "cluster", "--name", name], capture_output=True, check=False
        )


def test_the_sample_testrun_succeeds_on_kind(cluster: str) -> None:
    kubectl = ("kubectl", f"--context={cluster}")
    _run(*kubectl, "apply", "-k", str(ROOT / "manifests"))
    _run(*kubectl, "wait", "--for=condition=Established", "crd", "--all", "--timeout=120s")
    _run(
        *kubectl,
        "-n",
        NAMESPACE,
        "rollout",
        "status",
        "deployment/testforge-operator",
        "--timeout=300s",
    )
    _run(*kubectl, "apply", "-f", str(Path(__file__).parent / "demo-app.yaml"))
    _run(*kubectl, "-n", NAMESPACE, "rollout", "status", "deployment/demo-shop", "--timeout=300s")
    _run(*kubectl, "apply", "-k", str(ROOT / "manifests" / "samples"))
    _run(
        *kubectl,
        "-n",
        NAMESPACE,
        "wait",
        "--for=condition=Ready",
        "testproject/demo-shop",
        "--timeout=900s",
    )
    _run(
        *kubectl,
        "-n",
        NAMESPACE,
        "wait",
        "--for=condition=Succeeded",
        "testrun/demo-shop-smoke",
        "--timeout=1200s",
    )
    counts = _run(
        *kubectl,
        "-n",
        NAMESPACE,
        "get",
        "testrun/demo-shop-smoke",
        "-o",
        "jsonpath={.status.counts.passed}/{.status.counts.total}",
    )
    passed, total = (int(n) for n in counts.split("/"))
    assert passed == total > 0
