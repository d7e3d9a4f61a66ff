"""The designer port: every designer takes an AppModel and returns a validated TestPlan, with
what designing it cost.

Designers are shared (one per operator, serving every project's reconcile thread), so whatever a
caller needs to know about a design comes back with it, never from the designer afterwards.
"""

from dataclasses import dataclass
from typing import Protocol

from testforge.domain.app_model import AppModel
from testforge.domain.plan import TestPlan
from testforge.llm.usage import NO_USAGE, Usage


@dataclass(frozen=True)
class Designed:
    """A plan and how it came about. `usage` is what this design billed (zero offline or from a
    cache); `fallback` says why an LLM designer gave the offline baseline instead (None when the
    designer gave the plan it set out to)."""

    plan: TestPlan
    usage: Usage = NO_USAGE
    fallback: str | None = None


class TestDesigner(Protocol):
    name: str

    def design(self, model: AppModel) -> Designed: ...
