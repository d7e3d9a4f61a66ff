"""A scripted LLMProvider for unit tests: answers, invalid answers and failures in order."""

from collections import deque
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from testforge.llm.port import (
    Correction,
    InvalidAnswerError,
    Prompt,
    ProviderUnavailableError,
    Reply,
    T,
    validated,
)
from testforge.llm.usage import Usage

Script = dict[str, Any] | BaseModel | Exception | Callable[[Prompt[Any]], dict[str, Any]]


class ScriptedProvider:
    """Each `ask` takes the next scripted item: a tool input (dict or model) to validate, a
    function of the prompt giving one, or an exception to raise. Records every call."""

    name = "claude"

    def __init__(
        self, *script: Script, usage: Usage | None = None, model: str = "fake-model"
    ) -> None:
        self.script: deque[Script] = deque(script)
        self.usage = usage or Usage(input_tokens=100, output_tokens=20)
        self.model = model
        self.calls: list[tuple[Prompt[Any], Correction | None]] = []

    def then(self, *script: Script) -> "ScriptedProvider":
        self.script.extend(script)
        return self

    def ask(self, prompt: Prompt[T], correction: Correction | None = None) -> Reply[T]:
        self.calls.append((prompt, correction))
        if not self.script:
            raise ProviderUnavailableError("the script is exhausted")
        item = self.script.popleft()
        if isinstance(item, Exception):
            raise item
        if callable(item):
            item = item(prompt)
        answer = item.model_dump(mode="json") if isinstance(item, BaseModel) else item
        value, problems = validated(prompt.schema, answer)
        if value is None:
            raise InvalidAnswerError(problems, answer, self.usage, f"toolu_{len(self.calls)}")
        return Reply(
            value=value,
            provider=self.name,
            model=self.model,
            usage=self.usage,
            raw=answer,
            call_id=f"toolu_{len(self.calls)}",
        )
