"""Counting requests and failures against limits, in Redis (shared by every replica) or in
memory (one process, for a workstation), through the `limits` library.

Every limit is a moving window: exact, so Retry-After says when a request will really pass
(a sliding-window counter is cheaper but its reset time can be off by most of a window, which
invites retry storms). Its cost is one timestamp per request in the window, a few hundred KB
for the largest plan's tenant. Lockouts stack windows ("10/minute;30/hour;100/day"): a
guesser who keeps failing exhausts a longer one and waits longer each time, the backoff.

A store that is away raises `limits.errors.StorageError`; the caller decides what that means
(api.services.abuse lets the request through).
"""

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from api.errors import TooManyRequestsError


def tiers(spec: str) -> tuple[RateLimitItem, ...]:
    """`"10/minute;30/hour"` as limit items; raises ValueError naming what is wrong."""
    try:
        return tuple(parse_many(spec))
    except ValueError as exc:
        raise ValueError(
            f"{spec!r} is not a rate: write e.g. '10/minute' or '10/minute;100/day'"
        ) from exc


@dataclass(frozen=True)
class Budget:
    """What is left of one limit after a request: the RateLimit-* response headers."""

    limit: int
    remaining: int
    reset_s: int
    window_s: int

    @property
    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_s),
            "RateLimit-Policy": f"{self.limit};w={self.window_s}",
        }


class Throttle:
    def __init__(self, storage_uri: str, *, namespace: str = "testforge") -> None:
        self._storage = storage_from_string(storage_uri, wrap_exceptions=True)
        self._windows = MovingWindowRateLimiter(self._storage)
        self._namespace = namespace

    def spend(self, rate: RateLimitItem, what: str, *identity: str) -> Budget:
        """Count one request; 429 when `rate` is used up (a refused request is not counted)."""
        key = (self._namespace, what, *identity)
        allowed = self._windows.hit(rate, *key)
        stats = self._windows.get_window_stats(rate, *key)
        budget = Budget(
            limit=rate.amount,
            remaining=max(0, stats.remaining),
            reset_s=_seconds_until(stats.reset_time),
            window_s=rate.get_expiry(),
        )
        if not allowed:
            wait = str(max(1, budget.reset_s))
            raise TooManyRequestsError(
                f"Too many requests: the limit of {rate.amount} per {_window(rate)} for this "
                f"{what} is used up.",
                f"Retry after {wait} s, or ask for a larger plan.",
                headers={**budget.headers, "Retry-After": wait},
            )
        return budget

    def refuse_if_locked(
        self,
        lockout: tuple[RateLimitItem, ...],
        what: str,
        *identity: str,
        whose: str = "from this address",
    ) -> None:
        """429 while any tier of `lockout` is full of failures for this identity."""
        key = (self._namespace, f"{what}-failures", *identity)
        full = [tier for tier in lockout if not self._windows.test(tier, *key)]
        if full:
            wait = max(
                1,
                *(
                    _seconds_until(self._windows.get_window_stats(tier, *key).reset_time)
                    for tier in full
                ),
            )
            raise TooManyRequestsError(
                f"Too many failed {what} attempts {whose}.",
                f"Wait {wait} s before trying again; each further failure locks longer.",
                headers={"Retry-After": str(wait)},
            )

    def failed(self, lockout: tuple[RateLimitItem, ...], what: str, *identity: str) -> None:
        """Count a failed attempt in every tier."""
        key = (self._namespace, f"{what}-failures", *identity)
        for tier in lockout:
            self._windows.hit(tier, *key)

    def allows(self, rate: RateLimitItem, what: str, *identity: str) -> bool:
        """Count one occurrence and say whether it is within `rate`."""
        return self._windows.hit(rate, self._namespace, what, *identity)

    def ready(self) -> bool:
        return bool(self._storage.check())


def _seconds_until(moment: float) -> int:
    return max(0, math.ceil(moment - time.time()))


def _window(rate: RateLimitItem) -> str:
    seconds = rate.get_expiry()
    return {1: "second", 60: "minute", 3600: "hour", 86_400: "day"}.get(seconds, f"{seconds} s")
