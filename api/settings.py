"""The API's one validated configuration (environment prefix `TESTFORGE_API_`).

Read once by whoever starts the app and passed to `api.main.create_app`; nothing reads the
environment at import time. Outside `environment=development` it refuses default, missing or
weak secrets, plain-HTTP identity providers and SQLite, so a forgotten variable fails the
deployment instead of shipping a guessable session key.
"""

from pathlib import Path
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.billing.plans import Plan
from api.throttle import tiers

# Development defaults: usable on a laptop, refused everywhere else.
DEV_SECRET_KEY = "dev-only-insecure-session-key-change-me"
DEV_OIDC_CLIENT_SECRET = "dev-only-oidc-client-secret"
DEV_STRIPE_SECRET_KEY = "sk_test_dev_only"
DEV_STRIPE_WEBHOOK_SECRET = "whsec_dev_only"
MIN_SECRET_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 12  # "aaaa...a" or "abcabc..." is long but guessable
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TESTFORGE_API_", env_file=None, extra="ignore")

    environment: Literal["development", "production"] = "development"
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where browsers reach the API: builds OIDC redirect, share and checkout URLs",
    )
    secret_key: SecretStr = Field(
        default=SecretStr(DEV_SECRET_KEY),
        description="Signs login-state and share tokens (HS256); encrypts the access-token "
        "signing keys at rest",
    )
    access_token_ttl_seconds: int = Field(
        default=900, ge=60, le=3600, description="Lifetime of an access token (RS256)"
    )
    refresh_token_ttl_days: int = Field(
        default=7, ge=1, le=90, description="A session unused (unrefreshed) this long ends"
    )
    signing_key_rotation_days: int = Field(
        default=30, ge=1, le=365, description="Age at which the token signing key is replaced"
    )
    share_ttl_max_days: int = Field(default=30, ge=1, le=365)

    # A secret: the URL holds the database password, and must never reach a log or a repr.
    database_url: SecretStr = SecretStr("sqlite:///./testforge-api.db")
    auto_migrate: bool | None = Field(
        default=None, description="Upgrade the schema at start-up; default: only in development"
    )

    oidc_issuer: str = "http://127.0.0.1:8900"
    oidc_client_id: str = "testforge"
    oidc_client_secret: SecretStr = SecretStr(DEV_OIDC_CLIENT_SECRET)
    oidc_scopes: str = "openid email profile"
    platform_admins: list[str] = Field(
        default_factory=list,
        description="E-mail addresses (verified by the IdP) of platform admins",
    )

    stripe_secret_key: SecretStr = SecretStr(DEV_STRIPE_SECRET_KEY)
    stripe_webhook_secret: SecretStr = SecretStr(DEV_STRIPE_WEBHOOK_SECRET)
    stripe_api_base: str | None = Field(
        default=None, description="Override of https://api.stripe.com (tests, proxies)"
    )
    stripe_prices: dict[Plan, str] = Field(
        default_factory=lambda: {Plan.TEAM: "price_team", Plan.BUSINESS: "price_business"},
        description="Stripe price id of each paid plan",
    )

    kubeconfig: Path | None = Field(
        default=None, description="Kubeconfig file; in-cluster service account config if unset"
    )
    kube_context: str | None = None
    namespace_prefix: str = Field(default="tf-", pattern=r"^[a-z0-9-]{0,20}$")
    manage_namespaces: bool = Field(
        default=True,
        description="Create each tenant's namespace; off where GitOps provisions namespaces",
    )

    # The HTTP edge: limits, origins, proxies and what is public.
    max_body_bytes: int = Field(
        default=256 * 1024,  # room for Stripe's largest events; every API body is far smaller
        ge=1024,
        le=16 * 1024 * 1024,
        description="Largest request body",
    )
    request_timeout_s: float = Field(
        default=30.0, gt=0, le=300, description="Answer 504 when a request takes longer"
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Browser origins allowed to call the API (CORS)"
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks of the proxies whose X-Forwarded-For is believed",
    )
    public_docs: bool | None = Field(
        default=None, description="Serve /docs and /openapi.json; default: only in development"
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token /metrics asks for; without one, /metrics is development-only",
    )

    # Abuse limits (the plan sets each tenant's and each API key's request rate).
    rate_limit_storage: SecretStr = Field(
        default=SecretStr("memory://"),
        description="Where the counters live: redis://host:6379/0, shared by every replica "
        "(a secret: the URL may hold a password); memory:// counts per process",
    )
    anonymous_rate: str = Field(
        default="60/minute",
        description="Requests per client address to sign-in, its callback and shared links",
    )
    person_rate: str = Field(default="600/minute", description="Requests per signed-in person")
    failed_credentials_lockout: str = Field(
        default="10/minute;30/hour;100/day",
        description="Failed credentials (wrong API keys, forged tokens, bad sign-in callbacks) "
        "an address may send per window before it is locked out until the window frees",
    )
    abuse_audit_rate: str = Field(
        default="20/hour",
        description="Audit rows one address can cause by failing; beyond it, only logs and metrics",
    )

    @field_validator(
        "anonymous_rate", "person_rate", "failed_credentials_lockout", "abuse_audit_rate"
    )
    @classmethod
    def _parses_as_rate(cls, value: str) -> str:
        tiers(value)
        return value

    @property
    def docs_enabled(self) -> bool:
        return self.development if self.public_docs is None else self.public_docs

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @property
    def migrate_on_start(self) -> bool:
        return self.development if self.auto_migrate is None else self.auto_migrate

    @property
    def secure_cookies(self) -> bool:
        return urlsplit(self.public_url).scheme == "https"

    @model_validator(mode="after")
    def _refuse_weak_production_settings(self) -> Self:
        if self.development:
            return self
        problems = [
            *_weak("secret_key", self.secret_key, DEV_SECRET_KEY),
            *_weak("oidc_client_secret", self.oidc_client_secret, DEV_OIDC_CLIENT_SECRET),
            *_weak("stripe_webhook_secret", self.stripe_webhook_secret, DEV_STRIPE_WEBHOOK_SECRET),
            *_weak("stripe_secret_key", self.stripe_secret_key, DEV_STRIPE_SECRET_KEY),
        ]
        if not self.stripe_webhook_secret.get_secret_value().startswith("whsec_"):
            problems.append(
                "stripe_webhook_secret must be the endpoint's signing secret (whsec_...)"
            )
        if not self.stripe_secret_key.get_secret_value().startswith(("sk_", "rk_")):
            problems.append(
                "stripe_secret_key must be a secret or restricted key (sk_... or rk_...)"
            )
        if self.database_url.get_secret_value().startswith("sqlite"):
            problems.append(
                "database_url must be PostgreSQL (postgresql+psycopg://...) in production"
            )
        if self.rate_limit_storage.get_secret_value().startswith("memory://"):
            problems.append(
                "rate_limit_storage must be shared by every replica (redis://...) in production"
            )
        for name in ("oidc_issuer", "public_url"):
            url = urlsplit(getattr(self, name))
            if url.scheme != "https" and url.hostname not in LOOPBACK_HOSTS:
                problems.append(f"{name} must be https:// in production")
        if problems:
            raise ValueError(
                "refusing to start outside development: "
                + "; ".join(problems)
                + ". Set them through TESTFORGE_API_* variables (e.g. from a Secret), or set "
                "TESTFORGE_API_ENVIRONMENT=development on a workstation."
            )
        return self


def _weak(name: str, value: SecretStr, default: str) -> list[str]:
    secret = value.get_secret_value()
    if secret == default:
        return [f"{name} is the development default"]
    if len(secret) < MIN_SECRET_LENGTH:
        return [f"{name} is shorter than {MIN_SECRET_LENGTH} characters"]
    if len(set(secret)) < MIN_DISTINCT_CHARACTERS:
        return [f"{name} has fewer than {MIN_DISTINCT_CHARACTERS} distinct characters"]
    return []
