"""Pure rules: quota periods, redaction, redirect targets, key format (roles and permissions:
test_permissions.py)."""

from datetime import UTC, datetime

import pytest

from api.auth import api_keys
from api.services.audit import REDACTED, redact
from api.services.identity import safe_next
from api.services.runs import period


def test_the_quota_period_of_december_ends_on_the_first_of_january() -> None:
    start, end = period(datetime(2026, 12, 31, 23, 59, tzinfo=UTC))
    assert (start, end) == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def test_redaction_reaches_nested_details_and_keeps_the_rest() -> None:
    details = {"plan": "team", "api_key": "tfk_x", "nested": {"client_secret": "s", "n": 1}}
    assert redact(details) == {
        "plan": "team",
        "api_key": REDACTED,
        "nested": {"client_secret": REDACTED, "n": 1},
    }


@pytest.mark.parametrize(
    ("asked", "allowed"),
    [
        ("/v1/tenants", "/v1/tenants"),
        (None, "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
    ],
)
def test_sign_in_returns_only_to_paths_on_this_site(asked: str | None, allowed: str) -> None:
    assert safe_next(asked) == allowed


def test_a_generated_key_splits_into_its_prefix_and_a_matching_secret() -> None:
    key = api_keys.generate()
    parts = api_keys.split(key.plaintext)
    assert parts is not None and parts[0] == key.prefix
    assert api_keys.matches(parts[1], key.secret_hash)
    assert not api_keys.matches(parts[1] + "x", key.secret_hash)
