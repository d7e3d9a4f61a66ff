"""The contracts between processes: what one side writes with `to_env()` the other reads back
with `from_env()`, names included, so neither side spells a variable by hand."""

import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from testforge.cluster.builders.manifests import Owner, SandboxConfig, sandbox_job
from testforge.contracts.runtime import RuntimeConfig, runtime_env
from testforge.contracts.sandbox import ExitCode, RunnerEnv, RunnerKind, RunnerSpec
from testforge.discovery.auth import Credentials
from testforge.domain.crd import ProjectAuth, SandboxSpec
from testforge.execution.local import ExecutionRequest
from testforge.execution.local import _env as executor_env
from testforge.settings import BrowserSettings

OWNER = Owner(kind="TestRun", name="r", uid="u-1", namespace="ns")


def _read_back(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name in [n for n in os.environ if n.startswith("TESTFORGE_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_the_runtime_settings_survive_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    config = RuntimeConfig(
        base_url="http://shop.test",
        results_dir=Path("/w/results/attempt-2"),
        artifacts_dir=Path("/w/artifacts"),
        attempt=2,
        test_timeout_s=12.5,
        heal=False,
        trace="on",
        username="ada",
        password=SecretStr("s3cret"),
        before_each="reset-db --fast",
        knowledge_snapshot=Path("/w/knowledge-snapshot.json"),
    )
    browser = BrowserSettings(chromium=Path("/opt/chromium"), extra_args=("--lang=fr",))
    _read_back(monkeypatch, runtime_env(config, browser))
    read = RuntimeConfig.from_env()
    assert read == config
    assert read.password is not None and read.password.get_secret_value() == "s3cret"
    assert BrowserSettings.from_env() == browser


def test_the_executor_hands_its_request_over_and_no_stale_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(RuntimeConfig.env_name("password"), "left-over-from-the-shell")
    monkeypatch.setenv(RuntimeConfig.env_name("before_each"), "rm -rf /data")
    request = ExecutionRequest(base_url="http://shop.test", retries=0, heal=False)
    env = executor_env(request, tmp_path, 1, BrowserSettings(chromium=Path("/opt/chromium")))
    _read_back(monkeypatch, env)
    read = RuntimeConfig.from_env()
    assert (read.base_url, read.heal, read.attempt) == ("http://shop.test", False, 1)
    assert read.results_dir == tmp_path / "results" / "attempt-1"
    assert read.password is None and read.before_each is None
    assert BrowserSettings.from_env().chromium == Path("/opt/chromium")


def test_credentials_reach_the_runtime(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    request = ExecutionRequest(base_url="http://shop.test", credentials=Credentials("ada", "pw"))
    _read_back(monkeypatch, executor_env(request, tmp_path, 1, BrowserSettings()))
    read = RuntimeConfig.from_env()
    assert read.username == "ada"
    assert read.password is not None and read.password.get_secret_value() == "pw"


def test_the_sandbox_job_sets_the_runners_environment_by_its_names() -> None:
    spec = RunnerSpec(kind=RunnerKind.EXECUTE, base_url="http://shop.test", output="runs/ns/r")
    auth = ProjectAuth.model_validate({"secretRef": {"name": "login"}})
    job = sandbox_job("r-0", OWNER, {}, spec, SandboxSpec(), SandboxConfig(), auth)
    pod = job["spec"]["template"]["spec"]
    env = {item["name"]: item for item in pod["containers"][0]["env"]}
    for field in RunnerEnv.model_fields:
        assert RunnerEnv.env_name(field) in env, field
    store = env[RunnerEnv.env_name("store_root")]["value"]
    mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
    assert mounts["store"] == store
    log = env[RunnerEnv.env_name("termination_log")]["value"]
    assert pod["containers"][0]["terminationMessagePath"] == log
    secret = env[RunnerEnv.env_name("password")]["valueFrom"]["secretKeyRef"]
    assert secret["name"] == "login"
    rules = job["spec"]["podFailurePolicy"]["rules"]
    assert any(ExitCode.PERMANENT in r.get("onExitCodes", {}).get("values", []) for r in rules)


def test_an_unknown_setting_name_is_an_error() -> None:
    with pytest.raises(KeyError, match="no setting 'user'"):
        RunnerEnv.env_name("user")
