"""Learning from decided heals, and opening the store a process should use."""

from pathlib import Path

from testforge.domain.healing import HealingRequest
from testforge.knowledge.patterns import pattern_tokens
from testforge.knowledge.store import PatternStore
from testforge.settings import KnowledgeSettings


def learn(
    store: PatternStore, request: HealingRequest, tenant: str, *, approved: bool
) -> str | None:
    """Count the request's change shape as approved or rejected; returns the pattern id."""
    chosen = request.result.chosen
    if chosen is None:
        return None
    tokens = pattern_tokens(request.fingerprint, chosen.fingerprint)
    return store.record(tokens, tenant, approved=approved).id


def open_store(settings: KnowledgeSettings) -> PatternStore | None:
    """The configured store, or None when learning is switched off."""
    if not settings.enabled:
        return None
    if settings.url:
        return PatternStore.server(settings.url, settings.api_key)
    return PatternStore.local(settings.path)


def snapshot_for_workers(settings: KnowledgeSettings, target: Path) -> Path | None:
    """Export the patterns for test workers; a local Qdrant folder admits one process only."""
    store = open_store(settings)
    if store is None:
        return None
    try:
        return store.export(target)
    finally:
        store.close()
