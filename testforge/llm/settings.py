"""LLM settings, read once from the environment (prefix TESTFORGE_LLM_, plus ANTHROPIC_API_KEY).

The API key is a SecretStr: it never appears in a repr, a log line or an artifact.
"""

from enum import StrEnum
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from testforge.domain.errors import ConfigurationError
from testforge.llm.pricing import DEFAULT_PRICES, Price

DEFAULT_MODEL = "claude-sonnet-4-6"


class LLMMode(StrEnum):
    AUTO = "auto"
    CLAUDE = "claude"
    OFFLINE = "offline"


def _default_state_dir() -> Path:
    return Path.home() / ".cache" / "testforge"


class LLMSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TESTFORGE_LLM_", extra="ignore", populate_by_name=True
    )

    mode: LLMMode = LLMMode.AUTO
    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TESTFORGE_LLM_API_KEY", "ANTHROPIC_API_KEY")
    )
    api_key_file: Path | None = Field(
        default=None, description="A file holding the key (a mounted Kubernetes Secret)"
    )
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("TESTFORGE_LLM_BASE_URL", "ANTHROPIC_BASE_URL")
    )
    model: str = DEFAULT_MODEL

    # Resilience: one retry mechanism (ours), so the SDK's own retries are switched off.
    timeout_s: float = Field(default=120.0, gt=0)
    max_attempts: int = Field(default=4, ge=1, le=10)
    backoff_initial_s: float = Field(default=0.5, ge=0)
    backoff_max_s: float = Field(default=20.0, ge=0)
    breaker_threshold: int = Field(default=3, ge=1)
    breaker_cooldown_s: float = Field(default=60.0, ge=0)
    concurrency: int = Field(default=4, ge=1, le=32)

    # Cost control, in tokens of every kind (input, cache read and write, output).
    run_token_budget: int | None = Field(default=1_000_000, ge=1)
    daily_token_budget: int | None = Field(default=10_000_000, ge=1)
    budget_alert_ratio: float = Field(default=0.8, gt=0, le=1)
    prices: dict[str, Price] = Field(default_factory=lambda: dict(DEFAULT_PRICES))

    # Token cache: L1 in memory, L2 Redis when a URL is given, L3 semantic when a path is given.
    l1_size: int = Field(default=10_000, ge=0)
    l1_ttl_s: float = Field(default=3600.0, gt=0)
    redis_url: SecretStr | None = None
    l2_ttl_s: int = Field(default=86_400, ge=1)
    semantic_path: str | None = Field(
        default=None, description="qdrant-client local path, or ':memory:'; unset disables L3"
    )
    semantic_threshold: float = Field(default=0.95, gt=0, le=1)
    semantic_ttl_s: int = Field(default=7 * 86_400, ge=1)

    state_dir: Path = Field(default_factory=_default_state_dir)

    @field_validator("api_key", mode="before")
    @classmethod
    def _blank_key_is_no_key(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def resolved_api_key(self) -> SecretStr | None:
        """The key from the environment, else from `api_key_file`; None when neither is set."""
        if self.api_key is not None:
            return self.api_key
        if self.api_key_file is None:
            return None
        try:
            text = self.api_key_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read the Anthropic API key file {self.api_key_file}: {exc.strerror}",
                fix="point TESTFORGE_LLM_API_KEY_FILE at a readable file holding only the key",
            ) from exc
        return SecretStr(text) if text else None
