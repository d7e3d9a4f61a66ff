"""Shared configuration for every domain model: strict, JSON-round-trippable pydantic."""

from pydantic import BaseModel, ConfigDict


class DomainModel(BaseModel):
    """Base of every artifact that crosses a process, Job or CR boundary.

    `extra="forbid"` makes a malformed or stale artifact fail loudly at the boundary instead of
    silently dropping fields.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


class FrozenModel(DomainModel):
    """A value object: immutable and hashable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)
