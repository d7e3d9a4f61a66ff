"""Cache keys and entries, shared by every layer."""

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from testforge.domain.errors import TestForgeError
from testforge.llm.port import Prompt
from testforge.llm.usage import Usage

KEY_VERSION = 1  # bump when the key recipe or the entry format changes


@dataclass(frozen=True)
class CacheKey:
    """`digest` names one exact prompt; `scope` everything but the question, which a semantic
    neighbour must share exactly (same model, task, instructions, material and schema)."""

    digest: str
    scope: str
    text: str
    reusable: bool


class CacheEntry(BaseModel):
    """A validated answer (the tool input as the model gave it) and what it cost to get."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    answer: dict[str, Any]
    model: str
    usage: Usage
    created_at: float = Field(default_factory=time.time)


def _sha256(value: object) -> str:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def cache_key(prompt: Prompt[Any], model: str) -> CacheKey:
    scope = {
        "v": KEY_VERSION,
        "model": model,
        "task": prompt.task,
        "tool": prompt.tool,
        "schema": prompt.schema.model_json_schema(),
        "system": prompt.system,
        "context": prompt.context,
        "max_tokens": prompt.max_tokens,
    }
    return CacheKey(
        digest=_sha256({**scope, "question": prompt.question}),
        scope=_sha256(scope),
        text=prompt.question,
        reusable=prompt.reusable,
    )


class CacheUnavailableError(TestForgeError):
    """A cache layer could not be read or written; the cache treats it as a miss."""


class CacheLayer(Protocol):
    name: str
    reusable_only: bool

    def get(self, key: CacheKey) -> CacheEntry | None: ...

    def put(self, key: CacheKey, entry: CacheEntry) -> None: ...
