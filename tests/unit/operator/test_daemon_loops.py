"""The daemons' reconcile loop: a failed pass (a 403 while RBAC rolls out, an API server error)
is reported and retried, never the end of the loop; Kopf would not restart a daemon that
exited. Driven by wake-ups and a stop flag, never by the clock."""

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import kopf
import pytest

from controllers import testrun
from controllers.process import Controllers, call
from testforge.cluster.adapters.kube import KubeError
from testforge.cluster.builders.manifests import SandboxConfig
from testforge.cluster.control.controller import (
    HealingController,
    Operator,
    ProjectController,
    RunController,
)
from testforge.cluster.control.loops import DONE, Failure, Outcome, follow
from testforge.cluster.control.wakeups import Key, Wakeups
from testforge.domain.crd import API_VERSION
from testforge.storage.local import LocalStore

from .fakes import FakeKube

NS = "testforge-system"
NOW = datetime(2026, 1, 1, 12, 0, 5, tzinfo=UTC)
KEY: Key = ("TestRun", NS, "r")
# Kopf types the decorated handler as DaemonFn (every kwarg Kopf passes); called by hand here.
follow_run = cast(Callable[..., Coroutine[Any, Any, None]], testrun.follow_run)


def _forbidden() -> KubeError:
    return KubeError(
        f"GET /apis/testforge.io/v1alpha1/namespaces/{NS}/testruns/r answered 403 Forbidden",
        403,
        "Forbidden",
    )


