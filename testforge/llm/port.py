"""The LLMProvider port: a structured question in, a validated pydantic answer out.

A `Prompt` carries everything any adapter needs: the instructions and material for Claude, the
answer's schema, and the deterministic answer the offline adapter gives. Services build prompts;
they never know which adapter answers.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from testforge.domain.errors import TestForgeError
from testforge.llm.usage import NO_USAGE, Usage

T = TypeVar("T", bound=BaseModel)


def _no_problems(_: Any) -> list[str]:
    return []


@dataclass(frozen=True)
class Prompt(Generic[T]):
    """One question with a typed answer.

    `system` and `context` are the stable parts (prompt-cached by Claude, shared by many calls);
    `question` is what varies. `check` finds what the schema cannot (an unknown element key, a
    candidate that was not offered); its problems are sent back once for a corrected answer.
    `reusable` marks a question whose answer may be reused for a near-identical question
    (semantic cache): true only when a slightly different wording cannot change the right answer.
    """

    task: str
    system: str
    context: str
    question: str
    schema: type[T]
    tool: str
    tool_description: str
    offline: Callable[[], T]
    check: Callable[[T], list[str]] = field(default=_no_problems)
    max_tokens: int = 4096
    reusable: bool = False

    @property
    def estimated_input_tokens(self) -> int:
        """A conservative estimate (four characters a token) for budget checks before a call."""
        parts = (self.system, self.context, self.question, self.tool_description)
        chars = sum(len(part) for part in parts)
        return chars // 4 + 400  # the tool schema and message framing


@dataclass(frozen=True)
class Correction:
    """The previous answer and what was wrong with it, for the one re-ask a prompt gets."""

    answer: dict[str, Any]
    problems: list[str]
    tool_use_id: str = "toolu_previous"


@dataclass(frozen=True)
class Reply(Generic[T]):
    """An answer and where it came from. `usage` is what this answer billed (zero from a cache);
    `note` says why the offline provider answered instead of Claude."""

    value: T
    provider: str
    model: str | None = None
    usage: Usage = NO_USAGE
    raw: dict[str, Any] = field(default_factory=dict)
    call_id: str | None = None
    cache: str | None = None
    note: str | None = None

    @property
    def from_llm(self) -> bool:
        return self.provider != "offline"


class LLMProvider(Protocol):
    name: str

    def ask(self, prompt: Prompt[T], correction: Correction | None = None) -> Reply[T]: ...


class LLMError(TestForgeError):
    """Base of the LLM layer's errors; the gateway turns every one into an offline answer."""


class ProviderUnavailableError(LLMError):
    """The provider could not answer (network, timeouts, 429/5xx after retries, bad key).

    `permanent` errors (a rejected key, an unknown model) will not go away by waiting.
    """

    def __init__(self, problem: str, *, permanent: bool = False, usage: Usage = NO_USAGE) -> None:
        super().__init__(problem)
        self.permanent = permanent
        self.usage = usage


class InvalidAnswerError(LLMError):
    """The provider answered, but not in the promised shape; carries what it said and cost."""

    def __init__(
        self, problems: list[str], answer: dict[str, Any], usage: Usage, tool_use_id: str
    ) -> None:
        super().__init__("invalid answer: " + "; ".join(problems[:5]))
        self.problems = problems
        self.answer = answer
        self.usage = usage
        self.tool_use_id = tool_use_id


def validated(schema: type[T], data: object) -> tuple[T | None, list[str]]:
    """Validate `data` against `schema`; problems are readable lines a model can act on."""
    try:
        return schema.model_validate(data), []
    except ValidationError as exc:
        return None, [
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()[:20]
        ]
