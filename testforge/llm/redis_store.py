"""Redis adapters of the LLM layer: the L2 token cache and the per-day usage ledger.

Redis is shared by every run of a team or cluster, so a second run of the same project is served
from here even in a fresh process. Redis errors become `CacheUnavailableError`: a cache that is down
costs money, never a run.
"""

from datetime import date

import redis
import structlog
from pydantic import ValidationError

from testforge.llm.cache.entry import CacheEntry, CacheKey, CacheUnavailableError

log = structlog.get_logger(__name__)
PREFIX = "testforge:llm"
LEDGER_TTL_S = 3 * 86_400


def connect(url: str) -> redis.Redis:
    # Short timeouts: a slow cache must cost milliseconds, not the minutes of an LLM call.
    return redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)


class RedisCache:
    name = "l2"
    reusable_only = False

    def __init__(self, client: redis.Redis, ttl_s: int = 86_400) -> None:
        self._client = client
        self._ttl_s = ttl_s

    def get(self, key: CacheKey) -> CacheEntry | None:
        try:
            data = self._client.get(f"{PREFIX}:cache:{key.digest}")
        except redis.RedisError as exc:
            raise CacheUnavailableError(f"Redis cache read failed: {exc}") from exc
        if data is None:
            return None
        try:
            return CacheEntry.model_validate_json(data)
        except ValidationError:
            return None  # written by an incompatible version: a miss, overwritten on the next put

    def put(self, key: CacheKey, entry: CacheEntry) -> None:
        try:
            self._client.set(
                f"{PREFIX}:cache:{key.digest}", entry.model_dump_json(), ex=self._ttl_s
            )
        except redis.RedisError as exc:
            raise CacheUnavailableError(f"Redis cache write failed: {exc}") from exc


class RedisLedger:
    """Tokens per UTC day in one counter per day, shared by every run using this Redis."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client

    # An unreachable ledger fails open with a warning: the per-run budget still holds, and a
    # Redis outage must not stop every run in the cluster.
    def spent(self, day: date) -> int:
        try:
            value = self._client.get(f"{PREFIX}:tokens:{day.isoformat()}")
        except redis.RedisError as exc:
            log.warning("llm.ledger_unavailable", error=str(exc))
            return 0
        return int(value) if value is not None else 0

    def add(self, day: date, tokens: int) -> int:
        key = f"{PREFIX}:tokens:{day.isoformat()}"
        try:
            with self._client.pipeline() as pipe:
                pipe.incrby(key, tokens)
                pipe.expire(key, LEDGER_TTL_S)
                total, _ = pipe.execute()
        except redis.RedisError as exc:
            log.warning("llm.ledger_unavailable", error=str(exc))
            return tokens
        return int(total)
