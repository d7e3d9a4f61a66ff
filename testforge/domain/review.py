"""What a person reviews: one distinct change found by runs (a heal, a copy edit) and the tests
that met it. Nothing of the kind is applied to a suite without a decision."""

from datetime import datetime

from pydantic import Field

from testforge.domain.base import DomainModel


class ReviewRequest(DomainModel):
    id: str
    created_at: datetime
    tests: list[str] = Field(default_factory=list)
