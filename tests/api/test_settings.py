"""Settings refuse default, weak or unsafe configuration outside development."""

import secrets
from typing import Any

import pytest
from pydantic import ValidationError

from api.settings import DEV_SECRET_KEY, Settings


def production(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "environment": "production",
        "public_url": "https://testforge.example",
        "secret_key": secrets.token_urlsafe(48),
        "database_url": "postgresql+psycopg://api:pw@db.internal:5432/testforge",
        "oidc_issuer": "https://login.example",
        "oidc_client_secret": secrets.token_urlsafe(40),
        "stripe_secret_key": "sk_live_" + secrets.token_urlsafe(32),
        "stripe_webhook_secret": "whsec_" + secrets.token_urlsafe(32),
        "rate_limit_storage": "redis://:pw@redis.internal:6379/0",
    }
    values.update(overrides)
    return values


def test_development_starts_with_the_built_in_defaults() -> None:
    settings = Settings()
    assert settings.development
    assert settings.secret_key.get_secret_value() == DEV_SECRET_KEY
    assert settings.migrate_on_start


def test_production_starts_with_strong_secrets_postgres_and_https() -> None:
    settings = Settings(**production())
    assert not settings.development
    assert not settings.migrate_on_start
    assert settings.secure_cookies


@pytest.mark.parametrize(
    "field",
    ["secret_key", "oidc_client_secret", "stripe_secret_key", "stripe_webhook_secret"],
)
def test_production_refuses_each_development_default_secret(field: str) -> None:
    values = production()
    del values[field]
    with pytest.raises(ValidationError, match=f"{field} is the development default"):
        Settings(**values)


@pytest.mark.parametrize(
    ("secret", "problem"),
    [("short-but-random-Xy9", "shorter than 32"), ("ab" * 20, "distinct characters")],
)
def test_production_refuses_weak_session_secrets(secret: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        Settings(**production(secret_key=secret))


def test_production_refuses_sqlite_and_a_plain_http_identity_provider() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(**production(database_url="sqlite:///api.db", oidc_issuer="http://login.example"))
    message = str(refused.value)
    assert "database_url must be PostgreSQL" in message
    assert "oidc_issuer must be https://" in message
    assert "TESTFORGE_API_" in message  # it says how to fix it


def test_production_reads_its_secrets_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in production().items():
        monkeypatch.setenv(f"TESTFORGE_API_{name.upper()}", str(value))
    monkeypatch.setenv("TESTFORGE_API_PLATFORM_ADMINS", '["ops@example.com"]')
    settings = Settings()
    assert settings.environment == "production"
    assert settings.platform_admins == ["ops@example.com"]


def test_secrets_are_hidden_from_repr() -> None:
    values = production()
    shown = repr(Settings(**values))
    for field in ("secret_key", "oidc_client_secret", "stripe_secret_key", "rate_limit_storage"):
        assert values[field] not in shown


def test_production_refuses_rate_limits_counted_per_process() -> None:
    with pytest.raises(ValidationError, match="rate_limit_storage must be shared"):
        Settings(**production(rate_limit_storage="memory://"))


@pytest.mark.parametrize("field", ["anonymous_rate", "failed_credentials_lockout"])
def test_a_rate_that_does_not_parse_is_refused_with_an_example(field: str) -> None:
    with pytest.raises(ValidationError, match=r"write e\.g\. '10/minute'"):
        Settings.model_validate({field: "ten a minute"})
