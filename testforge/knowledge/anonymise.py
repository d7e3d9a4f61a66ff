"""Anonymisation: what a healing pattern may carry when it leaves its tenant.

A pattern is a list of structural tokens (`kept:id`, `tag:a>button`, `moved_container`). Every
token must match the allowlist grammar below; anything else (texts, values, URLs, names) is
dropped, so personal data cannot leave even if a bug upstream let it into a token.
"""

import re

from testforge.healing.signature import TRACKED

_PROPERTY = "|".join(TRACKED)
_TAG = r"[a-z][a-z0-9]{0,15}"
_ROLE = r"[a-z]{2,20}"
_ALLOWED = re.compile(
    rf"^(?:(?:kept|changed|added|removed):(?:{_PROPERTY})"
    rf"|tag:(?:kept|{_TAG}>{_TAG})"
    rf"|(?:from|to):{_TAG}"
    rf"|role:{_ROLE}"
    r"|moved_container|text_reworded|id_rehashed|link_became_button|button_became_link)$"
)
# Free text is never stored; these catch what would leak if it were (used on descriptions).
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL_OR_HOST = re.compile(r"\b(?:https?://)?(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:/\S*)?", re.I)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+\b")  # "Ada Lovelace"


def structural_tokens(tokens: list[str]) -> list[str]:
    """Only the tokens of the allowlist grammar, deduplicated, in order."""
    return list(dict.fromkeys(t for t in tokens if _ALLOWED.match(t)))


def scrub(text: str) -> str:
    """Free text with e-mail addresses, hosts and URLs, numbers and personal names masked."""
    text = _EMAIL.sub("<email>", text)
    text = _URL_OR_HOST.sub("<host>", text)
    text = _CAPITALISED.sub("<name>", text)
    return _NUMBER.sub("<n>", text)
