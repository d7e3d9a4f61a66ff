"""Run-time settings of a generated suite, from the environment (the executor sets them)."""

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# The learned patterns the executor exports for the suite's workers (a JSON snapshot).
SNAPSHOT_ENV = "TESTFORGE_KNOWLEDGE_SNAPSHOT"


class RuntimeConfig(BaseSettings):
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
    password: SecretStr | None = None
    before_each: str | None = None  # a command that resets the application before every test
