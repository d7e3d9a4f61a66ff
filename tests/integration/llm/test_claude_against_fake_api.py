"""ClaudeProvider and the gateway, through the real anthropic SDK, against the fake Messages API."""

import time
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from testforge.design.claude import ClaudeDesigner
from testforge.design.offline import OfflineDesigner
from testforge.design.validate import plan_problems
from testforge.domain.fingerprint import ElementFingerprint
from testforge.domain.healing import HealingCandidate, HealingStrategy
from testforge.domain.results import Failure, FailureKind, RunResult, TestResult, TestStatus
from testforge.llm.bootstrap import build
from testforge.llm.settings import LLMMode, LLMSettings
from tests.fakes.anthropic_server import FakeAnthropic
from tests.unit.pipeline.builders import shop


def test_claude_designs_a_larger_valid_plan_through_a_forced_tool_call(
    fake: FakeAnthropic, settings: LLMSettings
) -> None:
    stack = build(settings, LLMMode.CLAUDE)
    designed = stack.designer.design(shop())
    plan, baseline = designed.plan, OfflineDesigner().design(shop()).plan
    assert plan.designer == "claude"
    assert len(plan.cases) > len(baseline.cases)
    assert plan_problems(plan, shop()) == []
    [call] = fake.calls("add_test_cases")
    body = call.body
    assert body["tool_choice"] == {"type": "tool", "name": "add_test_cases"}
    assert body["model"] == "claude-sonnet-4-6"
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert body["messages"][0]["content"][0]["cache_control"] == {"type": "ephemeral"}
    assert "$defs" not in str(body["tools"][0]["input_schema"])
    assert call.headers["x-stainless-retry-count"] == "0"  # the SDK's own retries are off
    assert stack.describe(designed).startswith(
        "designer: claude (claude-sonnet-4-6) · 1 LLM answers"
    )


def test_usage_fields_are_accounted_including_prompt_cache_reads_and_writes(
    fake: FakeAnthropic, settings: LLMSettings
) -> None:
    fake.min_cacheable_tokens = 0  # the shop's overview is smaller than the API's minimum
    stack = build(settings, LLMMode.CLAUDE)
    stack.classify(shop())
    usage = stack.report().usage
    billed = [c.usage for c in fake.calls("classify_page")]
    assert len(billed) == 5
    assert usage.input_tokens == sum(u["input_tokens"] for u in billed)
    assert usage.cache_write_tokens == sum(u["cache_creation_input_tokens"] for u in billed) > 0
    assert usage.cache_read_tokens == sum(u["cache_read_input_tokens"] for u in billed) > 0
    assert usage.output_tokens == sum(u["output_tokens"] for u in billed)


@pytest.mark.parametrize("status", [429, 500, 529])
def test_transient_errors_are_retried_until_an_answer_comes(
    fake: FakeAnthropic, settings: LLMSettings, status: int
) -> None:
    fake.fail(status, times=2)
    stack = build(settings, LLMMode.CLAUDE)
    assert stack.designer.design(shop()).plan.designer == "claude"
    assert [c.status for c in fake.calls()] == [status, status, 200]


def test_retry_after_from_the_server_is_honoured(
    fake: FakeAnthropic, settings: LLMSettings
) -> None:
    fake.fail(429, retry_after=0.3)
    stack = build(settings.model_copy(update={"backoff_max_s": 1.0}), LLMMode.CLAUDE)
    started = time.monotonic()
    stack.designer.design(shop())
    assert time.monotonic() - started >= 0.3


def test_a_reply_slower_than_the_timeout_is_retried(
    fake: FakeAnthropic, settings: LLMSettings
) -> None:
    fake.slow(3.0)
    stack = build(settings, LLMMode.CLAUDE)
    assert stack.designer.design(shop()).plan.designer == "claude"
    assert len(fake.calls()) == 1  # the slow request was abandoned by the client, never recorded


def test_a_persistently_overloaded_api_falls_back_and_opens_the_breaker(
    fake: FakeAnthropic, settings: LLMSettings
) -> None:
    fake.fail(529, times=100)
    stack = build(settings, LLMMode.CLAUDE)
    model = stack.classify(shop())  # 5 pages: 2 failed calls open the breaker
    designed = stack.designer.design(model)
    assert designed.plan == OfflineDesigner().design(model).plan
    assert len(fake.calls()) == 2 * settings.max_attempts
    assert stack.describe(designed).startswith(
        "designer: offline (fell back from claude: circuit open:"
    )
    report = stack.report()
    assert report.breaker == "open"
    assert any(
        n.startswith("circuit breaker opened: Claude API answered 529") for n in report.notes
    )
    assert all(p.purpose for p in model.pages)  # classified offline instead


