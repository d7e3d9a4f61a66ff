"""The operator process: settings and composition at startup, login, probes, metrics, and the
one place where service errors become Kopf's TemporaryError or PermanentError."""

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import kopf
from kubernetes import client as k8s

from testforge.cluster import conditions as cond
from testforge.cluster.bootstrap import OperatorSettings, bootstrap, kube_configuration
from testforge.cluster.controller import (
    HealingController,
    InvalidResourceError,
    Operator,
    ProjectController,
    RunController,
)
from testforge.cluster.kube import KubeError
from testforge.cluster.wakeups import Wakeups
from testforge.domain.crd import GROUP, Condition
from testforge.domain.errors import TestForgeError
from testforge.storage.port import StoreError

T = TypeVar("T")
FINALIZER = f"{GROUP}/operator"
TOKEN_LIFETIME = timedelta(minutes=5)  # re-login this often: in-cluster tokens rotate


@dataclass
class Connection:
    """Set by tests (or by startup) before Kopf logs in; read by the one login handler."""

    settings: OperatorSettings | None = None
    configuration: k8s.Configuration | None = None
    operator: Operator | None = None


CONNECTION = Connection()


@dataclass
class Controllers:
    operator: Operator
    runs: RunController
    projects: ProjectController
    healing: HealingController
    wakeups: Wakeups = field(default_factory=Wakeups)


def controllers(memo: kopf.Memo) -> Controllers:
    found: Controllers = memo["testforge"]
    return found


@kopf.on.startup()
async def start(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    operator_settings = CONNECTION.settings or OperatorSettings()
    if CONNECTION.configuration is None:
        CONNECTION.configuration = kube_configuration(operator_settings)
    operator = CONNECTION.operator or bootstrap(operator_settings, CONNECTION.configuration)
    # Progress and diff-bases in annotations keep status to the CRD's schema only.
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=GROUP)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=GROUP, key="last-handled-configuration"
    )
    settings.persistence.finalizer = FINALIZER
    # The CRDs ship with the operator: no cluster-wide CRD scanning, so a namespaced Role suffices.
    settings.scanning.disabled = True
    settings.posting.level = logging.WARNING  # our own Events tell the story; Kopf's are noise
    settings.batching.worker_limit = 64
    # Reconciles are blocking client calls run via asyncio.to_thread: the default executor's
    # few threads (cores + 4) would queue hundreds of runs behind each other.
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(operator_settings.reconcile_threads, thread_name_prefix="reconcile")
    )
    memo["testforge"] = Controllers(
        operator=operator,
        runs=RunController(operator),
        projects=ProjectController(operator),
        healing=HealingController(operator),
    )
    if operator_settings.metrics_port and CONNECTION.operator is None:
        operator.metrics.serve(operator_settings.metrics_port)


@kopf.on.login()
def login(**_: Any) -> kopf.ConnectionInfo:
    configuration = CONNECTION.configuration or kube_configuration(
        CONNECTION.settings or OperatorSettings()
    )
    CONNECTION.configuration = configuration
    hook: Callable[[k8s.Configuration], None] | None = configuration.refresh_api_key_hook
    if hook is not None:
        hook(configuration)  # in-cluster: re-reads the rotated ServiceAccount token
    keys: dict[str, str] = configuration.api_key
    header = keys.get("authorization") or keys.get("BearerToken") or ""
    scheme, _sep, token = header.partition(" ")
    return kopf.ConnectionInfo(
        server=configuration.host,
        ca_path=configuration.ssl_ca_cert,
        insecure=not configuration.verify_ssl,
        scheme=scheme or None,
        token=token or None,
        certificate_path=configuration.cert_file,
        private_key_path=configuration.key_file,
        expiration=datetime.now(UTC) + TOKEN_LIFETIME if token else None,
    )


@kopf.on.probe(id="store")
def store_writable(memo: kopf.Memo, **_: Any) -> bool:
    store = controllers(memo).operator.store
    store.put(".probe/healthz", datetime.now(UTC).isoformat().encode())
    return True


def record_failure(
    operator: Operator, kind: str, namespace: str, name: str, reason: str, message: str
) -> None:
    """Best effort: put a failure on the object's Ready condition, so it is not only a log."""
    try:
        body = operator.kube.get(kind, namespace, name)
        if body is None:
            return
        existing = [
            Condition.model_validate(c) for c in (body.get("status") or {}).get("conditions") or []
        ]
        generation = body["metadata"].get("generation")
        now = operator.clock()
        items = cond.set_condition(
            existing, cond.READY, cond.FALSE, reason, message[:1024], generation, now
        )
        wire = [c.wire() for c in items]
        operator.kube.patch_status(kind, namespace, name, {"conditions": wire})
    except TestForgeError as exc:
        logging.getLogger("testforge.operator").warning("could not record %s: %s", reason, exc)


def _reason(exc: TestForgeError) -> str:
    if isinstance(exc, KubeError):
        return "Forbidden" if exc.status == 403 else f"KubernetesApi{exc.status or 'Unreachable'}"
    if isinstance(exc, StoreError):
        return "ArtifactStoreUnavailable"
    if isinstance(exc, InvalidResourceError):
        return "InvalidResource"
    return type(exc).__name__.removesuffix("Error") or "Failed"


async def call(
    memo: kopf.Memo,
    kind: str,
    namespace: str | None,
    name: str,
    fn: Callable[[str, str], T],
    retry: int = 0,
) -> T:
    """Run a blocking reconcile in a thread; errors become Kopf's retry policy and a status
    condition. Retryable errors back off exponentially (5 s doubling to 5 minutes)."""
    if namespace is None:  # impossible for namespaced CRDs; refused rather than guessed
        raise kopf.PermanentError(f"{kind} {name} has no namespace")
    try:
        return await asyncio.to_thread(fn, namespace, name)
    except TestForgeError as exc:
        reason = _reason(exc)
        operator = controllers(memo).operator
        await asyncio.to_thread(record_failure, operator, kind, namespace, name, reason, str(exc))
        retryable = isinstance(exc, StoreError) or (isinstance(exc, KubeError) and exc.retryable)
        if retryable:
            raise kopf.TemporaryError(f"{reason}: {exc}", delay=min(300, 5 * 2**retry)) from exc
        raise kopf.PermanentError(f"{reason}: {exc}") from exc
