"""Deterministic answers for TestForge's tools, computed from the request like a model would:
they read the brief, question or candidates in the prompt. Used with the fake Anthropic server
by the LLM integration tests, the end-to-end run and the cache benchmark."""

import json
import re
from typing import Any

from tests.fakes.anthropic_server import Responder

_CONTROL_KINDS = {"button", "text_input", "select", "textarea", "checkbox"}
_FLOWS = (
    ("authentication", r"sign[ -]?in|log[ -]?in|password"),
    ("purchase", r"cart|checkout|order"),
    ("account management", r"account"),
    ("support", r"contact"),
    ("browsing", r"product|deal"),
)


def _texts(body: dict[str, Any]) -> list[str]:
    return [
        block["text"]
        for message in body["messages"]
        if message["role"] == "user" and isinstance(message["content"], list)
        for block in message["content"]
        if block.get("type") == "text"
    ]


def _json_after_first_line(text: str) -> Any:
    return json.loads(text.split("\n", 1)[1])


def classify_page(body: dict[str, Any]) -> dict[str, Any]:
    page = _json_after_first_line(_texts(body)[-1])
    words = " ".join([page["path"], page["title"], page.get("heading") or ""])
    flow = next((f for f, p in _FLOWS if re.search(p, words, re.I)), "information")
    risk = (
        "high" if flow in {"purchase", "authentication"} else "medium" if page["forms"] else "low"
    )
    controls = [e for e in page["elements"] if e["kind"] in _CONTROL_KINDS][:3]
    return {
        "purpose": f"A {flow} page of the application.",
        "business_flow": flow,
        "risk": risk,
        "elements": [
            {"element": e["name"], "purpose": f"lets the user use {e['label'] or e['name']}"}
            for e in controls
        ],
    }


def add_test_cases(body: dict[str, Any]) -> dict[str, Any]:
    """One extra case per stateless page: its key controls are visible when it opens."""
    brief = next(_json_after_first_line(t) for t in _texts(body) if t.startswith("Application"))
    cases = []
    for page in brief["pages"]:
        if page.get("state") or "elements" not in page:
            continue
        controls = [
            e for e in page["elements"] if e["kind"] in _CONTROL_KINDS and e.get("visible", True)
        ][:3]
        if not controls:
            continue
        signed_in = bool(page.get("requires_auth"))
        steps = [{"clause": "given", "action": "sign_in"}] if signed_in else []
        steps.append({"clause": "when", "action": "goto", "value": page["path"]})
        steps += [
            {"clause": "then", "action": "expect_visible", "target": e["key"]} for e in controls
        ]
        cases.append(
            {
                "title": f"Key controls on {page['path']} are visible",
                "priority": "P2",
                "tags": ["smoke"],
                "given": "a signed-in user" if signed_in else "a visitor",
                "when": f"they open {page['path']}",
                "then": "its controls are there: " + ", ".join(e["key"] for e in controls),
                "steps": steps,
                "pages": [page["path"]],
                "needs_auth": signed_in,
            }
        )
    return {"cases": cases[:15]}


def choose_candidate(body: dict[str, Any]) -> dict[str, Any]:
    question = _texts(body)[-1]
    data = json.loads(question[question.index("{") :])
    best = max(data["candidates"], key=lambda c: c["confidence"])
    return {"candidate": best["id"], "reason": "the highest-ranked candidate plays the same role"}


def summarise_failures(body: dict[str, Any]) -> dict[str, Any]:
    question = _texts(body)[-1]
    data = json.loads(question[question.index("{") :])
    titles = "; ".join(f["title"] for f in data["failures"][:3])
    return {"summary": f"{data['totals']['failed']} tests failed, starting with: {titles}."}


def testforge_responders() -> dict[str, Responder]:
    return {
        "classify_page": classify_page,
        "add_test_cases": add_test_cases,
        "choose_candidate": choose_candidate,
        "summarise_failures": summarise_failures,
    }
