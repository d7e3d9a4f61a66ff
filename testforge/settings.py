"""Settings for every entry point, read once from the environment (prefix TESTFORGE_)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from testforge.contracts.env import EnvContract

CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


class BrowserSettings(EnvContract):
    """How Chromium is found and started; shared by discovery, execution and healing, and
    handed to a suite's workers by the executor (`to_env()`)."""

    model_config = SettingsConfigDict(env_prefix="TESTFORGE_", extra="ignore")

    chromium: Path = Field(default=Path("/usr/bin/chromium"), description="Chromium executable")
    headless: bool = True
    extra_args: tuple[str, ...] = ()

    @property
    def args(self) -> list[str]:
        return [*CHROMIUM_FLAGS, *self.extra_args]


def _data_home() -> Path:
    import os

    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


class KnowledgeSettings(BaseSettings):
    """Where learned healing patterns live: a local Qdrant folder, or a Qdrant server."""

    model_config = SettingsConfigDict(env_prefix="TESTFORGE_KNOWLEDGE_", extra="ignore")

    path: Path = Field(default_factory=lambda: _data_home() / "testforge" / "knowledge")
    url: str | None = None
    api_key: str | None = Field(default=None, repr=False)
    tenant: str = "local"
    enabled: bool = True

