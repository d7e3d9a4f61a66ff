"""Test data: valid and invalid inputs derived from a field's type, name and constraints.

Pure and deterministic: the same field always gets the same values, so generated suites are
reproducible and discovery's observations stay valid as oracles.
"""

import math
import random
import re
import secrets
import struct
import zlib
from dataclasses import dataclass

import rstr

from testforge.domain.app_model import FormField

# Semantic categories, matched against a field's name, label and type (first match wins).
_CATEGORIES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("email", r"e-?mail"),
        ("password", r"pass(word)?|pwd"),
        ("datetime", r"date[ _-]?time|timestamp|[a-z]_at$"),
        ("date", r"(?<!up)date|birthday|\bdob\b|deadline|\bdue\b|[a-z]_on$"),
        ("time", r"^time$|[ _-]time$"),
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
    "datetime": "2030-01-15 10:30",
    "date": "2030-01-15",
    "time": "10:30",
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
_NON_TEXT_TYPES = frozenset({"checkbox", "radio", "hidden", "submit", "button", "reset"})


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
    """A small number the field accepts: within min and max, on a step from the minimum."""
    c = field.constraints
    low = c.minimum if c.minimum is not None else 0.0
    high = c.maximum if c.maximum is not None else max(low + 10, 10.0)
    step = c.step or 1.0
    value = low + step * max(0, math.ceil((2.0 - low) / step))
    if value > high:
        value = low
    return _plain(round(value, 10))


_DATE_FORMATS = (  # placeholder spellings of a date format, and the value they ask for
    (re.compile(r"(?i)dd[./-]mm[./-]yyyy"), "15/01/2030"),
    (re.compile(r"(?i)mm[./-]dd[./-]yyyy"), "01/15/2030"),
    (re.compile(r"(?i)yyyy[./-]mm[./-]dd"), "2030-01-15"),
)


def _dated(value: str, field: FormField) -> str:
    """A date written the way the field's placeholder asks for it."""
    for pattern, spelled in _DATE_FORMATS:
        if pattern.search(field.placeholder or ""):
            return value.replace("2030-01-15", spelled)
    return value


def valid_value(field: FormField, password: str | None = None) -> str | None:
    """A value the field should accept; None for fields that are not filled with text."""
    c = field.constraints
    if field.input_type in _NON_TEXT_TYPES:
        return None
    if field.input_type == "select":
        return c.options[0] if c.options else None  # discovery lists only selectable options
    if field.input_type == "file":
        return sample_file_name(c.accept)
    if field.input_type in {"number", "range"}:
        return _number(field)
    category = category_of(field)
    fallback = (field.label or field.name or "text").strip().capitalize() + " value"
    if category == "password":
        value = password or "Str0ng-Passw0rd!"
    elif field.input_type in _TYPE_VALUES:  # the type decides: an email field takes an e-mail
        value = _TYPE_VALUES[field.input_type]
    else:
        value = _SEMANTIC_VALUES.get(category or "") or fallback
        if category in {"date", "datetime"}:
            value = _dated(value, field)
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


# -- unique values: what a test that writes enters, so its record never collides -------------

UNIQUE_TOKEN_LENGTH = 6
_FREE_TEXT = frozenset({"text", "textarea", "email"})
_NOT_UNIQUE = frozenset({"date", "datetime", "time", "quantity", "phone", "postal", "card", "cvc",
                         "expiry", "password", "search", "url", "country"})  # fmt: skip


def unique_token() -> str:
    return secrets.token_hex(UNIQUE_TOKEN_LENGTH // 2)


def is_unique_candidate(field: FormField, value: str) -> bool:
    """Free text that names or describes a record (not a date, a number or a credential)."""
    c = field.constraints
    if field.input_type not in _FREE_TEXT or c.pattern or value.startswith("$"):
        return False
    if category_of(field) in _NOT_UNIQUE or value.replace(" ", "").isdigit():
        return False
    return c.max_length is None or c.max_length >= len(value) + UNIQUE_TOKEN_LENGTH + 1


def unique_value(value: str, token: str) -> str:
    """`value` made unique by `token`: `ada+3f9c2a@example.com`, `Ada Lovelace 3f9c2a`."""
    local, at, domain = value.partition("@")
    if at and " " not in value:
        return f"{local}+{token}@{domain}"
    return f"{value} {token}"


# -- sample files: what a test uploads into a file input ---------------------------------------


def _png() -> bytes:
    """A valid 1x1 white PNG, built (not pasted), so its checksums are right."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# The smallest file of each kind a form may ask for.
_PNG = _png()
_PDF = (
    b"%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]"
    b"/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
SAMPLE_FILES: dict[str, tuple[str, bytes]] = {
    "sample.png": ("image/png", _PNG),
    "sample.pdf": ("application/pdf", _PDF),
    "sample.csv": ("text/csv", b"name,value\nsample,1\n"),
    "sample.txt": ("text/plain", b"A sample file uploaded by TestForge.\n"),
}


def sample_file_name(accept: str | None) -> str:
    """The sample file a file input with this `accept` takes."""
    wanted = (accept or "").lower()
    if "image" in wanted or ".png" in wanted or ".jpg" in wanted:
        return "sample.png"
    if "pdf" in wanted:
        return "sample.pdf"
    if "csv" in wanted:
        return "sample.csv"
    return "sample.txt"


def sample_file(name: str) -> tuple[str, bytes]:
    """The MIME type and bytes of a sample file (an unknown name gets the text file)."""
    return SAMPLE_FILES.get(name, SAMPLE_FILES["sample.txt"])
