"""The executor/runtime contract: the settings the executor hands a generated suite's pytest
processes (`to_env()`), which the suite's plugin reads back (`from_env()`)."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from testforge.contracts.env import EnvContract
from testforge.settings import BrowserSettings


class RuntimeConfig(EnvContract):
    model_config = SettingsConfigDict(env_prefix="TESTFORGE_", extra="ignore")

    base_url: str | None = None
    results_dir: Path | None = None
    artifacts_dir: Path | None = None
    attempt: int = 1
    test_timeout_s: float = 60.0
    action_timeout_s: float = 5.0  # an action or an assertion (Playwright's expect default)
    navigation_timeout_s: float = 30.0  # a page load (Playwright's navigation default)
    heal: bool = True
    trace: Literal["off", "retain-on-failure", "on"] = "retain-on-failure"
    username: str | None = None
    password: SecretStr | None = Field(default=None, repr=False)
    before_each: str | None = None  # a command that resets the application before every test
    # The learned patterns the executor exported for the suite's workers (a JSON snapshot).
    knowledge_snapshot: Path | None = None


def runtime_env(config: RuntimeConfig, browser: BrowserSettings) -> dict[str, str]:
    """Everything a suite's pytest process reads: its run settings and how to start Chromium."""
    return {**browser.to_env(), **config.to_env()}
