"""The composition root of the processes on one machine (the CLI, the sandbox runner): one
`Services` bundle per process, built from settings read once; services get what they need from
it as arguments and never build settings or clients themselves. The operator's root is
`testforge.cluster.bootstrap`; a suite's test worker's is its pytest plugin's session fixtures.

Clients that cost an import or hold a resource (the LLM SDK, Qdrant's local folder) are built
when first asked for, so a command that needs neither never loads them.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Self

from testforge.llm.settings import LLMSettings
from testforge.settings import BrowserSettings, KnowledgeSettings
from testforge.storage.port import ArtifactStore

if TYPE_CHECKING:  # imported only when a command asks for them
    from testforge.knowledge.store import PatternStore
    from testforge.llm.bootstrap import LLMStack
    from testforge.llm.settings import LLMMode

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Settings:
    """Every setting a process's services are built from, read and validated once by its
    composition root, never by the services themselves."""

    browser: BrowserSettings
    knowledge: KnowledgeSettings
    llm: LLMSettings

    @classmethod
    def from_env(cls) -> Self:
        return cls(BrowserSettings(), KnowledgeSettings(), LLMSettings())



def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """What one process's services run on: its settings, artifact store (where it has one),
    clock, and the knowledge store and LLM stack built on demand."""

    settings: Settings
    store: ArtifactStore | None = None
    clock: Clock = field(default=utc_now)

    @property
    def browser(self) -> BrowserSettings:
        return self.settings.browser

    @contextmanager
    def knowledge(self) -> "Iterator[PatternStore | None]":
        """The pattern store for one command; a local Qdrant folder admits one process."""
        with knowledge_store(self.settings.knowledge) as store:
            yield store

    def llm(self, mode: "LLMMode | None" = None) -> "LLMStack":
        """The designer, classifier, re-ranker and insights, on one gateway."""
        from testforge.llm.bootstrap import build

        return build(self.settings.llm, mode)


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
