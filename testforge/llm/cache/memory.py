"""L1: an in-process LRU with a time-to-live (10,000 entries, one hour by default)."""

import threading

from cachetools import TTLCache

from testforge.llm.cache.entry import CacheEntry, CacheKey


class MemoryCache:
    name = "l1"
    reusable_only = False

    def __init__(self, size: int = 10_000, ttl_s: float = 3600.0) -> None:
        self._entries: TTLCache[str, CacheEntry] = TTLCache(maxsize=size, ttl=ttl_s)
        self._lock = threading.Lock()  # TTLCache is not thread-safe

    def get(self, key: CacheKey) -> CacheEntry | None:
        with self._lock:
            return self._entries.get(key.digest)

    def put(self, key: CacheKey, entry: CacheEntry) -> None:
        with self._lock:
            self._entries[key.digest] = entry

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
