"""The designer port: every designer takes an AppModel and returns a validated TestPlan."""

from typing import Protocol

from testforge.domain.app_model import AppModel
from testforge.domain.plan import TestPlan


class TestDesigner(Protocol):
    name: str

    def design(self, model: AppModel) -> TestPlan: ...
