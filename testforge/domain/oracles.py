"""Which observed texts are fit to become expectations.

An expectation must hold on every healthy run of the version it was observed on. Texts with
digits are counts, times, dates, ids, versions or durations ("Queries took 7.818ms", "3 open
issues", "updated 2 minutes ago"): they change with the data or the clock, so they are asserted
only where they are the point of the test (the amounts of a cart, observed on two runs). Texts
with no word in them ("/", "»", "|") assert nothing, and neither does a progress message ("Run
page loading", "Please wait…"): it says the page is not ready, and is gone once it is.
"""

import re

MAX_TEXT_ASSERTION = 80
MONEY = re.compile(r"[$€£¥]\s?\d|\d[.,]\d{2}\b")
_WORD = re.compile(r"[^\W\d_]{2,}")
_DIGIT = re.compile(r"\d")
_PROGRESS = re.compile(r"(?i)\b(loading|please wait|fetching|spinner)\b")
_RELATIVE_TIME = re.compile(
    r"(?i)\b(ago|just now|yesterday|today|tomorrow|seconds?|minutes?|hours?|last (week|month))\b"
)


_CLOCK = re.compile(r"\d{1,2}:\d{2}|\d{4}-\d{2}-\d{2}")


def volatile(text: str) -> bool:
    """Text that changes with the clock ("32 minutes ago", "12:01", "2026-12-01"): an element
    named by it cannot be found by its name tomorrow."""
    return bool(_RELATIVE_TIME.search(text) or _CLOCK.search(text))


def assertable(text: str, *, money: bool = False) -> bool:
    """Fit to assert: short, with a word in it, and nothing that changes between runs (digits,
    relative times), unless `money` allows amounts (observed stable on two runs)."""
    text = text.strip()
    if not (3 <= len(text) <= MAX_TEXT_ASSERTION) or not _WORD.search(text):
        return False
    if _RELATIVE_TIME.search(text) or _PROGRESS.search(text):
        return False
    return not _DIGIT.search(text) or (money and bool(MONEY.search(text)))
