"""The composition root of the processes on one machine (the CLI): clients are built here from
settings read once, never inside a service. The operator's is `testforge.cluster.bootstrap`."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from testforge.settings import KnowledgeSettings

if TYPE_CHECKING:  # Qdrant's client is imported only when a store is opened
    from testforge.knowledge.store import PatternStore


def open_knowledge(settings: KnowledgeSettings) -> "PatternStore | None":
    """The configured pattern store, or None when learning is switched off."""
    if not settings.enabled:
        return None
    from testforge.knowledge.store import PatternStore

    if settings.url:
        return PatternStore.server(settings.url, settings.api_key)
    return PatternStore.local(settings.path)


@contextmanager
def knowledge_store(settings: KnowledgeSettings) -> "Iterator[PatternStore | None]":
    """The pattern store for one command; a local Qdrant folder admits one process at a time."""
    store = open_knowledge(settings)
    try:
        yield store
    finally:
        if store is not None:
            store.close()
