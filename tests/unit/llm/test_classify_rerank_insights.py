"""Classification, healing re-ranking and report insights through the LLM port."""

from datetime import UTC, datetime
from pathlib import Path

from testforge.discovery.classify import PageClassification, classify, heuristic, page_question
from testforge.domain.app_model import Risk
from testforge.domain.fingerprint import ElementFingerprint
from testforge.domain.healing import HealingCandidate, HealingStrategy
from testforge.domain.results import Failure, FailureKind, RunResult, TestResult, TestStatus
from testforge.llm.offline import OfflineProvider
from testforge.llm.port import Prompt
from testforge.llm.rerank import Reranker, are_close
from testforge.reporting.html import write_html
from testforge.reporting.insights import insights
from tests.fakes.llm import ScriptedProvider
from tests.unit.llm.helpers import gateway
from tests.unit.pipeline.builders import shop


def classified(prompt: Prompt[PageClassification]) -> dict[str, object]:
    elements = [{"element": "add_to_cart", "purpose": "puts the item in the cart"}]
    return {
        "purpose": "Buy one item",
        "business_flow": "Purchase",
        "risk": "high",
        "elements": elements if '"name":"add_to_cart"' in prompt.question else [],
    }


def test_classification_enriches_every_page_with_purpose_flow_risk_and_elements() -> None:
    claude = ScriptedProvider(*[classified] * 5)
    model = classify(shop(), gateway(claude), concurrency=2)
    product = model.page("/products/mug")
    assert (product.purpose, product.business_flow, product.risk) == (
        "Buy one item",
        "purchase",
        Risk.HIGH,
    )
    assert product.element_purposes == {"mug.add_to_cart": "puts the item in the cart"}
    assert all(p.purpose for p in model.pages)


def test_elements_are_named_relative_to_their_page_in_the_question() -> None:
    question = page_question(shop().page("/products/mug"))
    assert '"name":"add_to_cart"' in question and "mug.add_to_cart" not in question


def test_an_element_the_page_does_not_have_is_sent_back() -> None:
    wrong = {
        "purpose": "p",
        "business_flow": "f",
        "risk": "low",
        "elements": [{"element": "buy_now", "purpose": "buys"}],
    }
    claude = ScriptedProvider(wrong, classified)
    model = shop()
    classify(model.model_copy(update={"pages": [model.page("/products/mug")]}), gateway(claude), 1)
    _, correction = claude.calls[1]
    assert (
        correction is not None
        and "'buy_now' is not an element of this page" in correction.problems[0]
    )


def test_the_offline_classification_rates_checkout_high_and_plain_pages_low() -> None:
    model = shop()
    assert heuristic(model.page("/checkout"), model).risk is Risk.HIGH
    assert heuristic(model.page("/login"), model).business_flow == "authentication"
    assert heuristic(model.page("/"), model).risk is Risk.LOW
    offline = classify(model, OfflineProvider())
    assert offline.page("/products/mug").element_purposes == {
        "mug.add_to_cart": "submits the generic form"
    }


def candidate(text: str, confidence: float) -> HealingCandidate:
    return HealingCandidate(
        fingerprint=ElementFingerprint(tag="button", text=text),
        score=confidence,
        confidence=confidence,
        strategy=HealingStrategy.TEXT,
    )


TARGET = ElementFingerprint(tag="button", text="Add to cart", id="add")
CANDIDATES = [
    candidate("Add to basket", 0.62),
    candidate("Add to wishlist", 0.6),
    candidate("Remove", 0.3),
]


def test_the_reranker_returns_the_candidate_claude_names_with_its_reason() -> None:
    claude = ScriptedProvider({"candidate": "C1", "reason": "same action, renamed"})
    decision = Reranker(gateway(claude)).choose(TARGET, CANDIDATES, k=2)
    assert decision is not None
    assert (decision.index, decision.candidate.fingerprint.text) == (0, "Add to basket")
    assert decision.reason == "same action, renamed"
    prompt, _ = claude.calls[0]
    assert '"id":"C2"' in prompt.question and '"id":"C3"' not in prompt.question


def test_an_answer_naming_no_offered_candidate_is_never_accepted() -> None:
    claude = ScriptedProvider(
        {"candidate": "C7", "reason": "?"}, {"candidate": "C9", "reason": "?"}
    )
    assert Reranker(gateway(claude)).choose(TARGET, CANDIDATES, k=3) is None
    _, correction = claude.calls[1]
    assert correction is not None and "'C7' is not one of C1, C2, C3" in correction.problems[0]


def test_the_reranker_declines_without_an_llm_or_when_none_matches() -> None:
    assert Reranker(gateway(None)).choose(TARGET, CANDIDATES, k=3) is None
    claude = ScriptedProvider({"candidate": None, "reason": "none is the same button"})
    assert Reranker(gateway(claude)).choose(TARGET, CANDIDATES, k=3) is None
    assert Reranker(gateway(claude)).choose(TARGET, [], k=3) is None


def test_candidates_within_the_margin_are_close() -> None:
    assert are_close(CANDIDATES, margin=0.05)
    assert not are_close([candidate("a", 0.9), candidate("b", 0.5)], margin=0.1)
    assert not are_close(CANDIDATES[:1])


def run_with(*statuses: TestStatus) -> RunResult:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    tests = [
        TestResult(
            nodeid=f"t{n}",
            title=f"test {n}",
            status=status,
            failure=Failure(kind=FailureKind.ASSERTION, message="expected 'Total $16.00'")
            if status is TestStatus.FAILED
            else None,
        )
        for n, status in enumerate(statuses)
    ]
    return RunResult(
        base_url="http://shop.test/",
        plan_hash="h",
        started_at=now,
        finished_at=now,
        workers=1,
        tests=tests,
    )


def test_insights_summarise_failures_and_cost_nothing_without_any() -> None:
    claude = ScriptedProvider({"summary": "The cart total is wrong."})
    assert insights(run_with(TestStatus.PASSED), gateway(claude)) is None
    assert claude.calls == []
    failed = run_with(TestStatus.PASSED, TestStatus.FAILED)
    assert insights(failed, gateway(claude)) == "The cart total is wrong."
    prompt, _ = claude.calls[0]
    assert "expected 'Total $16.00'" in prompt.question


def test_offline_insights_group_failures_by_kind() -> None:
    summary = insights(run_with(TestStatus.FAILED, TestStatus.FAILED), OfflineProvider())
    assert summary == (
        "2 of 2 tests failed: 2 because the page did not show what was expected (test 0; test 1)."
    )


def test_the_html_report_shows_insights_near_the_top_escaped(tmp_path: Path) -> None:
    result = run_with(TestStatus.FAILED).model_copy(update={"insights": "Cart <total> is wrong."})
    html = write_html(result, tmp_path / "report.html").read_text()
    assert "Cart &lt;total&gt; is wrong." in html
    assert html.index("Insights") < html.index('class="cards"')