class _Stop:
    """A daemon's stop flag, as kopf.DaemonStopped behaves for an async daemon."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    def __bool__(self) -> bool:
        return self._event.is_set()

    async def wait(self) -> bool:
        return await self._event.wait()


class _Steps:
    """A step that raises or returns the scripted outcomes in turn."""

    def __init__(self, *script: Outcome | Exception) -> None:
        self.script = list(script)
        self.calls = 0

    async def __call__(self) -> Outcome:
        self.calls += 1
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


async def test_a_forbidden_pass_is_reported_and_retried_instead_of_ending_the_loop() -> None:
    wakeups, stop = Wakeups(), _Stop()
    steps = _Steps(_forbidden(), DONE)
    reported: list[Failure] = []
    failed = asyncio.Event()

    async def report(failure: Failure) -> None:
        reported.append(failure)
        failed.set()

    loop = asyncio.create_task(follow(KEY, steps, report, wakeups, stop))
    await failed.wait()
    assert not loop.done()  # waiting to retry, not finished
    wakeups.wake(KEY)  # e.g. a Job event: the retry comes before the backoff ends
    await loop
    assert steps.calls == 2
    assert [(f.reason, f.retry_in, f.announce) for f in reported] == [("Forbidden", 5.0, True)]
    assert "403" in reported[0].message


async def test_failures_in_a_row_back_off_and_announce_once_until_the_reason_changes() -> None:
    wakeups, stop = Wakeups(), _Stop()
    server_error = KubeError("POST .../jobs answered 500", 500, "Internal Server Error")
    steps = _Steps(_forbidden(), _forbidden(), _forbidden(), server_error, 0, _forbidden(), DONE)
    reported: list[Failure] = []

    async def report(failure: Failure) -> None:
        reported.append(failure)
        wakeups.wake(KEY)  # retry at once: the backoff itself is what is asserted

    await follow(KEY, steps, report, wakeups, stop)
    assert [(f.reason, f.retry_in, f.announce) for f in reported] == [
        ("Forbidden", 5.0, True),
        ("Forbidden", 10.0, False),
        ("Forbidden", 20.0, False),
        ("KubernetesApi500", 40.0, True),
        ("Forbidden", 5.0, True),  # a pass succeeded in between: a new streak
    ]


async def test_a_stop_during_the_backoff_ends_the_loop_without_another_pass() -> None:
    wakeups, stop = Wakeups(), _Stop()
    steps = _Steps(_forbidden())

    async def report(failure: Failure) -> None:
        stop.set()

    await follow(KEY, steps, report, wakeups, stop)
    assert steps.calls == 1


async def test_an_unexpected_exception_is_left_to_kopfs_own_retry() -> None:
    steps = _Steps(RuntimeError("a bug"))

    async def report(failure: Failure) -> None:
        raise AssertionError("a bug is not reported as a resource failure")

    with pytest.raises(RuntimeError):
        await follow(KEY, steps, report, Wakeups(), _Stop())


class _RolloutKube(FakeKube):
    """The first read of the TestRun answers 403, as before the operator's Role is applied;
    `on_patch` sees every status write (called from the reconcile threads)."""

    def __init__(self, on_patch: Callable[[dict[str, Any]], None]) -> None:
        super().__init__()
        self.on_patch = on_patch
        self.forbidden_once = True
        self.reads = 0

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        if kind == "TestRun":
            self.reads += 1
            if self.forbidden_once:
                self.forbidden_once = False
                raise _forbidden()
        return super().get(kind, namespace, name)

    def patch_status(
        self, kind: str, namespace: str, name: str, status: dict[str, Any]
    ) -> dict[str, Any]:
        patched = super().patch_status(kind, namespace, name, status)
        self.on_patch(patched["status"])
        return patched


def _ready(status: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in status["conditions"] if c["type"] == "Ready")


async def _until(event: asyncio.Event, daemon: asyncio.Task[None]) -> None:
    """Wait for `event`, or fail at once if the daemon ends first (the defect under test)."""
    waiter = asyncio.ensure_future(event.wait())
    await asyncio.wait({waiter, daemon}, return_when=asyncio.FIRST_COMPLETED)
    if not waiter.done():
        waiter.cancel()
        daemon.result()  # its exception, if it raised one
        raise AssertionError("the daemon exited while its run still needed reconciling")


async def test_the_run_daemon_survives_a_403_reports_it_and_reconciles_after(
    tmp_path: Path,
) -> None:
    loop = asyncio.get_running_loop()
    reasons: list[str] = []
    forbidden, reconciled = asyncio.Event(), asyncio.Event()

    def on_patch(status: dict[str, Any]) -> None:
        reasons.append(_ready(status)["reason"])
        done = forbidden if status.get("phase") is None else reconciled
        loop.call_soon_threadsafe(done.set)

    kube = _RolloutKube(on_patch)
    kube.add(
        {
            "apiVersion": API_VERSION,
            "kind": "TestRun",
            "metadata": {"name": "r", "namespace": NS},
            "spec": {"projectRef": {"name": "shop"}},
        }
    )
    op = Operator(
        kube=kube,
        store=LocalStore(tmp_path),
        sandbox=SandboxConfig(store_claim=None),
        designers={},
        clock=lambda: NOW,
    )
    memo = kopf.Memo()
    memo["testforge"] = Controllers(
        operator=op,
        runs=RunController(op),
        projects=ProjectController(op),
        healing=HealingController(op),
    )
    wakeups = memo["testforge"].wakeups
    stop = _Stop()

    daemon = asyncio.create_task(
        follow_run(
            name="r",
            namespace=NS,
            spec={"projectRef": {"name": "shop"}},
            memo=memo,
            retry=0,
            stopped=cast(kopf.DaemonStopped, stop),
        )
    )
    await _until(forbidden, daemon)
    wakeups.wake(KEY)  # the retry, without waiting out the backoff
    await _until(reconciled, daemon)
    stop.set()
    await daemon  # returns: it neither raised nor ended on the 403

    assert kube.reads == 3  # the failed pass, the failure record, the retried pass
    assert reasons == ["Forbidden", "ProjectNotFound"]
    assert ("r", "Warning", "Forbidden") in kube.events
    status = kube.objects[("TestRun", NS, "r")]["status"]
    assert status["phase"] == "Pending" and _ready(status)["reason"] == "ProjectNotFound"


@pytest.mark.parametrize("status", [401, 403])
async def test_an_event_handler_retries_a_forbidden_pass_later(tmp_path: Path, status: int) -> None:
    """The HealingRequest handlers go through `call`: a 403 while the Role rolls out (or a 401
    while a token rotates) must come back later, not end the handler for good."""
    kube = FakeKube()
    op = Operator(kube=kube, store=LocalStore(tmp_path), sandbox=SandboxConfig(), designers={})
    memo = kopf.Memo()
    memo["testforge"] = Controllers(
        operator=op,
        runs=RunController(op),
        projects=ProjectController(op),
        healing=HealingController(op),
    )

    def forbidden(namespace: str, name: str) -> None:
        raise KubeError("GET …/healingrequests/h answered", status, "Forbidden")

    with pytest.raises(kopf.TemporaryError) as raised:
        await call(memo, "HealingRequest", NS, "h", forbidden, retry=2)
    assert raised.value.delay == 20
