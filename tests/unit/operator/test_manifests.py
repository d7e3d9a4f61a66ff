"""The sandbox Job builder: locked down, sized from the project, deterministic."""

from typing import Any

import pytest

from testforge.cluster.builders.manifests import Owner, sandbox_job, spec_config_map
from testforge.contracts.sandbox import RunnerKind, RunnerSpec
from testforge.domain.app_model import CrawlLimits
from testforge.domain.crd import ProjectAuth, SandboxSpec

from .builders import CONFIG

OWNER = Owner(kind="TestRun", name="nightly", uid="uid-1", namespace="ns")
SPEC = RunnerSpec(
    kind=RunnerKind.EXECUTE, base_url="http://shop", output="runs/ns/nightly/shards/0"
)


def _job(**sandbox: Any) -> dict[str, Any]:
    auth = ProjectAuth.model_validate({"secretRef": {"name": "shop-login"}})
    return sandbox_job(
        "nightly-shard-0",
        OWNER,
        {"a": "b"},
        SPEC,
        SandboxSpec.model_validate(sandbox),
        CONFIG,
        auth,
    )


def _pod(job: dict[str, Any]) -> dict[str, Any]:
    pod: dict[str, Any] = job["spec"]["template"]["spec"]
    return pod


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("automountServiceAccountToken",), False),
        (("securityContext", "runAsNonRoot"), True),
        (("securityContext", "seccompProfile", "type"), "RuntimeDefault"),
        (("containers", 0, "securityContext", "readOnlyRootFilesystem"), True),
        (("containers", 0, "securityContext", "allowPrivilegeEscalation"), False),
        (("containers", 0, "securityContext", "capabilities", "drop"), ["ALL"]),
        (("restartPolicy",), "Never"),
        (("containers", 0, "image"), "registry.local/sandbox:test"),
        (("containers", 0, "args"), ["execute", "--spec", "/etc/testforge/spec.json"]),
    ],
)
def test_the_pod_is_locked_down(path: tuple[Any, ...], expected: Any) -> None:
    node: Any = _pod(_job())
    for key in path:
        node = node[key]
    assert node == expected


def test_writable_paths_are_empty_dirs_and_the_store_is_the_claim() -> None:
    pod = _pod(_job())
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in pod["containers"][0]["volumeMounts"]}
    assert volumes[mounts["/tmp"]]["emptyDir"]["sizeLimit"] == "1Gi"
    assert volumes[mounts["/dev/shm"]]["emptyDir"]["medium"] == "Memory"
    assert volumes[mounts["/store"]]["persistentVolumeClaim"]["claimName"] == "artifacts"
    assert volumes[mounts["/etc/testforge"]]["configMap"]["name"] == "nightly-shard-0"


def test_resources_deadlines_and_retries_come_from_the_project() -> None:
    job = _job(
        resources={
            "requests": {"cpu": "1", "memory": "1Gi"},
            "limits": {"cpu": "3", "memory": "3Gi"},
        },
        activeDeadlineSeconds=600,
        backoffLimit=0,
        ttlSecondsAfterFinished=60,
    )
    assert _pod(job)["containers"][0]["resources"] == {
        "requests": {"cpu": "1", "memory": "1Gi"},
        "limits": {"cpu": "3", "memory": "3Gi"},
    }
    assert (job["spec"]["activeDeadlineSeconds"], job["spec"]["backoffLimit"]) == (600, 0)
    assert job["spec"]["ttlSecondsAfterFinished"] == 60


def test_a_permanent_runner_failure_fails_the_job_without_retries() -> None:
    rule = _job()["spec"]["podFailurePolicy"]["rules"][0]
    assert rule["action"] == "FailJob" and rule["onExitCodes"]["values"] == [2]


def test_credentials_come_from_the_secret_never_from_the_spec() -> None:
    env = {e["name"]: e for e in _pod(_job())["containers"][0]["env"]}
    assert env["TESTFORGE_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "shop-login",
        "key": "password",
    }
    config_map = spec_config_map("nightly-shard-0", OWNER, {}, SPEC)
    assert "password" not in config_map["data"]["spec.json"]


def test_children_are_owned_by_their_run_so_deletion_cascades() -> None:
    reference = _job()["metadata"]["ownerReferences"][0]
    assert reference == {
        "apiVersion": "testforge.io/v1alpha1",
        "kind": "TestRun",
        "name": "nightly",
        "uid": "uid-1",
        "controller": True,
        "blockOwnerDeletion": True,
    }


def test_the_spec_config_map_round_trips_the_runner_spec() -> None:
    spec = SPEC.model_copy(update={"kind": RunnerKind.DISCOVER, "limits": CrawlLimits(max_pages=3)})
    data = spec_config_map("x", OWNER, {}, spec)["data"]["spec.json"]
    assert RunnerSpec.model_validate_json(data) == spec
