"""The LLM designer: baseline plus validated, grounded additions, or the baseline alone."""

from typing import Any

import pytest

from testforge.design.claude import ClaudeDesigner, DesignAnswer, answer_problems
from testforge.design.offline import OfflineDesigner
from testforge.design.templates import IndustryTemplates, detect
from testforge.design.validate import plan_problems
from testforge.domain.plan import TestPlan
from testforge.llm.port import ProviderUnavailableError
from tests.fakes.llm import ScriptedProvider
from tests.unit.llm.helpers import gateway
from tests.unit.pipeline.builders import shop


def visible_controls(**overrides: Any) -> dict[str, Any]:
    case = {
        "title": "The product page offers a quantity and an add to cart button",
        "priority": "P1",
        "tags": ["smoke"],
        "given": "a visitor",
        "when": "they open the mug",
        "then": "they can buy it",
        "steps": [
            {"clause": "when", "action": "goto", "value": "/products/mug"},
            {"clause": "then", "action": "expect_visible", "target": "mug.quantity"},
            {"clause": "then", "action": "expect_visible", "target": "mug.add_to_cart"},
        ],
        "pages": ["/products/mug"],
    }
    return {**case, **overrides}


@pytest.fixture(scope="module")
def baseline() -> TestPlan:
    return OfflineDesigner().design(shop()).plan


def test_valid_additions_are_merged_into_the_baseline_and_renumbered(baseline: TestPlan) -> None:
    designer = ClaudeDesigner(gateway(ScriptedProvider({"cases": [visible_controls()]})))
    plan = designer.design(shop()).plan
    assert plan.designer == "claude"
    assert len(plan.cases) == len(baseline.cases) + 1
    assert plan_problems(plan, shop()) == []
    assert [c.id for c in plan.cases] == [f"TC-{n:03d}" for n in range(1, len(plan.cases) + 1)]
    assert [c.priority.value for c in plan.cases] == sorted(c.priority.value for c in plan.cases)


def test_an_addition_repeating_a_baseline_case_is_dropped(baseline: TestPlan) -> None:
    repeat = baseline.cases[0].model_dump(mode="json", exclude={"id", "slug"})
    designer = ClaudeDesigner(gateway(ScriptedProvider({"cases": [repeat]})))
    assert len(designer.design(shop()).plan.cases) == len(baseline.cases)


def test_unknown_elements_and_unobserved_texts_are_sent_back_for_correction() -> None:
    bad = visible_controls(
        steps=[
            {"clause": "when", "action": "goto", "value": "/products/mug"},
            {"clause": "when", "action": "click", "target": "mug.buy_now"},
            {"clause": "then", "action": "expect_page_text", "value": "Free returns for 90 days"},
        ]
    )
    claude = ScriptedProvider({"cases": [bad]}, {"cases": [visible_controls()]})
    plan = ClaudeDesigner(gateway(claude)).design(shop()).plan
    _, correction = claude.calls[1]
    assert correction is not None
    assert any("unknown element 'mug.buy_now'" in p for p in correction.problems)
    assert any("'Free returns for 90 days' was never observed" in p for p in correction.problems)
    assert plan.designer == "claude"


def test_grounding_refuses_invented_titles_urls_pages_and_validation() -> None:
    invented = visible_controls(
        steps=[
            {"clause": "when", "action": "goto", "value": "/wishlist"},
            {"clause": "then", "action": "expect_title", "value": "Wishlist"},
            {"clause": "then", "action": "expect_url", "value": "/wishlist"},
            {"clause": "then", "action": "expect_invalid", "target": "checkout.name"},
            {"clause": "then", "action": "expect_value", "target": "mug.quantity", "value": "3"},
        ]
    )
    problems = answer_problems(DesignAnswer.model_validate({"cases": [invented]}), shop())
    assert [p.split(": ", 1)[1] for p in problems] == [
        "goto '/wishlist' is not a discovered page",
        "title 'Wishlist' was never observed",
        "URL pattern '/wishlist' matches no observed URL",
        "'checkout.name' was never observed being refused",
        "expects value '3' that the case did not enter",
    ]


def test_observed_expectations_pass_grounding() -> None:
    grounded = visible_controls(
        steps=[
            {"clause": "when", "action": "goto", "value": "/products/mug"},
            {"clause": "when", "action": "fill", "target": "mug.quantity", "value": "0"},
            {"clause": "when", "action": "click", "target": "mug.add_to_cart"},
            {"clause": "then", "action": "expect_invalid", "target": "mug.quantity"},
            {"clause": "then", "action": "expect_value", "target": "mug.quantity", "value": "0"},
            {"clause": "then", "action": "expect_url", "value": "/orders/[0-9]+"},
            {"clause": "then", "action": "expect_page_text", "value": "$16.00"},
        ]
    )
    assert answer_problems(DesignAnswer.model_validate({"cases": [grounded]}), shop()) == []


def test_two_invalid_answers_give_the_offline_plan(baseline: TestPlan) -> None:
    claude = ScriptedProvider({"cases": "not a list"}, {"cases": [{"title": "half"}]})
    designed = ClaudeDesigner(gateway(claude)).design(shop())
    assert designed.plan == baseline
    assert "invalid answer twice" in (designed.fallback or "")


def test_an_unavailable_llm_gives_the_offline_plan(baseline: TestPlan) -> None:
    claude = ScriptedProvider(ProviderUnavailableError("Claude API timed out after 4 attempts"))
    designed = ClaudeDesigner(gateway(claude)).design(shop())
    assert designed.plan == baseline
    assert designed.fallback == "Claude API timed out after 4 attempts"


def test_the_prompt_carries_the_brief_the_baseline_and_the_industry_patterns() -> None:
    claude = ScriptedProvider({"cases": []})
    ClaudeDesigner(gateway(claude)).design(shop())
    prompt, _ = claude.calls[0]
    assert '"key":"mug.add_to_cart"' in prompt.context
    assert "[P0] / loads" in prompt.question
    assert "e-commerce: checkout refuses missing or invalid payment" in prompt.question


def test_a_shop_is_recognised_as_e_commerce_only() -> None:
    assert [t.name for t in detect(shop())] == ["e-commerce"]
    assert IndustryTemplates().suggest(shop())[0].startswith("e-commerce: ")
