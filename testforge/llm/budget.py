"""Token budgets per run and per day, with an alert when a threshold is crossed.

A call is admitted with a worst-case estimate (the prompt plus `max_tokens` of output) that stays
reserved until the call is settled, so admitted calls, even concurrent ones, can never push a run
over its budget. The per-day count lives in a `UsageLedger` shared by every run on the machine (a
file) or the cluster (Redis); runs in other processes are seen once they have spent.
"""

import fcntl
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol

import structlog

log = structlog.get_logger(__name__)
KEEP_DAYS = 7


class UsageLedger(Protocol):
    """Tokens spent per UTC day, across runs."""

    def spent(self, day: date) -> int: ...

    def add(self, day: date, tokens: int) -> int: ...


class MemoryLedger:
    def __init__(self) -> None:
        self._days: dict[date, int] = {}

    def spent(self, day: date) -> int:
        return self._days.get(day, 0)

    def add(self, day: date, tokens: int) -> int:
        self._days[day] = self._days.get(day, 0) + tokens
        return self._days[day]


class FileLedger:
    """A JSON file of {day: tokens}; an exclusive lock keeps concurrent runs from losing counts."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def spent(self, day: date) -> int:
        try:
            days = json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return 0
        return int(days.get(day.isoformat(), 0)) if isinstance(days, dict) else 0

    def add(self, day: date, tokens: int) -> int:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._path.open("a+", encoding="utf-8") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            file.seek(0)
            try:
                days = json.loads(file.read() or "{}")
            except ValueError:
                days = {}  # a corrupt ledger restarts the count rather than blocking every run
            days = days if isinstance(days, dict) else {}
            days[day.isoformat()] = int(days.get(day.isoformat(), 0)) + tokens
            oldest = (day - timedelta(days=KEEP_DAYS)).isoformat()
            days = {d: n for d, n in days.items() if d >= oldest}
            file.seek(0)
            file.truncate()
            file.write(json.dumps(days, sort_keys=True))
            return int(days[day.isoformat()])


@dataclass(frozen=True)
class BudgetVerdict:
    allowed: bool
    reason: str | None = None


class TokenBudget:
    def __init__(
        self,
        per_run: int | None,
        per_day: int | None,
        ledger: UsageLedger,
        alert_ratio: float = 0.8,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self.per_run = per_run
        self.per_day = per_day
        self._ledger = ledger
        self._alert_ratio = alert_ratio
        self._today = today
        self._lock = threading.Lock()
        self.run_spent = 0
        self._reserved = 0
        self._alerted: set[str] = set()

    def reserve(self, estimate: int) -> BudgetVerdict:
        """Admit a call estimated at `estimate` tokens if it fits in both budgets, holding the
        estimate until `settle` so concurrent calls cannot overspend the run together."""
        with self._lock:
            committed = self.run_spent + self._reserved
            if self.per_run is not None and committed + estimate > self.per_run:
                return BudgetVerdict(
                    False,
                    f"the run's token budget would be exceeded ({committed:,} spent + "
                    f"~{estimate:,} needed > {self.per_run:,})",
                )
            if self.per_day is not None:
                spent = self._ledger.spent(self._today()) + self._reserved
                if spent + estimate > self.per_day:
                    return BudgetVerdict(
                        False,
                        f"today's token budget would be exceeded ({spent:,} spent + "
                        f"~{estimate:,} needed > {self.per_day:,})",
                    )
            self._reserved += estimate
            return BudgetVerdict(True)

    def settle(self, reserved: int, tokens: int) -> list[str]:
        """Release a reservation and record what the call really cost (0 if it failed)."""
        with self._lock:
            self._reserved = max(0, self._reserved - reserved)
        return self.spend(tokens) if tokens else []

    def spend(self, tokens: int) -> list[str]:
        """Record tokens; returns the alerts this spending raised (each budget alerts once)."""
        with self._lock:
            self.run_spent += tokens
            day_spent = self._ledger.add(self._today(), tokens) if tokens else 0
            alerts = []
            for name, spent, limit in (
                ("run", self.run_spent, self.per_run),
                ("daily", day_spent, self.per_day),
            ):
                if limit is None or name in self._alerted or spent < limit * self._alert_ratio:
                    continue
                self._alerted.add(name)
                alert = (
                    f"{name} token budget {spent / limit:.0%} used ({spent:,} of {limit:,} tokens)"
                )
                log.warning("llm.budget_alert", budget=name, spent=spent, limit=limit)
                alerts.append(alert)
            return alerts
