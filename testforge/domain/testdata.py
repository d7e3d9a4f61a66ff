"""Test data: valid and invalid inputs derived from a field's type, name and constraints.

Pure and deterministic: the same field always gets the same values, so generated suites are
reproducible and discovery's observations stay valid as oracles.
"""

import random
import re
from dataclasses import dataclass

import rstr

from testforge.domain.app_model import FormField

# Semantic categories, matched against a field's name, label and type (first match wins).
_CATEGORIES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("email", r"e-?mail"),
        ("password", r"pass(word)?|pwd"),
        ("card", r"card|cc-?num|credit"),
        ("cvc", r"cvc|cvv|security code"),
        ("expiry", r"expir|exp[-_ ]?date|mm ?/ ?yy"),
        ("phone", r"phone|tel|mobile"),
        ("postal", r"postal|post ?code|zip"),
        ("city", r"city|town"),
        ("address", r"address|street|line ?1"),
        ("country", r"country"),
        ("first_name", r"first[-_ ]?name|given"),
        ("last_name", r"last[-_ ]?name|surname|family"),
        ("name", r"name"),
        ("url", r"url|website|homepage"),
        ("quantity", r"qty|quantity|amount|count"),
        ("search", r"^q$|search|query|keyword"),
        ("subject", r"subject|topic|title"),
        ("message", r"message|comment|feedback|description|enquiry|inquiry|body|notes?"),
    )
)
_SEMANTIC_VALUES = {
    "email": "ada.lovelace@example.com",
    "card": "4242424242424242",
    "cvc": "123",
    "expiry": "12/34",
    "phone": "+1 555 010 2030",
    "postal": "94107",
    "city": "Springfield",
    "address": "12 Analytical Engine Road",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "name": "Ada Lovelace",
    "url": "https://example.com",
    "quantity": "2",
    "search": "test",
    "subject": "Question about an order",
    "message": "Hello, I would like to know when my order will be shipped. Thank you!",
}
_TYPE_VALUES = {
    "email": "ada.lovelace@example.com",
    "url": "https://example.com",
    "tel": "+1 555 010 2030",
    "date": "2030-01-15",
    "time": "10:30",
    "datetime-local": "2030-01-15T10:30",
    "month": "2030-01",
    "week": "2030-W03",
    "color": "#336699",
}
_NON_TEXT_TYPES = frozenset({"checkbox", "radio", "file", "hidden", "submit", "button", "reset"})


def category_of(field: FormField) -> str | None:
    if field.input_type == "password":
        return "password"
    haystacks = [field.name, field.label or "", field.input_type]
    for category, pattern in _CATEGORIES:
        if any(pattern.search(h) for h in haystacks if h):
            return category
    return None


def matches_pattern(value: str, pattern: str | None) -> bool:
    if not pattern:
        return True
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return True  # a JS-only pattern Python cannot read: let the browser judge


def _from_pattern(pattern: str, seed: str) -> str | None:
    try:
        return str(rstr.Rstr(random.Random(seed)).xeger(pattern))
    except (re.error, ValueError, TypeError):
        return None


def _fit_length(value: str, field: FormField) -> str:
    c = field.constraints
    if c.min_length and len(value) < c.min_length:
        value = (value + " " + value * c.min_length)[: max(c.min_length, len(value))]
    if c.max_length and len(value) > c.max_length:
        value = value[: c.max_length]
    return value


def _number(field: FormField) -> str:
    c = field.constraints
    low = c.minimum if c.minimum is not None else 0.0
    high = c.maximum if c.maximum is not None else max(low + 10, 10.0)
    value = min(max(low, 2.0), high)
    return str(int(value)) if value == int(value) else str(value)


def valid_value(field: FormField, password: str | None = None) -> str | None:
    """A value the field should accept; None for fields that are not filled with text."""
    c = field.constraints
    if field.input_type in _NON_TEXT_TYPES:
        return None
    if field.input_type == "select":
        return c.options[0] if c.options else None  # discovery lists only selectable options
    if field.input_type in {"number", "range"}:
        return _number(field)
    category = category_of(field)
    fallback = (field.label or field.name or "text").strip().capitalize() + " value"
    if category == "password":
        value = password or "Str0ng-Passw0rd!"
    else:
        known = _SEMANTIC_VALUES.get(category or "") or _TYPE_VALUES.get(field.input_type)
        value = known or fallback
    if not matches_pattern(value, c.pattern) and c.pattern:
        value = _from_pattern(c.pattern, field.name) or value
    return _fit_length(value, field)


@dataclass(frozen=True)
class InvalidInput:
    """A value the field should reject, and the rule it breaks."""

    rule: str
    value: str


def invalid_inputs(field: FormField) -> list[InvalidInput]:
    c, found = field.constraints, []
    category = category_of(field)
    if field.input_type == "email" or category == "email":
        found.append(InvalidInput("email", "not-an-email"))
    if field.input_type == "url":
        found.append(InvalidInput("url", "not a url"))
    if c.pattern:
        bad = next((v for v in ("abc", "0", "x!", "12") if not matches_pattern(v, c.pattern)), None)
        if bad is not None:
            found.append(InvalidInput("pattern", bad))
    if category == "card":
        found.append(InvalidInput("checksum", "4242424242424241"))
    if c.min_length and c.min_length > 1:
        found.append(InvalidInput("min_length", "x" * (c.min_length - 1)))
    if field.input_type in {"number", "range"}:
        step = c.step or 1
        if c.minimum is not None:
            found.append(InvalidInput("minimum", _plain(c.minimum - step)))
        if c.maximum is not None:
            found.append(InvalidInput("maximum", _plain(c.maximum + step)))
    return found


def _plain(number: float) -> str:
    return str(int(number)) if number == int(number) else str(number)
