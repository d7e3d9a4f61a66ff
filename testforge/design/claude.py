"""The LLM designer: Claude adds the cases a senior QA engineer would write on top of the
deterministic baseline, through the TestDesigner port.

The offline designer's cases are the baseline (every one asserts only what discovery observed);
Claude sees the app brief, the baseline's titles, industry templates and knowledge-base patterns,
and proposes additional cases. They pass the same validation as the baseline's (known elements,
supported actions) plus grounding (only observed expectations); an invalid answer is re-asked
once with its problems, then the plan falls back to the baseline alone. Asking only for additions
keeps output tokens (the expensive ones) small and the plan never smaller than the offline one.
"""

import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from testforge.design.grounding import grounding_problems
from testforge.design.offline import OfflineDesigner
from testforge.design.port import Designed
from testforge.design.templates import IndustryTemplates, PatternSource
from testforge.design.validate import ensure_valid, plan_problems
from testforge.discovery.keys import slugify
from testforge.domain.app_model import AppModel
from testforge.domain.plan import Priority, Step, Tag, TestCase, TestPlan
from testforge.llm.brief import app_brief, to_json
from testforge.llm.port import LLMProvider, Prompt

TOOL = "add_test_cases"
MAX_NEW_CASES = 15

SYSTEM = """You are a senior QA engineer designing end-to-end browser tests for a web application.
You receive a JSON brief of what an automated crawler observed: pages, interactive elements (each
with a unique "key"), forms with "probes" (submissions made during discovery and what the app did),
flows, and texts. A deterministic designer has already written baseline tests; you add the tests
it misses, the ones a senior engineer would insist on: risky business flows first, realistic
negative cases, cross-page consistency, and the patterns suggested for this kind of application.

Each test is Given/When/Then with executable steps. Step actions:
- goto(value=path): open a page. Only paths from the brief.
- sign_in: sign in with the configured test account (no target, no value). Put it first, as a
  "given" step, in every test that touches a page with requires_auth.
- click(target), fill(target, value), select(target, value=option), check(target).
- expect_url(value=regex of the path, e.g. "/orders/[^/?#]+"), expect_title(value=exact title),
  expect_text(target, value), expect_page_text(value), expect_visible(target),
  expect_invalid(target: a field the browser flags invalid, value: its reason from the probe's
  invalid_reasons, or none), expect_field_message(target: a field, value: its own message from
  the probe's field_messages), expect_value(target, value).

Rules, all checked by a validator:
- A target is always an element "key" from the brief (navigation keys included). Never invent keys.
- Assert only what the brief shows was observed: titles, headings, texts, probe outcomes
  (url_pattern, new_texts, invalid_fields, invalid_reasons, field_messages, echoed fields),
  observed values. Use probe inputs for form data; "$username" and "$password" stand for the
  test account's credentials.
- To reach a page that has "reached_by" steps, repeat those steps first.
- Every test asserts something (at least one expect_* step).
- Do not repeat a baseline test. Fewer, valuable tests beat many shallow ones.
Priorities: P0 critical business journey, P1 core feature, P2 validation and edge cases,
P3 cosmetic or rare. Tags: smoke, navigation, form-validation, flow, negative.
Answer only by calling the tool."""


class NewCase(BaseModel):
    title: str = Field(max_length=120, description="What the test proves, in a sentence")
    priority: Priority
    tags: list[Tag] = Field(min_length=1)
    given: str
    when: str
    then: str
    steps: list[Step] = Field(min_length=1)
    pages: list[str] = Field(default_factory=list, description="Paths the test visits")
    form: str | None = Field(default=None, description="Key of the form under test, if any")
    needs_auth: bool = False


class DesignAnswer(BaseModel):
    cases: list[NewCase] = Field(max_length=MAX_NEW_CASES)


