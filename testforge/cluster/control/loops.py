"""The per-object reconcile loop the Kopf daemons run, and how its failures are reported; no
Kopf import, so it is tested with plain coroutines.

Kopf never restarts a daemon that returned or raised PermanentError (only a TemporaryError or
an unexpected exception is retried). So a failed pass must not leave the loop: a 403 while RBAC
rolls out, an API server answering 500 or an unreadable CR is put on the object's Ready
condition (and, when it starts or changes, in a Warning event) and the pass is retried with
backoff. Only the loop's step decides that the object needs no more reconciling.
"""

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from testforge.cluster.adapters.kube import KubeError
from testforge.cluster.control.controller import InvalidResourceError, Operator, owner_of
from testforge.cluster.control.wakeups import Key, Wakeups
from testforge.cluster.logs import logger
from testforge.cluster.reconcile import conditions as cond
from testforge.cluster.reconcile.actions import Emit
from testforge.domain.crd import Condition
from testforge.domain.errors import TestForgeError
from testforge.storage.port import StoreError

log = logger()
BACKOFF_S, MAX_BACKOFF_S = 5.0, 300.0


class Done(enum.Enum):
    DONE = "done"


DONE = Done.DONE
# What one pass asks for: the decision's requeue_after (0: again at once, None: only when
# woken), or DONE when the object is finished or gone.
Outcome = float | None | Literal[Done.DONE]


class Stopped(Protocol):
    """The stop flag of a daemon (kopf.DaemonStopped is one)."""

    def __bool__(self) -> bool: ...
    def wait(self) -> Awaitable[object]: ...


@dataclass(frozen=True)
class Failure:
    reason: str
    message: str
    retry_in: float  # seconds; a wake-up (a spec edit, a Job event) retries sooner
    announce: bool  # the first failure of a streak, or another reason than the last one


def failure_reason(exc: TestForgeError) -> str:
    if isinstance(exc, KubeError):
        return "Forbidden" if exc.status == 403 else f"KubernetesApi{exc.status or 'Unreachable'}"
    if isinstance(exc, StoreError):
        return "ArtifactStoreUnavailable"
    if isinstance(exc, InvalidResourceError):
        return "InvalidResource"
    return type(exc).__name__.removesuffix("Error") or "Failed"


def backoff(streak: int) -> float:
    """5 s doubling to 5 minutes with the number of failures in a row."""
    return min(MAX_BACKOFF_S, BACKOFF_S * 2.0 ** max(0, streak - 1))


async def follow(
    key: Key,
    step: Callable[[], Awaitable[Outcome]],
    report: Callable[[Failure], Awaitable[None]],
    wakeups: Wakeups,
    stopped: Stopped,
) -> None:
    """Run `step` until it returns DONE or the loop is stopped. A TestForgeError (every error
    of the operator's adapters) is reported and retried; anything else is a bug and goes to
    Kopf, which retries the daemon with its own backoff."""
    streak, last = 0, None
    while not stopped:
        try:
            outcome = await step()
        except TestForgeError as exc:
            streak += 1
            reason = failure_reason(exc)
            failure = Failure(reason, str(exc), backoff(streak), announce=reason != last)
            last = reason
            log.warning(
                "reconcile_failed", reason=reason, error=str(exc), retry_in_s=failure.retry_in
            )
            await report(failure)
            await wakeups.wait(key, failure.retry_in, stopped.wait)
            continue
        streak, last = 0, None
        if outcome is DONE:
            return
        if outcome != 0:
            await wakeups.wait(key, outcome, stopped.wait)


def record_failure(
    operator: Operator,
    kind: str,
    namespace: str,
    name: str,
    reason: str,
    message: str,
    announce: bool = False,
) -> None:
    """Best effort: put a failure on the object's Ready condition (and, if `announce`, in a
    Warning event), so it is not only a log line."""
    body = None
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
        # A 403 on the status itself: the log is all that is left.
        log.warning("failure_not_recorded", reason=reason, error=str(exc))
    if announce and body is not None:
        operator.emit(owner_of(body), Emit("Warning", reason, message))


def report_failure(
    operator: Operator, kind: str, namespace: str, name: str, failure: Failure
) -> None:
    message = f"{failure.message} (retrying in {failure.retry_in:.0f} s)"
    record_failure(operator, kind, namespace, name, failure.reason, message, failure.announce)
