"""Running a sandbox Job's container command on this machine: the real runner, real Chromium.

The Job's own command and environment are used (secrets resolved the way the kubelet would),
with the paths that only exist in a pod (the spec mount, the store volume, the termination log)
pointed at local folders.
"""

import base64
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from testforge.cluster.adapters.kube import ClientKube
from testforge.contracts.sandbox import SPEC_DIR, SPEC_FILE, RunnerEnv, RunnerSpec
from testforge.settings import BrowserSettings

from .harness import Outcome


class LocalWork:
    def __init__(self, kube: ClientKube, store_root: Path, chromium: str) -> None:
        self.kube, self.store_root, self.chromium = kube, store_root, chromium

    def _env(self, namespace: str, container: dict[str, Any]) -> dict[str, str]:
        env: dict[str, str] = {}
        for item in container.get("env", []):
            if "value" in item:
                env[item["name"]] = item["value"]
                continue
            ref = item["valueFrom"]["secretKeyRef"]
            secret = self.kube.get("Secret", namespace, ref["name"])
            if secret is None:
                raise RuntimeError(f"CreateContainerConfigError: secret {ref['name']} not found")
            env[item["name"]] = base64.b64decode(secret["data"][ref["key"]]).decode()
        return env

    def __call__(self, job: dict[str, Any], spec: RunnerSpec) -> Outcome:
        container = job["spec"]["template"]["spec"]["containers"][0]
        deadline = job["spec"].get("activeDeadlineSeconds", 1800)
        with tempfile.TemporaryDirectory(prefix="testforge-pod-") as tmp:
            work = Path(tmp)
            (work / SPEC_FILE).write_text(spec.model_dump_json(), encoding="utf-8")
            termination = work / "termination-log"
            env = {
                **os.environ,
                **self._env(job["metadata"]["namespace"], container),
                **RunnerEnv(store_root=self.store_root, termination_log=termination).to_env(),
                **BrowserSettings(chromium=Path(self.chromium)).to_env(),
                "HOME": tmp,
                "TMPDIR": tmp,
            }
            command = [
                sys.executable if part == "python" else part for part in container["command"]
            ]
            args = [
                str(work / SPEC_FILE) if a == str(SPEC_DIR / SPEC_FILE) else a
                for a in container["args"]
            ]
            try:
                done = subprocess.run(
                    [*command, *args],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=deadline,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                return Outcome(137, "", reason="DeadlineExceeded")
            message = termination.read_text() if termination.is_file() else done.stderr[-2000:]
            return Outcome(done.returncode, message)
