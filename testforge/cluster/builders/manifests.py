"""Pure builders of the objects the operator creates: sandbox Jobs, their spec ConfigMaps,
scheduled TestRuns and HealingRequests. The controllers only create what these return."""

from dataclasses import dataclass
from typing import Any

from testforge.cluster.builders import names
from testforge.contracts.sandbox import (
    SPEC_DIR,
    SPEC_FILE,
    STORE_DIR,
    TERMINATION_LOG,
    ExitCode,
    RunnerEnv,
    RunnerSpec,
)
from testforge.domain.crd import (
    API_VERSION,
    HealingRequestSpec,
    LocalObjectReference,
    ProjectAuth,
    SandboxSpec,
    TestRunSpec,
)
from testforge.domain.healing import HealingRequest

CONTAINER = "runner"
RUNNER_UID = 10001
Manifest = dict[str, Any]


@dataclass(frozen=True)
class SandboxConfig:
    """Operator-wide settings for sandbox Jobs (from the operator's settings)."""

    image: str = "ghcr.io/testforge/sandbox:0.1.0"
    store_claim: str | None = "testforge-artifacts"
    service_account: str | None = None
    image_pull_policy: str = "IfNotPresent"
    tmp_size: str = "1Gi"
    shm_size: str = "512Mi"


@dataclass(frozen=True)
class Owner:
    kind: str
    name: str
    uid: str
    namespace: str
    api_version: str = API_VERSION

    def reference(self) -> Manifest:
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "name": self.name,
            "uid": self.uid,
            "controller": True,
            "blockOwnerDeletion": True,
        }


def _metadata(name: str, owner: Owner, labels: dict[str, str]) -> Manifest:
    return {
        "name": name,
        "namespace": owner.namespace,
        "labels": {**names.MANAGED_BY, **labels},
        "ownerReferences": [owner.reference()],
    }


def spec_config_map(name: str, owner: Owner, labels: dict[str, str], spec: RunnerSpec) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(name, owner, labels),
        "data": {SPEC_FILE: spec.model_dump_json(indent=2)},
    }


def _credentials(auth: ProjectAuth | None) -> list[Manifest]:
    if auth is None:
        return []
    ref = auth.secret_ref
    return [
        {
            "name": RunnerEnv.env_name(field),
            "valueFrom": {"secretKeyRef": {"name": ref.name, "key": key}},
        }
        for field, key in (("username", ref.username_key), ("password", ref.password_key))
    ]


def _store_volume(config: SandboxConfig) -> Manifest:
    if config.store_claim:
        return {"name": "store", "persistentVolumeClaim": {"claimName": config.store_claim}}
    return {"name": "store", "emptyDir": {}}


def sandbox_job(
    name: str,
    owner: Owner,
    labels: dict[str, str],
    spec: RunnerSpec,
    sandbox: SandboxSpec,
    config: SandboxConfig,
    auth: ProjectAuth | None = None,
) -> Manifest:
    """A locked-down Job that runs `python -m testforge.sandbox <kind> --spec ...` once."""
    container: Manifest = {
        "name": CONTAINER,
        "image": sandbox.image or config.image,
        "imagePullPolicy": config.image_pull_policy,
        "command": ["python", "-m", "testforge.sandbox"],
        "args": [spec.kind.value, "--spec", str(SPEC_DIR / SPEC_FILE)],
        "env": [
            *({"name": name, "value": value} for name, value in RunnerEnv().to_env().items()),
            {"name": "HOME", "value": "/tmp"},
            *_credentials(auth),
        ],
        "resources": {
            "requests": sandbox.resources.requests.wire(),
            "limits": sandbox.resources.limits.wire(),
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "terminationMessagePath": str(TERMINATION_LOG),
        # A runner killed before it wrote its summary still leaves its last log lines.
        "terminationMessagePolicy": "FallbackToLogsOnError",
        "volumeMounts": [
            {"name": "spec", "mountPath": str(SPEC_DIR), "readOnly": True},
            {"name": "store", "mountPath": str(STORE_DIR)},
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "dshm", "mountPath": "/dev/shm"},
        ],
    }
    pod_spec: Manifest = {
        "restartPolicy": "Never",
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUNNER_UID,
            "runAsGroup": RUNNER_UID,
            "fsGroup": RUNNER_UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container],
        "volumes": [
            {"name": "spec", "configMap": {"name": name}},
            _store_volume(config),
            {"name": "tmp", "emptyDir": {"sizeLimit": config.tmp_size}},
            {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": config.shm_size}},
        ],
    }
    if config.service_account:
        pod_spec["serviceAccountName"] = config.service_account
    all_labels = {**labels, names.LABEL_ROLE: spec.kind.value}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": _metadata(name, owner, all_labels),
        "spec": {
            "backoffLimit": sandbox.backoff_limit,
            "activeDeadlineSeconds": sandbox.active_deadline_seconds,
            "ttlSecondsAfterFinished": sandbox.ttl_seconds_after_finished,
            "podFailurePolicy": {
                "rules": [
                    {
                        # A wrong URL or bad credentials fail the same way on every retry.
                        "action": "FailJob",
                        "onExitCodes": {
                            "containerName": CONTAINER,
                            "operator": "In",
                            "values": [ExitCode.PERMANENT.value],
                        },
                    }
                ]
            },
            "template": {
                "metadata": {"labels": {**names.MANAGED_BY, **all_labels}},
                "spec": pod_spec,
            },
        },
    }


def scheduled_run(name: str, owner: Owner, spec: TestRunSpec, scheduled_at: str) -> Manifest:
    return {
        "apiVersion": API_VERSION,
        "kind": "TestRun",
        "metadata": _metadata(
            name,
            owner,
            {names.LABEL_PROJECT: owner.name, names.LABEL_SCHEDULED_AT: scheduled_at},
        ),
        "spec": spec.wire(),
    }


def healing_request(run: Owner, project: str, request: HealingRequest, ref: str) -> Manifest:
    """The HealingRequest object of one heal a run recorded (the full request stays at `ref`)."""
    spec = HealingRequestSpec(
        project_ref=LocalObjectReference(name=project),
        run_ref=LocalObjectReference(name=run.name),
        plan_hash=request.plan_hash,
        request_ref=ref,
        tests=request.tests,
        key=request.key,
        page_url=request.page_url,
        broken_ladder=list(request.broken_ladder),
        fingerprint=request.fingerprint,
        snapshot_ref=request.snapshot,
    )
    return {
        "apiVersion": API_VERSION,
        "kind": "HealingRequest",
        "metadata": _metadata(
            names.healing_request(run.name, request.id),
            run,
            {names.LABEL_RUN: run.name, names.LABEL_PROJECT: project},
        ),
        "spec": spec.wire(),
    }
