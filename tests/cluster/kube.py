"""Small helpers for tests against the real control plane: kubectl, retries, API errors."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

_T = TypeVar("_T")

KUBECTL_TIMEOUT_SECONDS = 120.0


class KubectlError(RuntimeError):
    """kubectl exited non-zero; the message carries its command line and stderr."""


@dataclass(frozen=True)
class InstalledManifests:
    """What `installed_manifests` applied (kubectl's `-o name` lines) and what was absent."""

    crds: tuple[str, ...]
    rbac: tuple[str, ...]
    absent: tuple[str, ...]


def find_kubectl() -> str | None:
    """The kubectl on PATH, if any."""
    return shutil.which("kubectl")


@dataclass(frozen=True)
class Kubectl:
    """kubectl bound to one kubeconfig."""

    kubeconfig: Path
    executable: str = "kubectl"

    def run(
        self, args: Sequence[str], *, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        argv = [self.executable, f"--kubeconfig={self.kubeconfig}", *args]
        result = subprocess.run(
            argv,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=KUBECTL_TIMEOUT_SECONDS,
            check=False,
        )
        if check and result.returncode != 0:
            raise KubectlError(
                f"{' '.join(argv)} exited with {result.returncode}:\n{result.stderr.strip()}"
            )
        return result

    def output(self, args: Sequence[str], *, stdin: str | None = None) -> str:
        return self.run(args, stdin=stdin).stdout


def eventually(
    probe: Callable[[], _T | None], *, timeout: float = 60.0, interval: float = 0.5, what: str
) -> _T:
    """Call `probe` until it returns something other than None (or False), then return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None and value is not False:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def api_status(call: Callable[[], Any]) -> int:
    """The HTTP status of a Kubernetes client call: 200 when it succeeds, else the error's."""
    from kubernetes.client.exceptions import ApiException

    try:
        call()
    except ApiException as error:
        return int(error.status)
    return 200
