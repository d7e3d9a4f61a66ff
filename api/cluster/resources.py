"""Pure builders and readers of the custom resources the API creates and shows.

Specs are built from the domain's CR models (testforge.domain.crd), so a field the CRD does not
know cannot be sent. Status is read leniently: the CRDs evolve with the operator, and a run list
must keep working when a status field is missing, renamed or new.
"""

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from api.cluster.port import Manifest
from testforge.domain.crd import (
    API_VERSION,
    Counts,
    RunPhase,
    TestProjectSpec,
    TestRunSpec,
)
from testforge.domain.egress import (
    CLOSED_IPV4,
    CLOSED_IPV6,
    EgressPolicy,
    IPNetwork,
    metadata_within,
)

PROJECTS = "testprojects"
RUNS = "testruns"
TENANT_LABEL = "testforge.io/tenant"
PROJECT_LABEL = "testforge.io/project"
MANAGED_BY = {"app.kubernetes.io/managed-by": "testforge-api"}
MAX_NAME = 63
EGRESS_POLICY = "testforge-egress"
# CoreDNS keeps kube-dns's label; a cluster with NodeLocal DNSCache needs its address too.
CLUSTER_DNS = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
}


def _metadata(namespace: str, name: str, tenant: str, **labels: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": namespace,
        "labels": {**MANAGED_BY, TENANT_LABEL: tenant, **labels},
    }


def namespace_labels(tenant: str) -> dict[str, str]:
    return {**MANAGED_BY, TENANT_LABEL: tenant}


def _block(network: IPNetwork) -> dict[str, Any]:
    block: dict[str, Any] = {"cidr": str(network)}
    inside = metadata_within(network)
    if inside:
        block["except"] = [str(m) for m in inside]
    return {"ipBlock": block}


def egress_network_policy(namespace: str, tenant: str, policy: EgressPolicy) -> Manifest:
    """Default-deny egress for every pod in the tenant's namespace (all of them are sandboxes),
    except DNS, the public internet, and the networks the tenant allowed (less any metadata
    endpoint inside them). Unlike the runner's check, it holds for every connection."""
    rules: list[dict[str, Any]] = [
        {
            "to": [CLUSTER_DNS],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        },
        {
            "to": [
                {"ipBlock": {"cidr": "0.0.0.0/0", "except": list(CLOSED_IPV4)}},
                {"ipBlock": {"cidr": "::/0", "except": list(CLOSED_IPV6)}},
            ]
        },
    ]
    if policy.allow_cidrs:
        rules.append({"to": [_block(network) for network in policy.networks()]})
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": EGRESS_POLICY,
            "namespace": namespace,
            "labels": namespace_labels(tenant),
        },
        "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": rules},
    }


def project_manifest(namespace: str, name: str, tenant: str, spec: TestProjectSpec) -> Manifest:
    return {
        "apiVersion": API_VERSION,
        "kind": "TestProject",
        "metadata": _metadata(namespace, name, tenant),
        "spec": spec.wire(),
    }


def run_manifest(namespace: str, name: str, tenant: str, spec: TestRunSpec) -> Manifest:
    project = spec.project_ref.name
    return {
        "apiVersion": API_VERSION,
        "kind": "TestRun",
        "metadata": _metadata(namespace, name, tenant, **{PROJECT_LABEL: project}),
        "spec": spec.wire(),
    }


def new_run_name(project: str) -> str:
    """`<project>-<6 hex>`; the project part is cut so the name stays a DNS label."""
    suffix = secrets.token_hex(3)
    return f"{project[: MAX_NAME - len(suffix) - 1].rstrip('-')}-{suffix}"


@dataclass(frozen=True)
class RunView:
    name: str
    project: str
    phase: RunPhase
    counts: Counts
    created_at: datetime | None = None
    start_time: datetime | None = None
    completion_time: datetime | None = None
    reason: str | None = None
    message: str | None = None
    trigger: dict[str, Any] = field(default_factory=dict)
    report: dict[str, Any] | None = None
    cancel: bool = False
    input_tokens: int = 0
    output_tokens: int = 0
    sandbox_seconds: int = 0  # summed over the shards' Jobs

    @property
    def finished(self) -> bool:
        return self.phase.finished


@dataclass(frozen=True)
class ProjectView:
    name: str
    url: str
    created_at: datetime | None
    last_run: str | None
    suite_cases: int | None
    conditions: list[dict[str, Any]]


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _count(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def _sandbox_seconds(status: dict[str, Any], start: datetime | None, end: datetime | None) -> int:
    """The shards' Job times; for a shard whose Job time is unknown (an operator from before
    they were recorded), the run's own duration, so sandbox time is never under-counted."""
    shards = [s for s in status.get("shards") or [] if isinstance(s, dict)]
    run_seconds = round((end - start).total_seconds()) if start and end and end > start else 0
    return sum(
        _count(s["seconds"]) if isinstance(s.get("seconds"), int) else run_seconds
        for s in shards
    )


def read_run(obj: Manifest) -> RunView:
    meta, spec, status = (
        _dict(obj.get("metadata")),
        _dict(obj.get("spec")),
        _dict(obj.get("status")),
    )
    try:
        phase = RunPhase(status.get("phase", RunPhase.PENDING))
    except ValueError:
        phase = RunPhase.PENDING  # a phase this API does not know yet: show it as not started
    try:
        counts = Counts.model_validate(_dict(status.get("counts")))
    except ValidationError:
        counts = Counts()
    report = status.get("report")
    tokens = _dict(status.get("tokens"))
    start_time, completion_time = (
        _time(status.get("startTime")),
        _time(status.get("completionTime")),
    )
    return RunView(
        name=str(meta.get("name", "")),
        project=str(_dict(spec.get("projectRef")).get("name", "")),
        phase=phase,
        counts=counts,
        created_at=_time(meta.get("creationTimestamp")),
        start_time=start_time,
        completion_time=completion_time,
        reason=_text(status.get("reason")),
        message=_text(status.get("message")),
        trigger=_dict(spec.get("trigger")),
        report=report if isinstance(report, dict) else None,
        cancel=spec.get("cancel") is True,
        input_tokens=_count(tokens.get("inputTokens")),
        output_tokens=_count(tokens.get("outputTokens")),
        sandbox_seconds=_sandbox_seconds(status, start_time, completion_time),
    )


def read_project(obj: Manifest) -> ProjectView:
    meta, spec, status = (
        _dict(obj.get("metadata")),
        _dict(obj.get("spec")),
        _dict(obj.get("status")),
    )
    cases = _dict(status.get("suite")).get("cases")
    conditions = status.get("conditions")
    return ProjectView(
        name=str(meta.get("name", "")),
        url=str(spec.get("url", "")),
        created_at=_time(meta.get("creationTimestamp")),
        last_run=_text(status.get("lastRun")),
        suite_cases=cases if isinstance(cases, int) else None,
        conditions=[c for c in conditions if isinstance(c, dict)]
        if isinstance(conditions, list)
        else [],
    )