def _draft_cases(answer: DesignAnswer) -> list[TestCase]:
    """The answer's cases with provisional ids ("new-3" is the third) for validation messages."""
    return [
        TestCase(
            id=f"new-{n}", slug=slugify(c.title, default="case", max_length=60), title=c.title,
            priority=c.priority, tags=tuple(dict.fromkeys(c.tags)), given=c.given, when=c.when,
            then=c.then, steps=c.steps, pages=tuple(c.pages), form=c.form,
            needs_auth=c.needs_auth,
        )
        for n, c in enumerate(answer.cases, 1)
    ]


def answer_problems(answer: DesignAnswer, model: AppModel) -> list[str]:
    drafts = _draft_cases(answer)
    plan = TestPlan(base_url=model.base_url, designer="claude", cases=drafts)
    return plan_problems(plan, model) + grounding_problems(drafts, model)


def _signature(case: TestCase) -> tuple[tuple[str, str | None, str | None], ...]:
    return tuple((s.action.value, s.target, s.value) for s in case.steps)


def merge(baseline: TestPlan, answer: DesignAnswer, designer: str) -> TestPlan:
    """Baseline plus the new cases that repeat none of it, renumbered in priority order."""
    titles = {re.sub(r"\W+", " ", c.title.lower()).strip() for c in baseline.cases}
    signatures = {_signature(c) for c in baseline.cases}
    added = [
        c for c in _draft_cases(answer)
        if _signature(c) not in signatures
        and re.sub(r"\W+", " ", c.title.lower()).strip() not in titles
    ]
    ordered = sorted(
        [*baseline.cases, *added], key=lambda c: c.priority.value
    )  # stable: the baseline's order is kept within a priority
    cases, slugs = [], set()
    for n, case in enumerate(ordered, 1):
        slug, k = case.slug, 2
        while slug in slugs:
            slug, k = f"{case.slug}_{k}", k + 1
        slugs.add(slug)
        cases.append(case.model_copy(update={"id": f"TC-{n:03d}", "slug": slug}))
    return TestPlan(base_url=baseline.base_url, designer=designer, cases=cases)


def design_prompt(
    model: AppModel, baseline: TestPlan, patterns: Sequence[str], max_new: int = MAX_NEW_CASES
) -> Prompt[DesignAnswer]:
    covered = "\n".join(f"- [{c.priority.value}] {c.title}" for c in baseline.cases)
    suggested = "\n".join(f"- {p}" for p in patterns) or "- (none: use your judgement)"
    question = (
        f"Baseline tests already written ({len(baseline.cases)}):\n{covered}\n\n"
        f"Patterns suggested for this application:\n{suggested}\n\n"
        f"Call {TOOL} with at most {max_new} additional tests, most valuable first."
    )
    return Prompt(
        task="design",
        system=SYSTEM,
        context="Application brief (JSON):\n" + to_json(app_brief(model)),
        question=question,
        schema=DesignAnswer,
        tool=TOOL,
        tool_description="Add test cases to the plan. Each case must follow the rules given.",
        offline=lambda: DesignAnswer(cases=[]),
        check=lambda answer: answer_problems(answer, model),
        max_tokens=8192,
    )


class ClaudeDesigner:
    """A TestDesigner over any LLMProvider. It keeps no state between calls: one instance serves
    concurrent designs, each told who answered and what it billed in its own `Designed`."""

    name = "claude"

    def __init__(
        self, provider: LLMProvider, patterns: Sequence[PatternSource] = (IndustryTemplates(),)
    ) -> None:
        self._provider = provider
        self._patterns = list(patterns)

    def design(self, model: AppModel) -> Designed:
        baseline = OfflineDesigner().design(model).plan
        suggestions = [p for source in self._patterns for p in source.suggest(model)]
        reply = self._provider.ask(design_prompt(model, baseline, suggestions))
        if not reply.from_llm:
            return Designed(baseline, reply.usage, reply.note or "the offline provider answered")
        plan = ensure_valid(merge(baseline, reply.value, designer=self.name), model)
        return Designed(plan, reply.usage)
