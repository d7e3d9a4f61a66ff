"""Suite: generated test files plus the locator registry they address elements through."""

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from testforge.domain.app_model import AuthConfig
from testforge.domain.base import DomainModel
from testforge.domain.effects import Effect
from testforge.domain.fingerprint import ElementFingerprint
from testforge.domain.locators import LocatorLadder


class ProvenanceSource(StrEnum):
    DISCOVERY = "discovery"
    HEALING = "healing"


class Provenance(DomainModel):
    source: ProvenanceSource
    at: datetime
    detail: str
    healing_request: str | None = None


class RegistryEntry(DomainModel):
    key: str
    page: str
    ladder: LocatorLadder
    fingerprint: ElementFingerprint
    # What activating it does: set for the submit buttons of forms that write, so a suite
    # generated without writes can refuse, at run time, to let them send anything.
    effect: Effect | None = None
    history: list[Provenance] = Field(default_factory=list)


class LocatorRegistry(DomainModel):
    entries: dict[str, RegistryEntry] = Field(default_factory=dict)

    def __getitem__(self, key: str) -> RegistryEntry:
        return self.entries[key]

    def __contains__(self, key: object) -> bool:
        return key in self.entries


class SuiteFile(DomainModel):
    path: str
    content: str


class SuiteCase(DomainModel):
    """Maps a plan case to the pytest node that implements it."""

    case_id: str
    nodeid: str
    title: str
    priority: str
    tags: tuple[str, ...]


class Suite(DomainModel):
    """A runnable suite. On disk: the files, `locators.json` (registry) and `suite.json` (rest)."""

    base_url: str
    plan_hash: str
    designer: str
    generated_at: datetime
    auth: AuthConfig | None = None
    allow_writes: bool = False  # generated with writes allowed: its tests may change data
    files: list[SuiteFile] = Field(default_factory=list)
    registry: LocatorRegistry = Field(default_factory=LocatorRegistry)
    cases: list[SuiteCase] = Field(default_factory=list)

    def case_by_nodeid(self, nodeid: str) -> SuiteCase | None:
        return next((c for c in self.cases if c.nodeid == nodeid), None)
