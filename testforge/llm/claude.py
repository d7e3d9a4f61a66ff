"""The Claude adapter of the LLMProvider port: the official `anthropic` SDK's Messages API.

Structured output goes through a forced tool call whose input schema is the prompt's pydantic
model; the stable parts (system prompt, shared context) carry `cache_control` so repeated calls
read them from Anthropic's prompt cache. Transient failures (429, 5xx, 529 overloaded,
timeouts, dropped connections) are retried here with exponential backoff and full jitter,
honouring `retry-after`; the SDK's own retries are off so there is one retry policy, not two.
"""

import random
from dataclasses import dataclass
from typing import Any, cast

import anthropic
import structlog
from anthropic.types import (
    CacheControlEphemeralParam,
    Message,
    MessageParam,
    TextBlockParam,
    ToolChoiceToolParam,
    ToolParam,
    ToolResultBlockParam,
    ToolUseBlock,
)
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

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

log = structlog.get_logger(__name__)
_EPHEMERAL: CacheControlEphemeralParam = {"type": "ephemeral"}
_RETRYABLE_STATUS = frozenset({408, 409, 429})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    initial_s: float = 0.5
    max_s: float = 20.0


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, anthropic.APIConnectionError):  # includes timeouts
        return True
    if isinstance(exc, anthropic.APIStatusError):
        return exc.status_code in _RETRYABLE_STATUS or exc.status_code >= 500
    return False


def _retry_after(exc: BaseException | None) -> float | None:
    if not isinstance(exc, anthropic.APIStatusError):
        return None
    headers = exc.response.headers
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        if "retry-after" in headers:
            return float(headers["retry-after"])
    except ValueError:
        return None  # an HTTP date: rare from this API, and backoff is a safe answer to it
    return None


class _Backoff:
    """Full-jitter exponential backoff, or the server's `retry-after` when it gives one."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._policy = policy

    def __call__(self, state: RetryCallState) -> float:
        told = _retry_after(state.outcome.exception() if state.outcome else None)
        if told is not None:
            return min(told, self._policy.max_s)
        ceiling = min(self._policy.max_s, self._policy.initial_s * 2 ** (state.attempt_number - 1))
        return random.uniform(0, ceiling)


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.warning(
        "llm.retry", provider="claude", attempt=state.attempt_number,
        error=type(exc).__name__, status=getattr(exc, "status_code", None),
    )


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with every `$ref` replaced by its definition: tool schemas read best flat."""
    definitions = schema.get("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return cast(dict[str, Any], resolve(schema))


def _messages(prompt: Prompt[Any], correction: Correction | None) -> list[MessageParam]:
    content: list[TextBlockParam] = []
    if prompt.context:
        content.append({"type": "text", "text": prompt.context, "cache_control": _EPHEMERAL})
    content.append({"type": "text", "text": prompt.question})
    messages: list[MessageParam] = [{"role": "user", "content": content}]
    if correction is not None:
        result: ToolResultBlockParam = {
            "type": "tool_result",
            "tool_use_id": correction.tool_use_id,
            "is_error": True,
            "content": "Your answer cannot be used:\n"
            + "\n".join(f"- {p}" for p in correction.problems)
            + f"\nCall {prompt.tool} again with a complete, corrected answer.",
        }
        messages += [
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "tool_use", "id": correction.tool_use_id, "name": prompt.tool,
                        "input": correction.answer,
                    }
                ],
            },
            {"role": "user", "content": [result]},
        ]
    return messages


def _usage(message: Message) -> Usage:
    u = message.usage
    return Usage(
        input_tokens=u.input_tokens,
        output_tokens=u.output_tokens,
        cache_read_tokens=u.cache_read_input_tokens or 0,
        cache_write_tokens=u.cache_creation_input_tokens or 0,
    )


class ClaudeProvider:
    name = "claude"

    def __init__(
        self, client: anthropic.Anthropic, model: str, retry: RetryPolicy | None = None
    ) -> None:
        self._client = client
        self.model = model
        self._retry = retry or RetryPolicy()

    def ask(self, prompt: Prompt[T], correction: Correction | None = None) -> Reply[T]:
        message = self._send(prompt, correction)
        usage = _usage(message)
        block = next(
            (b for b in message.content if isinstance(b, ToolUseBlock) and b.name == prompt.tool),
            None,
        )
        if block is None:
            raise InvalidAnswerError([f"the answer did not call {prompt.tool}"], {}, usage, "")
        answer = block.input if isinstance(block.input, dict) else {}
        value, problems = validated(prompt.schema, answer)
        if message.stop_reason == "max_tokens":
            cut = f"the answer was cut off at {prompt.max_tokens} tokens: be more concise"
            problems = [cut, *problems]
        if value is None or problems:
            raise InvalidAnswerError(problems, answer, usage, block.id)
        return Reply(
            value=value, provider=self.name, model=message.model, usage=usage, raw=answer,
            call_id=block.id,
        )

    def _send(self, prompt: Prompt[Any], correction: Correction | None) -> Message:
        tool: ToolParam = {
            "name": prompt.tool,
            "description": prompt.tool_description,
            "input_schema": _inline_refs(prompt.schema.model_json_schema()),
        }
        choice: ToolChoiceToolParam = {"type": "tool", "name": prompt.tool}
        system: list[TextBlockParam] = [
            {"type": "text", "text": prompt.system, "cache_control": _EPHEMERAL}
        ]
        retrying = Retrying(
            stop=stop_after_attempt(self._retry.max_attempts),
            wait=_Backoff(self._retry),
            retry=retry_if_exception(is_transient),
            before_sleep=_log_retry,
            reraise=True,
        )
        try:
            return retrying(
                self._client.messages.create,
                model=self.model, max_tokens=prompt.max_tokens, system=system,
                tools=[tool], tool_choice=choice, messages=_messages(prompt, correction),
            )
        except anthropic.APIStatusError as exc:
            permanent = exc.status_code in {401, 403, 404}
            raise ProviderUnavailableError(
                f"Claude API answered {exc.status_code} ({_error_type(exc)})"
                + (f" after {self._retry.max_attempts} attempts" if is_transient(exc) else ""),
                permanent=permanent,
            ) from exc
        except anthropic.APIConnectionError as exc:
            what = "timed out" if isinstance(exc, anthropic.APITimeoutError) else "unreachable"
            raise ProviderUnavailableError(
                f"Claude API {what} after {self._retry.max_attempts} attempts"
            ) from exc
        except anthropic.AnthropicError as exc:
            raise ProviderUnavailableError(f"Claude API call failed: {type(exc).__name__}") from exc


def _error_type(exc: anthropic.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("type"), str):
            return str(error["type"])
    return type(exc).__name__
