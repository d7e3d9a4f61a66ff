"""The gateway: the LLMProvider every service talks to, and where cost and failure are handled.

For each prompt, in order: the token cache (an answer already paid for), the budget (would this
call overspend the run or the day?), the circuit breaker (is Claude failing?), then Claude, with
one re-ask when the answer is invalid. Whenever Claude cannot give a usable answer the offline
provider answers instead and the reason is recorded: a run never crashes because of the LLM.
"""

import threading
from typing import Any

import structlog
from pydantic import BaseModel, ConfigDict, Field

from testforge.llm.breaker import BreakerState, CircuitBreaker
from testforge.llm.budget import TokenBudget
from testforge.llm.cache.entry import CacheEntry, cache_key
from testforge.llm.cache.tiered import LayerStats, TokenCache
from testforge.llm.offline import OfflineProvider
from testforge.llm.port import (
    Correction,
    InvalidAnswerError,
    LLMProvider,
    Prompt,
    ProviderUnavailableError,
    Reply,
    T,
    validated,
)
from testforge.llm.pricing import Price, cost_usd
from testforge.llm.usage import NO_USAGE, Usage

log = structlog.get_logger(__name__)


class TaskUsage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    """Answers per source: `llm_calls` billed answers (valid or not), `cached` from the token
    cache, `offline` from the offline provider, `failed` calls Claude could not answer."""

    llm_calls: int = 0
    cached: int = 0
    offline: int = 0
    failed: int = 0
    usage: Usage = NO_USAGE


class LLMReport(BaseModel):
    """What the LLM did in a run and what it cost; written next to the run's other artifacts."""

    model_config = ConfigDict(extra="forbid")

    provider: str
    model: str | None
    usage: Usage = NO_USAGE
    cost_usd: float | None = 0.0
    saved_usd: float | None = 0.0
    tasks: dict[str, TaskUsage] = Field(default_factory=dict)
    cache: dict[str, LayerStats] = Field(default_factory=dict)
    breaker: str = BreakerState.CLOSED.value
    run_token_budget: int | None = None
    notes: list[str] = Field(default_factory=list)


