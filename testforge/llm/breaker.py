"""A circuit breaker: after repeated failed calls, stop calling for a while.

Closed: calls go through and consecutive failures are counted. Open: calls are refused until the
cool-down has passed. Half-open: one trial call is let through; success closes the breaker, failure
opens it again. A permanent failure (a rejected key) opens it for good: waiting will not fix it.
"""

import threading
import time
from collections.abc import Callable
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(
        self, threshold: int, cooldown_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._threshold = threshold
        self._cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._permanent = False
        self._trial_in_flight = False
        self.reason: str | None = None

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state()

    def _state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._permanent or self._clock() - self._opened_at < self._cooldown_s:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    def allow(self) -> bool:
        """Whether a call may go out now; in half-open state only one trial at a time."""
        with self._lock:
            state = self._state()
            if state is BreakerState.CLOSED:
                return True
            if state is BreakerState.HALF_OPEN and not self._trial_in_flight:
                self._trial_in_flight = True
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            self._failures, self._opened_at, self._trial_in_flight = 0, None, False
            self.reason = None

    def record_failure(self, reason: str, *, permanent: bool = False) -> bool:
        """Count a failed call; True when this failure opened (or re-opened) the breaker."""
        with self._lock:
            self._failures += 1
            trial_failed = self._trial_in_flight
            self._trial_in_flight = False
            if permanent or trial_failed or self._failures >= self._threshold:
                was_open = self._opened_at is not None and not trial_failed
                self._opened_at = self._clock()
                self._permanent = self._permanent or permanent
                self.reason = reason
                return not was_open
            return False
