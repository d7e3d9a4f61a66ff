"""The gateway: cache, budget, breaker and re-ask around the primary provider."""

from testforge.llm.budget import MemoryLedger
from testforge.llm.port import ProviderUnavailableError
from testforge.llm.usage import Usage
from tests.fakes.llm import ScriptedProvider
from tests.unit.llm.helpers import gateway, prompt


def test_a_valid_answer_is_returned_with_its_usage_and_counted() -> None:
    claude = ScriptedProvider({"text": "hello"})
    gw = gateway(claude)
    reply = gw.ask(prompt())
    assert (reply.value.text, reply.provider, reply.cache) == ("hello", "claude", None)
    assert reply.usage == Usage(input_tokens=100, output_tokens=20)
    report = gw.report()
    assert report.tasks["test"].llm_calls == 1
    assert report.usage.total_tokens == 120
    assert report.cost_usd is not None and report.cost_usd > 0


def test_the_same_prompt_twice_is_served_from_the_cache_at_no_cost() -> None:
    claude = ScriptedProvider({"text": "hello"})
    gw = gateway(claude)
    gw.ask(prompt())
    again = gw.ask(prompt())
    assert (again.value.text, again.cache, again.usage.total_tokens) == ("hello", "l1", 0)
    assert len(claude.calls) == 1
    assert gw.report().cache["l1"].saved.total_tokens == 120


def test_a_schema_invalid_answer_is_re_asked_once_with_its_problems() -> None:
    claude = ScriptedProvider({"wrong": 1}, {"text": "fixed"})
    reply = gateway(claude).ask(prompt())
    assert reply.value.text == "fixed"
    _, correction = claude.calls[1]
    assert correction is not None and correction.answer == {"wrong": 1}
    assert any("text" in p for p in correction.problems)
    assert reply.usage.total_tokens == 240  # both calls were billed


def test_an_answer_failing_the_prompts_check_is_re_asked_then_falls_back() -> None:
    claude = ScriptedProvider({"text": "bad"}, {"text": "bad"})
    gw = gateway(claude)
    reply = gw.ask(prompt(check_forbids="bad"))
    assert (reply.value.text, reply.provider) == ("offline", "offline")
    assert reply.note is not None and "invalid answer twice" in reply.note
    assert len(claude.calls) == 2
    assert any("answered offline" in n for n in gw.notes)


def test_an_invalid_answer_is_never_cached() -> None:
    claude = ScriptedProvider({"wrong": 1}, {"wrong": 2}, {"text": "good"})
    gw = gateway(claude)
    assert gw.ask(prompt()).provider == "offline"
    assert gw.ask(prompt()).value.text == "good"


def test_an_unavailable_provider_falls_back_to_offline_and_says_why() -> None:
    claude = ScriptedProvider(ProviderUnavailableError("Claude API answered 529"))
    reply = gateway(claude).ask(prompt())
    assert reply.provider == "offline"
    assert reply.note == "Claude API answered 529"


def test_the_breaker_opens_after_repeated_failures_and_stops_calling() -> None:
    claude = ScriptedProvider(*(ProviderUnavailableError("down") for _ in range(5)))
    gw = gateway(claude, threshold=2)
    replies = [gw.ask(prompt(f"q{n}")) for n in range(4)]
    assert [r.provider for r in replies] == ["offline"] * 4
    assert len(claude.calls) == 2
    assert replies[3].note == "circuit open: down"
    assert gw.report().breaker == "open"
    assert "circuit breaker opened: down" in gw.notes


def test_a_rejected_key_opens_the_breaker_at_once() -> None:
    claude = ScriptedProvider(ProviderUnavailableError("401", permanent=True), {"text": "x"})
    gw = gateway(claude, threshold=5)
    gw.ask(prompt("a"))
    assert gw.ask(prompt("b")).note == "circuit open: 401"
    assert len(claude.calls) == 1


def test_a_call_that_would_exceed_the_run_budget_finishes_the_run_offline() -> None:
    claude = ScriptedProvider({"text": "one"}, {"text": "two"})
    gw = gateway(claude, per_run=600)  # a call is estimated at ~410 tokens + max_tokens
    first = gw.ask(prompt("a", max_tokens=100))
    second = gw.ask(prompt("b", max_tokens=100))
    third = gw.ask(prompt("c", max_tokens=10))  # small enough, but the run is already offline
    assert first.provider == "claude"
    assert second.provider == third.provider == "offline"
    assert second.note is not None and "run's token budget would be exceeded" in second.note
    assert len(claude.calls) == 1
    assert any("finishing on the offline provider" in n for n in gw.notes)


def test_the_daily_budget_counts_tokens_spent_by_earlier_runs() -> None:
    ledger = MemoryLedger()
    gateway(ScriptedProvider({"text": "x"}), per_day=600, ledger=ledger).ask(prompt("a"))
    claude = ScriptedProvider({"text": "y"})
    reply = gateway(claude, per_day=600, ledger=ledger).ask(prompt("b"))
    assert reply.provider == "offline" and "today's token budget" in (reply.note or "")
    assert claude.calls == []


def test_crossing_the_alert_threshold_raises_one_alert() -> None:
    usage = Usage(input_tokens=1_000, output_tokens=200)
    claude = ScriptedProvider({"text": "a"}, {"text": "b"}, {"text": "c"}, usage=usage)
    gw = gateway(claude, per_run=4_000)
    for question in "abc":
        gw.ask(prompt(question, max_tokens=10))
    alerts = [n for n in gw.notes if n.startswith("alert:")]
    assert alerts == ["alert: run token budget 90% used (3,600 of 4,000 tokens)"]


def test_without_a_primary_every_answer_is_offline_and_free() -> None:
    gw = gateway(None)
    reply = gw.ask(prompt())
    assert (reply.provider, reply.usage.total_tokens) == ("offline", 0)
    assert gw.report().tasks["test"].offline == 1
