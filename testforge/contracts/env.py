"""Settings that cross a process boundary as environment variables: the writer calls `to_env()`,
the reader `from_env()`, and the variable names come from the one class, never spelled out."""

from enum import Enum
from pathlib import Path
from typing import Any, Self

from pydantic import SecretStr
from pydantic_core import to_json
from pydantic_settings import BaseSettings


def _wire(value: Any) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, str | int | float | Path):
        return str(value)
    return to_json(value).decode()  # lists, tuples, models: pydantic-settings reads JSON


class EnvContract(BaseSettings):
    """A settings class read from `{env_prefix}{FIELD}` variables (the prefix in model_config)."""

    @classmethod
    def env_name(cls, field: str) -> str:
        if field not in cls.model_fields:
            raise KeyError(f"{cls.__name__} has no setting {field!r}")
        return f"{cls.model_config.get('env_prefix', '')}{field}".upper()

    def to_env(self) -> dict[str, str]:
        """The variables that make `from_env()` read these settings back (unset ones left out)."""
        return {
            self.env_name(name): _wire(value)
            for name in type(self).model_fields
            if (value := getattr(self, name)) is not None
        }

    @classmethod
    def from_env(cls) -> Self:
        return cls()
