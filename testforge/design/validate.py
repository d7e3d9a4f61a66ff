"""Plan validation shared by every designer: steps must be executable against the model."""

from testforge.domain.app_model import AppModel
from testforge.domain.errors import ArtifactError
from testforge.domain.plan import TARGETED_ACTIONS, VALUED_ACTIONS, TestPlan


def plan_problems(plan: TestPlan, model: AppModel) -> list[str]:
    """Everything wrong with a plan, one readable line each (empty when it is valid)."""
    keys = {e.key for page in model.pages for e in page.elements}
    problems, ids, slugs = [], set(), set()
    for case in plan.cases:
        where = f"{case.id} ({case.slug})"
        if case.id in ids or case.slug in slugs:
            problems.append(f"{where}: duplicate id or slug")
        ids.add(case.id)
        slugs.add(case.slug)
        if not case.steps:
            problems.append(f"{where}: has no steps")
        if not any(s.action.value.startswith("expect_") for s in case.steps):
            problems.append(f"{where}: asserts nothing")
        for n, step in enumerate(case.steps, 1):
            if step.action in TARGETED_ACTIONS and step.target not in keys:
                problems.append(
                    f"{where} step {n}: {step.action.value} targets unknown element {step.target!r}"
                )
            if step.action in VALUED_ACTIONS and step.value is None:
                problems.append(f"{where} step {n}: {step.action.value} needs a value")
    return problems


def ensure_valid(plan: TestPlan, model: AppModel) -> TestPlan:
    problems = plan_problems(plan, model)
    if problems:
        raise ArtifactError(
            f"the {plan.designer} designer produced an invalid plan:\n  "
            + "\n  ".join(problems[:20]),
            fix="re-run design; if it persists, report it with the app model attached",
        )
    return plan
