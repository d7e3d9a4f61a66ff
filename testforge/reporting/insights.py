"""Report insights: a short plain-language summary of why a run's tests failed.

Claude writes it when available; the offline answer groups failures by kind. Runs without
failures get no insights (and cost nothing).
"""

from collections import Counter

from pydantic import BaseModel, Field

from testforge.domain.results import FailureKind, RunResult, TestStatus
from testforge.llm.brief import to_json
from testforge.llm.port import LLMProvider, Prompt

TOOL = "summarise_failures"
MAX_FAILURES = 30
MAX_MESSAGE = 300

SYSTEM = """You are the QA lead reading an end-to-end test run's failures for the developers.
Write a short plain-language summary (at most five sentences): what is broken, grouped by likely
cause, which tests show it (by title), and what to look at first. Mention healed locators only if
they explain a failure. Say only what the failures show; do not guess at code you cannot see.
Answer only by calling the tool."""

_KIND_WORDS = {
    FailureKind.ELEMENT_NOT_FOUND: "an element could not be found",
    FailureKind.ASSERTION: "the page did not show what was expected",
    FailureKind.TIMEOUT: "the test timed out",
    FailureKind.NAVIGATION: "a page failed to load",
    FailureKind.ERROR: "the test hit an error",
}


class Insights(BaseModel):
    summary: str = Field(max_length=1500)


def offline_summary(result: RunResult) -> Insights:
    failed = [t for t in result.tests if t.status is TestStatus.FAILED]
    kinds = Counter(t.failure.kind for t in failed if t.failure)
    parts = []
    for kind, count in kinds.most_common():
        titles = [t.title for t in failed if t.failure and t.failure.kind is kind][:3]
        more = f" and {count - len(titles)} more" if count > len(titles) else ""
        parts.append(f"{count} because {_KIND_WORDS[kind]} ({'; '.join(titles)}{more})")
    total = result.summary.total
    return Insights(summary=f"{len(failed)} of {total} tests failed: " + ", ".join(parts) + ".")


def insights_prompt(result: RunResult) -> Prompt[Insights]:
    failed = [t for t in result.tests if t.status is TestStatus.FAILED][:MAX_FAILURES]
    failures = [
        {
            "title": t.title,
            "priority": t.priority,
            "kind": t.failure.kind.value if t.failure else None,
            "message": (t.failure.message[:MAX_MESSAGE] if t.failure else None),
            "step": t.failure.step if t.failure else None,
            "element": t.failure.target if t.failure else None,
            "healed_steps": [h.key for h in t.heals],
        }
        for t in failed
    ]
    s = result.summary
    question = to_json(
        {
            "base_url": result.base_url,
            "totals": {"total": s.total, "passed": s.passed, "failed": s.failed,
                       "healed": s.healed, "flaky": s.flaky, "skipped": s.skipped},
            "failures": failures,
        }
    )
    return Prompt(
        task="insights", system=SYSTEM, context="",
        question=f"Summarise these failures and call {TOOL}:\n{question}",
        schema=Insights, tool=TOOL, tool_description="Record the summary of the run's failures.",
        offline=lambda: offline_summary(result), max_tokens=700,
    )


def insights(result: RunResult, provider: LLMProvider) -> str | None:
    if not result.summary.failed:
        return None
    return provider.ask(insights_prompt(result)).value.summary
