"""Telling a copy edit from a behaviour change when an asserted text differs.

"Sign in" becoming "Log in", or "Issue tracker" becoming "Issue Tracker", is a copy change: the
test should say so and let a person accept the new text. "$69.00" becoming "$74.00" is not:
numbers are what a page computes, so any change in them stays a plain assertion failure.
"""

import re
from datetime import datetime
from difflib import SequenceMatcher
from enum import StrEnum

from testforge.domain.results import CopyChange
from testforge.domain.review import ReviewRequest

MIN_SIMILARITY = 0.6
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def _normal(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def copy_change(key: str, expected: str, actual: str) -> CopyChange | None:
    """The edit, when `actual` is a small edit of `expected` that leaves its numbers alone."""
    old, new = _normal(expected), _normal(actual)
    if not new or old == new or _DIGITS.findall(old) != _DIGITS.findall(new):
        return None
    similarity = SequenceMatcher(None, old.lower(), new.lower()).ratio()
    if similarity < MIN_SIMILARITY:
        return None
    return CopyChange(key=key, expected=expected, actual=new, similarity=round(similarity, 3))


class CopyDecision(StrEnum):
    PENDING = "pending"  # waits for a person: copy is never accepted automatically
    ACCEPTED = "accepted"  # the new text is in the suite
    REJECTED = "rejected"  # kept, so the same change is not proposed again


class CopyChangeRequest(ReviewRequest):
    """One distinct copy change of one asserted element, however many tests saw it."""

    key: str
    expected: str
    actual: str
    similarity: float
    decision: CopyDecision = CopyDecision.PENDING
    decided_at: datetime | None = None
    decided_by: str | None = None
