"""The three-layer token cache: look up L1 → L2 → L3, fill the faster layers on a hit, and count
hits and savings per layer.

A layer that fails is logged once and counted as an error and a miss; the run carries on.
"""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import structlog
from pydantic import BaseModel, ConfigDict

from testforge.llm.cache.entry import CacheEntry, CacheKey, CacheLayer, CacheUnavailableError
from testforge.llm.usage import NO_USAGE, Usage

log = structlog.get_logger(__name__)


class LayerStats(BaseModel):
    """`lookups` counts the questions that reached this layer (the layers above missed)."""

    model_config = ConfigDict(extra="forbid")

    lookups: int = 0
    hits: int = 0
    writes: int = 0
    errors: int = 0
    saved: Usage = NO_USAGE

    @property
    def hit_rate(self) -> float:
        return self.hits / self.lookups if self.lookups else 0.0


@dataclass(frozen=True)
class CacheHit:
    entry: CacheEntry
    layer: str


class TokenCache:
    def __init__(self, layers: Sequence[CacheLayer]) -> None:
        self.layers = list(layers)
        self.stats = {layer.name: LayerStats() for layer in self.layers}
        self._lock = threading.Lock()
        self._warned: set[str] = set()

    def get(self, key: CacheKey, accept: Callable[[CacheEntry], bool]) -> CacheHit | None:
        """The first acceptable entry; `accept` rejects one the caller cannot use (a semantic
        neighbour whose answer does not fit this question)."""
        for n, layer in enumerate(self.layers):
            if layer.reusable_only and not key.reusable:
                continue
            self._count(layer.name, lookups=1)
            try:
                entry = layer.get(key)
            except CacheUnavailableError as exc:
                self._failed(layer.name, exc)
                continue
            if entry is None or not accept(entry):
                continue
            self._count(layer.name, hits=1, saved=entry.usage)
            self._fill(self.layers[:n], key, entry)
            return CacheHit(entry=entry, layer=layer.name)
        return None

    def put(self, key: CacheKey, entry: CacheEntry) -> None:
        self._fill(self.layers, key, entry)

    def _fill(self, layers: Sequence[CacheLayer], key: CacheKey, entry: CacheEntry) -> None:
        for layer in layers:
            if layer.reusable_only and not key.reusable:
                continue
            try:
                layer.put(key, entry)
            except CacheUnavailableError as exc:
                self._failed(layer.name, exc)
                continue
            self._count(layer.name, writes=1)

    def _count(
        self, name: str, lookups: int = 0, hits: int = 0, writes: int = 0, saved: Usage = NO_USAGE
    ) -> None:
        with self._lock:
            old = self.stats[name]
            self.stats[name] = old.model_copy(
                update={
                    "lookups": old.lookups + lookups, "hits": old.hits + hits,
                    "writes": old.writes + writes, "saved": old.saved + saved,
                }
            )

    def _failed(self, name: str, exc: CacheUnavailableError) -> None:
        with self._lock:
            old = self.stats[name]
            self.stats[name] = old.model_copy(update={"errors": old.errors + 1})
            first = name not in self._warned
            self._warned.add(name)
        if first:
            log.warning("llm.cache_unavailable", layer=name, error=exc.problem)
