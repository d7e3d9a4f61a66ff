"""Shared configuration for every domain model: strict, JSON-round-trippable pydantic."""

from pydantic import BaseModel, ConfigDict


class DomainModel(BaseModel):
    """Base of every artefact that crosses a process, Job or CR boundary.

    `extra="forbid"` makes a malformed or stale artefact fail loudly at the boundary instead of
    silently dropping fields.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FrozenModel(DomainModel):
    """A value object: immutable and hashable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