class Gateway:
    """An LLMProvider over a primary provider (Claude), with the offline provider as fallback."""

    def __init__(
        self,
        primary: LLMProvider | None,
        model: str | None,
        *,
        budget: TokenBudget,
        breaker: CircuitBreaker,
        cache: TokenCache | None = None,
        prices: dict[str, Price] | None = None,
        fallback: LLMProvider | None = None,
        offline_reason: str | None = None,
    ) -> None:
        self.primary = primary
        self.model = model
        self.name = primary.name if primary else "offline"
        self.offline_reason = offline_reason
        self._budget = budget
        self._breaker = breaker
        self._cache = cache
        self._prices = prices or {}
        self._fallback = fallback or OfflineProvider()
        self._lock = threading.Lock()
        self._tasks: dict[str, TaskUsage] = {}
        self._notes: list[str] = []
        self._exhausted: str | None = None

    # ---- the port ----------------------------------------------------------------------------

    def ask(self, prompt: Prompt[T], correction: Correction | None = None) -> Reply[T]:
        if self.primary is None or self.model is None:
            return self._offline(prompt, None)
        key = cache_key(prompt, self.model)
        if self._cache is not None and correction is None:  # a correction is a new exchange
            found: list[T] = []

            def usable(entry: CacheEntry) -> bool:
                value = self._usable(prompt, entry.answer)
                found[:] = [value] if value is not None else []
                return value is not None

            hit = self._cache.get(key, usable)
            if hit is not None:
                self._count(prompt.task, cached=1)
                return Reply(
                    value=found[0], provider=self.name, model=hit.entry.model,
                    raw=hit.entry.answer, cache=hit.layer,
                )
        reply = self._ask_primary(prompt, self.primary, correction)
        if reply.from_llm and self._cache is not None:
            entry = CacheEntry(answer=reply.raw, model=reply.model or self.model, usage=reply.usage)
            self._cache.put(key, entry)
        return reply

    # ---- Claude, with one re-ask -------------------------------------------------------------

    def _ask_primary(
        self, prompt: Prompt[T], primary: LLMProvider, correction: Correction | None = None
    ) -> Reply[T]:
        spent = NO_USAGE
        problems: list[str] = []
        estimate = prompt.estimated_input_tokens + prompt.max_tokens
        for attempt in (1, 2):
            refusal = self._admit(estimate)
            if refusal:
                return self._offline(prompt, refusal, spent)
            try:
                reply = primary.ask(prompt, correction)
            except InvalidAnswerError as exc:
                self._breaker.record_success()  # the API works; the answer did not
                spent += exc.usage
                self._settle(prompt.task, estimate, exc.usage)
                problems, answer, call_id = exc.problems, exc.answer, exc.tool_use_id
            except ProviderUnavailableError as exc:
                self._settle(prompt.task, estimate, exc.usage)
                self._count(prompt.task, failed=1)
                if self._breaker.record_failure(exc.problem, permanent=exc.permanent):
                    self._note(f"circuit breaker opened: {exc.problem}")
                    log.warning("llm.breaker_opened", reason=exc.problem, permanent=exc.permanent)
                return self._offline(prompt, exc.problem, spent)
            else:
                self._breaker.record_success()
                spent += reply.usage
                self._settle(prompt.task, estimate, reply.usage)
                problems = prompt.check(reply.value)
                if not problems:
                    return Reply(
                        value=reply.value, provider=reply.provider, model=reply.model,
                        usage=spent, raw=reply.raw, call_id=reply.call_id,
                    )
                answer, call_id = reply.raw, reply.call_id or "toolu_previous"
            log.warning(
                "llm.invalid_answer", task=prompt.task, attempt=attempt, problems=problems[:5]
            )
            correction = Correction(answer=answer, problems=problems, tool_use_id=call_id)
        return self._offline(prompt, f"invalid answer twice ({problems[0]})", spent)

    def _admit(self, estimate: int) -> str | None:
        """Why Claude may not be called now, or None (and then `estimate` is reserved)."""
        if self._exhausted:
            return self._exhausted
        verdict = self._budget.reserve(estimate)
        if not verdict.allowed:
            # Sticky: once a budget would be exceeded the rest of the run is offline, so a run
            # never ends up half-designed by whichever calls happened to be small enough.
            self._exhausted = f"budget: {verdict.reason}"
            self._note(f"finishing on the offline provider: {verdict.reason}")
            log.warning("llm.budget_exhausted", reason=verdict.reason)
            return self._exhausted
        if not self._breaker.allow():
            self._budget.settle(estimate, 0)
            return f"circuit open: {self._breaker.reason}"
        return None

    def _usable(self, prompt: Prompt[T], answer: dict[str, Any]) -> T | None:
        value, problems = validated(prompt.schema, answer)
        if value is None or problems or prompt.check(value):
            return None
        return value

    def _offline(self, prompt: Prompt[T], reason: str | None, spent: Usage = NO_USAGE) -> Reply[T]:
        reply = self._fallback.ask(prompt)
        self._count(prompt.task, offline=1)
        if reason and self.primary is not None:
            self._note(f"{prompt.task}: answered offline ({reason})")
        return Reply(
            value=reply.value, provider=reply.provider, usage=spent,
            note=reason or self.offline_reason,
        )

    # ---- accounting --------------------------------------------------------------------------

    def _settle(self, task: str, reserved: int, usage: Usage) -> None:
        if usage.total_tokens:
            self._count(task, llm_calls=1, usage=usage)
        for alert in self._budget.settle(reserved, usage.total_tokens):
            self._note(f"alert: {alert}")

    def _count(
        self, task: str, llm_calls: int = 0, cached: int = 0, offline: int = 0, failed: int = 0,
        usage: Usage = NO_USAGE,
    ) -> None:
        with self._lock:
            old = self._tasks.get(task, TaskUsage())
            self._tasks[task] = TaskUsage(
                llm_calls=old.llm_calls + llm_calls, cached=old.cached + cached,
                offline=old.offline + offline, failed=old.failed + failed,
                usage=old.usage + usage,
            )

    def _note(self, note: str) -> None:
        with self._lock:
            if note not in self._notes:
                self._notes.append(note)

    @property
    def notes(self) -> list[str]:
        with self._lock:
            return list(self._notes)

    def report(self) -> LLMReport:
        with self._lock:
            tasks = dict(self._tasks)
            notes = list(self._notes)
        usage = sum((t.usage for t in tasks.values()), NO_USAGE)
        cache = dict(self._cache.stats) if self._cache else {}
        saved = sum((s.saved for s in cache.values()), NO_USAGE)
        model = self.model if self.primary else None
        return LLMReport(
            provider=self.name,
            model=model,
            usage=usage,
            cost_usd=cost_usd(usage, model, self._prices) if model else 0.0,
            saved_usd=cost_usd(saved, model, self._prices) if model else 0.0,
            tasks=tasks,
            cache=cache,
            breaker=self._breaker.state.value,
            run_token_budget=self._budget.per_run,
            notes=notes,
        )
