"""Designing a suite from a discovered application, whichever driver discovered it.

`testforge run` discovers in-process, the operator in a sandbox Job; both then classify the
pages (Claude, or the offline heuristic), design the plan, refuse a plan with nothing to test,
and render the suite here, so the same AppModel gives the same suite on one machine and in the
cluster.
"""

from collections.abc import Callable
from dataclasses import dataclass

from testforge.design.port import Designed, TestDesigner
from testforge.domain.app_model import AppModel
from testforge.domain.errors import DiscoveryError
from testforge.domain.suite import Suite
from testforge.scriptgen.render import generate_suite

Classifier = Callable[[AppModel], AppModel]


@dataclass(frozen=True)
class DesignedSuite:
    model: AppModel  # classified: purpose, business flow and risk of each page
    designed: Designed  # the plan, with the tokens its design billed
    suite: Suite


def design_suite(
    model: AppModel, designer: TestDesigner, classify: Classifier | None = None
) -> DesignedSuite:
    if classify is not None:
        model = classify(model)
    designed = designer.design(model)
    if not designed.plan.cases:
        raise DiscoveryError(
            f"discovery of {model.base_url} found nothing to test ({len(model.pages)} pages, "
            f"{len(model.forms)} forms)",
            fix="check the URL and credentials; widen the crawl's include patterns or raise "
            "its page limit",
        )
    return DesignedSuite(model, designed, generate_suite(designed.plan, model))
