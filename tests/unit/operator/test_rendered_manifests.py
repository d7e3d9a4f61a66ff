"""`kubectl kustomize manifests/` renders, and every object validates offline against the
Kubernetes schemas (kubernetes-validate); the builders' Jobs too; the samples against the CR
models; the Argo CD health script gives the right verdicts."""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from testforge.cluster.builders.manifests import Owner, SandboxConfig, sandbox_job, spec_config_map
from testforge.contracts.sandbox import RunnerKind, RunnerSpec
from testforge.domain.crd import SandboxSpec, TestProjectSpec, TestRunSpec

ROOT = Path(__file__).resolve().parents[3]
MANIFESTS = ROOT / "manifests"
K8S_VERSION = "1.32"
KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH")


def _render(directory: Path) -> list[dict[str, Any]]:
    assert KUBECTL is not None
    done = subprocess.run(
        [KUBECTL, "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def _validate(document: dict[str, Any]) -> None:
    kubernetes_validate.validate(document, K8S_VERSION, strict=True)


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    return _render(MANIFESTS)


@needs_kubectl
def test_the_install_renders_every_kind_it_needs(rendered: list[dict[str, Any]]) -> None:
    kinds = sorted({d["kind"] for d in rendered})
    assert kinds == [
        "CustomResourceDefinition",
        "Deployment",
        "Namespace",
        "NetworkPolicy",
        "PersistentVolumeClaim",
        "Role",
        "RoleBinding",
        "Service",
        "ServiceAccount",
    ]


@needs_kubectl
def test_every_rendered_object_validates_against_the_kubernetes_schemas(
    rendered: list[dict[str, Any]],
) -> None:
    for document in rendered:
        _validate(document)


@needs_kubectl
def test_the_namespace_enforces_the_restricted_pod_security_standard(
    rendered: list[dict[str, Any]],
) -> None:
    namespace = next(d for d in rendered if d["kind"] == "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


@needs_kubectl
def test_the_operator_gets_a_namespaced_role_without_wildcards(
    rendered: list[dict[str, Any]],
) -> None:
    role = next(d for d in rendered if d["kind"] == "Role")
    verbs = {v for rule in role["rules"] for v in rule["verbs"]}
    resources = {r for rule in role["rules"] for r in rule["resources"]}
    assert "*" not in verbs | resources
    assert not any(d["kind"].startswith("Cluster") for d in rendered)
    secrets = next(rule for rule in role["rules"] if "secrets" in rule["resources"])
    assert secrets["verbs"] == ["get"]


@needs_kubectl
def test_the_sandbox_network_policy_allows_no_ingress_and_blocks_cloud_metadata(
    rendered: list[dict[str, Any]],
) -> None:
    policy = next(d for d in rendered if d["metadata"]["name"] == "testforge-sandbox")
    assert policy["spec"]["ingress"] == []
    blocks = [p["to"][0]["ipBlock"] for p in policy["spec"]["egress"] if "to" in p]
    assert blocks and all("169.254.169.254/32" in b["except"] for b in blocks)


@needs_kubectl
def test_the_samples_render_and_are_valid_custom_resources() -> None:
    samples = {d["kind"]: d for d in _render(MANIFESTS / "samples")}
    _validate(samples["Secret"])
    TestProjectSpec.model_validate(samples["TestProject"]["spec"])
    run = TestRunSpec.model_validate(samples["TestRun"]["spec"])
    assert run.project_ref.name == samples["TestProject"]["metadata"]["name"]


@pytest.mark.parametrize("kind", list(RunnerKind))
def test_the_builders_jobs_and_config_maps_validate_strictly(kind: RunnerKind) -> None:
    owner = Owner(kind="TestRun", name="r", uid="u", namespace="testforge-system")
    spec = RunnerSpec(kind=kind, base_url="http://x", output="runs/x")
    _validate(sandbox_job("r-shard-0", owner, {"a": "b"}, spec, SandboxSpec(), SandboxConfig()))
    _validate(spec_config_map("r-shard-0", owner, {}, spec))


def _lua_health(script: str, obj: dict[str, Any]) -> dict[str, Any]:
    lupa = pytest.importorskip("lupa", reason="lupa runs the Argo CD Lua health checks")
    lua = lupa.LuaRuntime(unpack_returned_tuples=True)
    table = lua.table_from(obj, recursive=True)
    result = lua.execute(f"local obj = ...\n{script}", table)
    return dict(result)


@pytest.mark.parametrize(
    ("phase", "health"),
    [
        (None, "Progressing"),
        ("Running", "Progressing"),
        ("Succeeded", "Healthy"),
        ("Failed", "Degraded"),
        ("Error", "Degraded"),
        ("Cancelled", "Suspended"),
    ],
)
def test_argo_cd_reads_testrun_health_from_the_phase(phase: str | None, health: str) -> None:
    script = (MANIFESTS / "argocd" / "testforge-health.lua").read_text()
    obj: dict[str, Any] = {"status": {"phase": phase, "message": "m"}} if phase else {}
    assert _lua_health(script, obj)["status"] == health


@pytest.mark.parametrize(
    ("conditions", "health"),
    [
        ([{"type": "Ready", "status": "True", "reason": "SuiteReady", "message": ""}], "Healthy"),
        (
            [
                {"type": "Ready", "status": "False", "reason": "TargetUnreachable", "message": "x"},
                {
                    "type": "Stalled",
                    "status": "True",
                    "reason": "TargetUnreachable",
                    "message": "x",
                },
            ],
            "Degraded",
        ),
        (
            [{"type": "Ready", "status": "False", "reason": "Discovering", "message": ""}],
            "Progressing",
        ),
    ],
)
def test_argo_cd_reads_testproject_health_from_its_conditions(
    conditions: list[dict[str, str]], health: str
) -> None:
    script = (MANIFESTS / "argocd" / "testproject-health.lua").read_text()
    assert _lua_health(script, {"status": {"conditions": conditions}})["status"] == health
