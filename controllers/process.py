"""The operator process: settings and composition at startup, login, probes, metrics, the
daemons' loop, and the one place where service errors become Kopf's TemporaryError or
PermanentError (for the event handlers; a daemon's loop retries them itself)."""

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import kopf
from kubernetes import client as k8s

from testforge.cluster.adapters.kube import KubeError
from testforge.cluster.bootstrap import OperatorSettings, bootstrap, kube_configuration
from testforge.cluster.control import loops
from testforge.cluster.control.controller import (
    HealingController,
    Operator,
    ProjectController,
    RunController,
)
from testforge.cluster.control.loops import Failure, Outcome, failure_reason, record_failure
from testforge.cluster.control.wakeups import Wakeups
from testforge.cluster.logs import about, configure_logging
from testforge.domain.crd import GROUP
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
    if CONNECTION.operator is None:  # the process's own operator; tests keep pytest's logging
        configure_logging()
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
    # A deleted object waits for its daemon to stop (Kopf's finalizer). A daemon mid-pass misses
    # Kopf's instant-exit check, and Kopf then looks again only every 60 s by default: deleting
    # a run took a minute whenever its loop was busy.
    settings.background.cancellation_polling = 1.0
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


@kopf.on.cleanup()
async def stop(memo: kopf.Memo, **_: Any) -> None:
    """Release what startup opened: a local Qdrant folder admits one client at a time."""
    found: Controllers | None = memo.get("testforge")
    if found is not None and found.operator.knowledge is not None and CONNECTION.operator is None:
        found.operator.knowledge.close()


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


async def call(
    memo: kopf.Memo,
    kind: str,
    namespace: str | None,
    name: str,
    fn: Callable[[str, str], T],
    retry: int = 0,
) -> T:
    """Run a blocking reconcile in a thread for an event handler; errors become Kopf's retry
    policy and a status condition. Retryable errors back off exponentially (5 s doubling to
    5 minutes). Not for daemons: see `follow`."""
    if namespace is None:  # impossible for namespaced CRDs; refused rather than guessed
        raise kopf.PermanentError(f"{kind} {name} has no namespace")
    try:
        with about(kind, namespace, name):
            return await asyncio.to_thread(fn, namespace, name)
    except TestForgeError as exc:
        reason = failure_reason(exc)
        operator = controllers(memo).operator
        await asyncio.to_thread(record_failure, operator, kind, namespace, name, reason, str(exc))
        retryable = isinstance(exc, StoreError) or (isinstance(exc, KubeError) and exc.retryable)
        if retryable:
            raise kopf.TemporaryError(f"{reason}: {exc}", delay=min(300, 5 * 2**retry)) from exc
        raise kopf.PermanentError(f"{reason}: {exc}") from exc


async def follow(
    memo: kopf.Memo,
    kind: str,
    namespace: str | None,
    name: str,
    fn: Callable[[str, str], T],
    then: Callable[[T], Outcome],
    stopped: kopf.DaemonStopped,
) -> None:
    """A daemon's loop: the blocking reconcile `fn` in a thread, `then` says what its decision
    asks for. Failures are recorded and retried here (testforge.cluster.control.loops)
    instead of being raised: Kopf would end the daemon for good on a PermanentError."""
    if namespace is None:  # impossible for namespaced CRDs; refused rather than guessed
        raise kopf.PermanentError(f"{kind} {name} has no namespace")
    ctl, ns = controllers(memo), namespace

    async def step() -> Outcome:
        return then(await asyncio.to_thread(fn, ns, name))

    async def report(failure: Failure) -> None:
        await asyncio.to_thread(loops.report_failure, ctl.operator, kind, ns, name, failure)

    with about(kind, ns, name):  # the daemon's task: every record of its passes names the object
        await loops.follow((kind, ns, name), step, report, ctl.wakeups, stopped)
