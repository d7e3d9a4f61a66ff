"""Small prompts and gateways for the LLM unit tests."""

from pydantic import BaseModel

from testforge.llm.breaker import CircuitBreaker
from testforge.llm.budget import MemoryLedger, TokenBudget
from testforge.llm.cache.memory import MemoryCache
from testforge.llm.cache.tiered import TokenCache
from testforge.llm.gateway import Gateway
from testforge.llm.port import LLMProvider, Prompt
from testforge.llm.pricing import Price


class Answer(BaseModel):
    text: str


def prompt(
    question: str = "what?",
    *,
    check_forbids: str | None = None,
    reusable: bool = False,
    max_tokens: int = 100,
) -> Prompt[Answer]:
    return Prompt(
        task="test",
        system="You answer.",
        context="shared material",
        question=question,
        schema=Answer,
        tool="answer",
        tool_description="Answer.",
        offline=lambda: Answer(text="offline"),
        check=lambda a: [f"text: {a.text!r} is forbidden"] if a.text == check_forbids else [],
        max_tokens=max_tokens,
        reusable=reusable,
    )


def gateway(
    primary: LLMProvider | None,
    *,
    per_run: int | None = 100_000,
    per_day: int | None = None,
    threshold: int = 2,
    cache: TokenCache | None = None,
    ledger: MemoryLedger | None = None,
) -> Gateway:
    return Gateway(
        primary,
        "fake-model",
        budget=TokenBudget(per_run, per_day, ledger or MemoryLedger(), 0.8),
        breaker=CircuitBreaker(threshold, cooldown_s=60),
        cache=cache if cache is not None else TokenCache([MemoryCache()]),
        prices={"fake-model": Price(input=3.0, output=15.0)},
    )
