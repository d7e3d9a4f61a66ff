"""The circuit breaker's states and the token budgets' arithmetic."""

from datetime import date
from pathlib import Path

from testforge.llm.breaker import BreakerState, CircuitBreaker
from testforge.llm.budget import FileLedger, MemoryLedger, TokenBudget


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_the_threshold_of_consecutive_failures() -> None:
    breaker = CircuitBreaker(threshold=3, cooldown_s=10, clock=Clock())
    assert not breaker.record_failure("x")
    breaker.record_success()  # a success resets the count
    breaker.record_failure("x")
    breaker.record_failure("x")
    assert breaker.allow()
    assert breaker.record_failure("overloaded")
    assert (breaker.state, breaker.reason, breaker.allow()) == (
        BreakerState.OPEN,
        "overloaded",
        False,
    )


def test_after_the_cool_down_one_trial_call_is_let_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=1, cooldown_s=10, clock=clock)
    breaker.record_failure("down")
    clock.now = 11
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow()
    assert not breaker.allow()  # only one trial at a time
    breaker.record_success()
    assert breaker.state.value == "closed"  # (mypy narrows the enum after the first assert)


def test_a_failed_trial_opens_the_breaker_again() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=1, cooldown_s=10, clock=clock)
    breaker.record_failure("down")
    clock.now = 11
    assert breaker.allow()
    assert breaker.record_failure("still down")
    assert breaker.state is BreakerState.OPEN


def test_a_permanent_failure_keeps_the_breaker_open_whatever_the_time() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=5, cooldown_s=10, clock=clock)
    breaker.record_failure("401", permanent=True)
    clock.now = 1_000
    assert not breaker.allow()


def test_the_run_budget_refuses_a_call_that_could_overspend_it() -> None:
    budget = TokenBudget(per_run=1_000, per_day=None, ledger=MemoryLedger())
    assert budget.reserve(1_000).allowed
    budget.settle(1_000, 600)
    verdict = budget.reserve(500)
    assert not verdict.allowed
    assert verdict.reason == (
        "the run's token budget would be exceeded (600 spent + ~500 needed > 1,000)"
    )


def test_calls_in_flight_hold_their_estimate_until_settled() -> None:
    budget = TokenBudget(per_run=1_000, per_day=None, ledger=MemoryLedger())
    assert budget.reserve(600).allowed
    assert not budget.reserve(600).allowed  # the first call has not settled yet
    budget.settle(600, 0)  # it failed: nothing spent, nothing held
    assert budget.reserve(600).allowed


def test_the_daily_budget_is_kept_per_utc_day() -> None:
    today = date(2026, 3, 1)
    ledger = MemoryLedger()
    budget = TokenBudget(None, per_day=1_000, ledger=ledger, today=lambda: today)
    budget.spend(900)
    assert not budget.reserve(200).allowed
    today = date(2026, 3, 2)
    assert budget.reserve(200).allowed


def test_each_budget_alerts_once_when_its_threshold_is_crossed() -> None:
    budget = TokenBudget(per_run=1_000, per_day=10_000, ledger=MemoryLedger(), alert_ratio=0.5)
    assert budget.spend(400) == []
    assert budget.spend(200) == ["run token budget 60% used (600 of 1,000 tokens)"]
    assert budget.spend(100) == []


def test_the_file_ledger_adds_up_across_instances_and_forgets_old_days(tmp_path: Path) -> None:
    path = tmp_path / "usage.json"
    FileLedger(path).add(date(2026, 1, 1), 5)
    FileLedger(path).add(date(2026, 3, 1), 10)
    assert FileLedger(path).add(date(2026, 3, 1), 7) == 17
    assert FileLedger(path).spent(date(2026, 3, 1)) == 17
    assert FileLedger(path).spent(date(2026, 1, 1)) == 0


def test_a_corrupt_ledger_file_restarts_the_count(tmp_path: Path) -> None:
    path = tmp_path / "usage.json"
    path.write_text("{not json")
    assert FileLedger(path).spent(date(2026, 3, 1)) == 0
    assert FileLedger(path).add(date(2026, 3, 1), 3) == 3