def test_a_rejected_key_is_not_retried_and_stops_all_calls(
    fake: FakeAnthropic, settings: LLMSettings
) -> None:
    stack = build(
        settings.model_copy(update={"api_key": SecretStr("sk-ant-wrong")}), LLMMode.CLAUDE
    )
    stack.classify(shop())
    assert [c.status for c in fake.calls()] == [401]
    assert "sk-ant-wrong" not in str(stack.report())


def test_schema_invalid_output_is_re_asked_once_with_the_problems(
    fake: FakeAnthropic, settings: LLMSettings
) -> None:
    fake.answer_with({"cases": "none today"})
    plan = build(settings, LLMMode.CLAUDE).designer.design(shop()).plan
    assert plan.designer == "claude"
    _, second = fake.calls("add_test_cases")
    assert second.body["messages"][1]["content"][0]["input"] == {"cases": "none today"}
    result = second.body["messages"][2]["content"][0]
    assert result["type"] == "tool_result" and result["is_error"] is True
    assert result["tool_use_id"] == "toolu_fake_000001"
    assert "cases: Input should be a valid list" in result["content"]


def test_schema_invalid_output_twice_falls_back_to_the_offline_plan(
    fake: FakeAnthropic, settings: LLMSettings
) -> None:
    fake.answer_with({"cases": "none today"}, times=2)
    stack = build(settings, LLMMode.CLAUDE)
    designed = stack.designer.design(shop())
    assert designed.plan == OfflineDesigner().design(shop()).plan
    assert "invalid answer twice" in stack.describe(designed)


def test_a_run_over_its_token_budget_finishes_on_the_offline_provider(
    fake: FakeAnthropic, settings: LLMSettings
) -> None:
    stack = build(settings.model_copy(update={"run_token_budget": 6_000}), LLMMode.CLAUDE)
    model = stack.classify(shop())
    designed = stack.designer.design(model)
    report = stack.report()
    assert report.usage.total_tokens <= 6_000
    assert report.tasks["classify"].llm_calls >= 1
    assert report.tasks["design"].offline == 1
    assert any("finishing on the offline provider" in n for n in report.notes)
    assert "budget" in stack.describe(designed)


def test_the_reranker_and_insights_work_through_the_real_sdk(
    fake: FakeAnthropic, settings: LLMSettings
) -> None:
    stack = build(settings, LLMMode.CLAUDE)
    candidates = [
        HealingCandidate(
            fingerprint=ElementFingerprint(tag="button", text=text),
            score=score,
            confidence=score,
            strategy=HealingStrategy.TEXT,
        )
        for text, score in (("Add to basket", 0.7), ("Wishlist", 0.68))
    ]
    decision = stack.reranker.choose(
        ElementFingerprint(tag="button", text="Add to cart"), candidates, 2
    )
    assert decision is not None and decision.candidate.fingerprint.text == "Add to basket"
    assert decision.model == "claude-sonnet-4-6"
    now = datetime(2026, 1, 1, tzinfo=UTC)
    failed = TestResult(
        nodeid="t",
        title="cart total",
        status=TestStatus.FAILED,
        failure=Failure(kind=FailureKind.ASSERTION, message="expected $16.00"),
    )
    run = RunResult(
        base_url="http://shop.test/",
        plan_hash="h",
        started_at=now,
        finished_at=now,
        workers=1,
        tests=[failed],
    )
    assert stack.insights(run) == "1 tests failed, starting with: cart total."


def test_offline_mode_needs_no_key_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    assert (
        build(LLMSettings(), LLMMode.AUTO).describe() == "designer: offline (no ANTHROPIC_API_KEY)"
    )
    assert build(LLMSettings(), LLMMode.OFFLINE).describe() == "designer: offline (--llm offline)"
    assert isinstance(
        build(LLMSettings(api_key=SecretStr("k")), LLMMode.AUTO).designer, ClaudeDesigner
    )
