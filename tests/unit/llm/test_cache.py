"""Cache keys, the in-memory L1 and the three-layer lookup with back-fill and statistics."""

import time

from testforge.llm.cache.entry import CacheEntry, CacheKey, CacheUnavailableError, cache_key
from testforge.llm.cache.memory import MemoryCache
from testforge.llm.cache.tiered import TokenCache
from testforge.llm.usage import Usage
from tests.unit.llm.helpers import prompt

ENTRY = CacheEntry(answer={"text": "cached"}, model="m", usage=Usage(input_tokens=50))


class DictLayer:
    def __init__(self, name: str, reusable_only: bool = False, broken: bool = False) -> None:
        self.name, self.reusable_only, self.broken = name, reusable_only, broken
        self.entries: dict[str, CacheEntry] = {}

    def get(self, key: CacheKey) -> CacheEntry | None:
        if self.broken:
            raise CacheUnavailableError("down")
        return self.entries.get(key.digest)

    def put(self, key: CacheKey, entry: CacheEntry) -> None:
        if self.broken:
            raise CacheUnavailableError("down")
        self.entries[key.digest] = entry


def test_the_key_changes_with_the_model_the_question_and_the_parameters() -> None:
    base = cache_key(prompt("q"), "model-a")
    assert base == cache_key(prompt("q"), "model-a")
    assert base.digest != cache_key(prompt("q"), "model-b").digest
    assert base.digest != cache_key(prompt("other"), "model-a").digest
    assert base.digest != cache_key(prompt("q", max_tokens=7), "model-a").digest
    assert len(base.digest) == 64  # SHA-256


def test_the_scope_ignores_only_the_question() -> None:
    assert cache_key(prompt("a"), "m").scope == cache_key(prompt("b"), "m").scope
    assert cache_key(prompt("a"), "m").scope != cache_key(prompt("a"), "n").scope


def test_l1_entries_expire_after_their_ttl() -> None:
    l1 = MemoryCache(size=10, ttl_s=0.05)
    key = cache_key(prompt(), "m")
    l1.put(key, ENTRY)
    assert l1.get(key) == ENTRY
    time.sleep(0.08)
    assert l1.get(key) is None


def test_l1_evicts_the_least_recently_used_entry_when_full() -> None:
    l1 = MemoryCache(size=2)
    a, b, c = (cache_key(prompt(q), "m") for q in "abc")
    l1.put(a, ENTRY)
    l1.put(b, ENTRY)
    l1.get(a)
    l1.put(c, ENTRY)
    assert (l1.get(a), l1.get(b)) == (ENTRY, None)


def test_a_hit_in_a_lower_layer_fills_the_layers_above() -> None:
    l1, l2 = DictLayer("l1"), DictLayer("l2")
    cache = TokenCache([l1, l2])
    key = cache_key(prompt(), "m")
    l2.put(key, ENTRY)
    hit = cache.get(key, accept=lambda e: True)
    assert hit is not None and hit.layer == "l2"
    assert l1.entries[key.digest] == ENTRY
    assert cache.get(key, accept=lambda e: True).layer == "l1"  # type: ignore[union-attr]
    assert (cache.stats["l1"].lookups, cache.stats["l1"].hits) == (2, 1)
    assert (cache.stats["l2"].lookups, cache.stats["l2"].hits) == (1, 1)
    assert cache.stats["l2"].saved == Usage(input_tokens=50)


def test_the_semantic_layer_only_sees_prompts_marked_reusable() -> None:
    l3 = DictLayer("l3", reusable_only=True)
    cache = TokenCache([l3])
    cache.put(cache_key(prompt("q"), "m"), ENTRY)
    assert l3.entries == {}
    assert cache.get(cache_key(prompt("q"), "m"), accept=lambda e: True) is None
    assert cache.stats["l3"].lookups == 0
    cache.put(cache_key(prompt("q", reusable=True), "m"), ENTRY)
    assert len(l3.entries) == 1


def test_a_rejected_entry_is_a_miss() -> None:
    l1 = DictLayer("l1")
    cache = TokenCache([l1])
    key = cache_key(prompt(), "m")
    cache.put(key, ENTRY)
    assert cache.get(key, accept=lambda e: False) is None
    assert cache.stats["l1"].hits == 0


def test_a_broken_layer_counts_errors_and_the_others_still_serve() -> None:
    broken, l2 = DictLayer("l1", broken=True), DictLayer("l2")
    cache = TokenCache([broken, l2])
    key = cache_key(prompt(), "m")
    cache.put(key, ENTRY)
    hit = cache.get(key, accept=lambda e: True)
    assert hit is not None and hit.layer == "l2"
    assert cache.stats["l1"].errors == 3  # the put, the get and the back-fill
