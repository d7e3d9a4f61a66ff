"""Industry templates: what a senior QA engineer tests first in a kind of application.

A template is recognised from words in the app (paths, titles, headings, element names, page
classification) and contributes patterns to the LLM designer's prompt. Templates are one
`PatternSource`; the knowledge base of learned patterns is another.
"""

import re
from dataclasses import dataclass
from typing import Protocol

from testforge.domain.app_model import AppModel


class PatternSource(Protocol):
    """Suggests test patterns for an application, most relevant first."""

    def suggest(self, model: AppModel) -> list[str]: ...


@dataclass(frozen=True)
class IndustryTemplate:
    name: str
    signals: re.Pattern[str]
    patterns: tuple[str, ...]


TEMPLATES: tuple[IndustryTemplate, ...] = (
    IndustryTemplate(
        "e-commerce",
        re.compile(r"\b(cart|checkout|basket|product|order|shipping|deal|price)s?\b", re.I),
        (
            "the cart shows the quantity and amount chosen on the product page",
            "cart totals match the observed amounts after every change",
            "checkout refuses missing or invalid payment and address fields",
            "removing an item updates the cart",
            "search finds a known product and says so when nothing matches",
            "a signed-out visitor is sent to sign in before checkout",
        ),
    ),
    IndustryTemplate(
        "saas",
        re.compile(
            r"\b(dashboard|workspace|project|team|plan|billing|subscription|invite)s?\b", re.I
        ),
        (
            "sign-in lands on the dashboard and protected pages refuse visitors",
            "creating an item shows it in its list",
            "settings forms validate and keep what was saved",
            "plan and billing pages show the current plan",
        ),
    ),
    IndustryTemplate(
        "banking",
        re.compile(r"\b(account|balance|transfer|payee|statement|transaction|iban)s?\b", re.I),
        (
            "balances and amounts are shown exactly as observed",
            "a transfer form refuses amounts out of range and invalid account numbers",
            "every page with money on it requires sign-in",
            "a wrong password is refused with a message and no session",
        ),
    ),
    IndustryTemplate(
        "content",
        re.compile(r"\b(article|blog|post|story|news|comment|author|category|tag)s?\b", re.I),
        (
            "listing pages link to their articles and the articles load",
            "comment forms validate required fields",
            "search and category filters find known content",
        ),
    ),
)
_MIN_SIGNALS = 2  # distinct words: one stray "order" in a footer does not make a shop


def _vocabulary(model: AppModel) -> str:
    words: list[str] = []
    for page in model.pages:
        words += [page.path, page.title, page.heading or "", page.business_flow or ""]
        words += [e.fingerprint.accessible_name or e.fingerprint.text or "" for e in page.elements]
        words += [form.purpose for form in page.forms]
    return " ".join(words)


def detect(model: AppModel) -> list[IndustryTemplate]:
    """Matching templates, most distinct signal words first."""
    text = _vocabulary(model)
    counted = [(len({w.lower() for w in t.signals.findall(text)}), t) for t in TEMPLATES]
    return [t for n, t in sorted(counted, key=lambda c: -c[0]) if n >= _MIN_SIGNALS]


class IndustryTemplates:
    def suggest(self, model: AppModel) -> list[str]:
        return [f"{t.name}: {p}" for t in detect(model) for p in t.patterns]
