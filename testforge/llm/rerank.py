"""The LLM re-ranker for healing (the VON Similo LLM pattern): when the deterministic engine's
top candidates are too close to call, Claude sees the lost element and at most k candidates and
names the one that is the same element, with a reason.

An answer counts only if it names one of the offered candidates; anything else (or no LLM)
leaves the decision to the deterministic engine (`choose` returns None).
"""

from typing import Any

from pydantic import BaseModel, Field

from testforge.domain.base import DomainModel
from testforge.domain.fingerprint import ElementFingerprint
from testforge.domain.healing import HealingCandidate
from testforge.llm.brief import to_json
from testforge.llm.port import LLMProvider, Prompt

TOOL = "choose_candidate"
MAX_K = 10
MAX_TEXT = 120

SYSTEM = """A web test lost an element: the page changed and its locators no longer match. You
are given the element's properties as recorded when the test was written, and candidate elements
found on the current page, ranked by a similarity engine. Decide which candidate is the same
element, playing the same role for the user (same action, same data), even if its text, id or
position changed. If none of them is, say so: a wrong match makes a test pass for the wrong
reason, which is worse than a failure. Name a candidate only by its id. Answer only by calling
the tool."""


class RerankAnswer(BaseModel):
    candidate: str | None = Field(description="The id of the matching candidate, or null if none")
    reason: str = Field(max_length=400, description="Why, in one or two sentences")


class RerankDecision(DomainModel):
    """The candidate chosen, its position in the list given to `choose`, and why."""

    candidate: HealingCandidate
    index: int
    reason: str
    provider: str
    model: str | None = None


def describe(fp: ElementFingerprint) -> dict[str, Any]:
    """The properties that identify an element to a reader, without layout noise."""
    data = fp.model_dump(
        exclude_none=True, exclude_defaults=True, exclude={"xpath", "id_xpath", "box", "classes"}
    )
    data = {k: (v[:MAX_TEXT] if isinstance(v, str) else v) for k, v in data.items()}
    if fp.classes:
        data["classes"] = list(fp.classes[:6])
    if fp.box:
        data["position"] = [round(fp.box.x), round(fp.box.y)]
    return data


def are_close(candidates: list[HealingCandidate], margin: float = 0.1) -> bool:
    """Whether the best two candidates are within `margin` of each other: worth a second opinion."""
    ranked = sorted((c.confidence for c in candidates), reverse=True)
    return len(ranked) >= 2 and ranked[0] - ranked[1] <= margin


class Reranker:
    def __init__(self, provider: LLMProvider) -> None:
        self._provider = provider

    def choose(
        self, target: ElementFingerprint, candidates: list[HealingCandidate], k: int
    ) -> RerankDecision | None:
        offered = candidates[: max(0, min(k, MAX_K))]
        if not offered:
            return None
        ids = [f"C{n}" for n in range(1, len(offered) + 1)]
        question = to_json(
            {
                "lost_element": describe(target),
                "candidates": [
                    {"id": i, "confidence": round(c.confidence, 3), **describe(c.fingerprint)}
                    for i, c in zip(ids, offered, strict=True)
                ],
            }
        )

        def unknown(answer: RerankAnswer) -> list[str]:
            if answer.candidate is None or answer.candidate in ids:
                return []
            return [f"candidate: {answer.candidate!r} is not one of {', '.join(ids)} (or null)"]

        reply = self._provider.ask(
            Prompt(
                task="rerank", system=SYSTEM, context="",
                question=f"Which candidate is the lost element? Call {TOOL}.\n{question}",
                schema=RerankAnswer, tool=TOOL,
                tool_description="Name the candidate that is the lost element, or null.",
                # No LLM, no second opinion: the deterministic ranking stands.
                offline=lambda: RerankAnswer(candidate=None, reason="no LLM available"),
                check=unknown, max_tokens=512,
            )
        )
        answer = reply.value
        if not reply.from_llm or answer.candidate not in ids:
            return None
        index = ids.index(answer.candidate)
        return RerankDecision(
            candidate=offered[index], index=index, reason=answer.reason,
            provider=reply.provider, model=reply.model,
        )
