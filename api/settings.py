"""The API's one validated configuration (environment prefix `TESTFORGE_API_`).

Read once by whoever starts the app and passed to `api.main.create_app`; nothing reads the
environment at import time. Outside `environment=development` it refuses default, missing or
weak secrets, plain-HTTP identity providers and SQLite, so a forgotten variable fails the
deployment instead of shipping a guessable session key.
"""

import re
from pathlib import Path
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
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

# Where the presets live unless a provider's settings say otherwise (fakes, sovereign clouds,
# GitHub Enterprise Server).
GOOGLE_ISSUER = "https://accounts.google.com"
AZURE_AUTHORITY = "https://login.microsoftonline.com"
AZURE_MULTI_TENANT = ("common", "organizations")  # "consumers" publishes another issuer
GITHUB_ISSUER = "https://github.com"
GITHUB_API = "https://api.github.com"
OIDC_SCOPES = "openid email profile"
GITHUB_SCOPES = "read:user user:email"
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class IdentityProviderSettings(BaseModel):
    """One way to sign in: an element of `TESTFORGE_API_IDENTITY_PROVIDERS` (a JSON list).

    `kind` is the protocol: `oidc` (discovery from `issuer`) or `github` (OAuth 2.0 and GitHub's
    REST API). An OIDC `preset` fills in what a provider always has and picks its claim rules:
    `google` (issuer https://accounts.google.com), `okta` (`issuer` is
    https://{domain}/oauth2/default or the org's https://{domain}), `azure` (`tenant`: a
    directory id, or `common`/`organizations` for any work account, narrowed by
    `allowed_tenants`; `authority` for other clouds). Missing values are derived when the
    model is validated, so after that every URL is set.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$", description="In /auth/login?provider=")
    kind: Literal["oidc", "github"] = "oidc"
    preset: Literal["google", "okta", "azure"] | None = None
    name: str = Field(default="", max_length=80, description="Shown on the sign-in page")
    client_id: str = Field(min_length=1, max_length=500)
    client_secret: SecretStr
    scopes: str = ""
    issuer: str = ""
    tenant: str = Field(default="", description="azure: directory id, common or organizations")
    authority: str = Field(default="", description=f"azure: default {AZURE_AUTHORITY}")
    allowed_tenants: list[str] = Field(default_factory=list, max_length=100)
    authorization_endpoint: str = Field(default="", description="github: overrides")
    token_endpoint: str = ""
    api_base: str = ""
    email_domains: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Domains whose addresses this provider may verify; empty: any",
    )

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.kind == "github":
            self._complete_github()
        else:
            self._complete_oidc()
        self.issuer = self.issuer.rstrip("/")
        self.name = self.name or self.id
        return self

    def _complete_oidc(self) -> None:
        _only_for(self, "github", "authorization_endpoint", "token_endpoint", "api_base")
        if self.preset != "azure":
            _only_for(self, "azure", "tenant", "authority", "allowed_tenants")
        self.scopes = self.scopes or OIDC_SCOPES
        if "openid" not in self.scopes.split():
            raise ValueError(f"identity provider {self.id!r}: OIDC scopes must include openid")
        if self.preset == "google":
            self.issuer = self.issuer or GOOGLE_ISSUER
            self.name = self.name or "Google"
        elif self.preset == "okta":
            self.name = self.name or "Okta"
        elif self.preset == "azure":
            self._complete_azure()
        if not self.issuer:
            raise ValueError(f"identity provider {self.id!r} needs an issuer")

    def _complete_azure(self) -> None:
        where = f"identity provider {self.id!r}"
        # Tokens carry directory ids in lower case (`tid`); the portal shows them either way.
        self.tenant = self.tenant.lower()
        self.allowed_tenants = [tenant.lower() for tenant in self.allowed_tenants]
        if self.issuer:
            raise ValueError(f"{where}: an Azure issuer is made of tenant (and authority)")
        if not (_GUID.match(self.tenant) or self.tenant in AZURE_MULTI_TENANT):
            # A domain name (contoso.onmicrosoft.com) discovers an issuer with the directory
            # id in it, which discovery must refuse: ask for the id itself.
            raise ValueError(
                f"{where}: tenant must be the directory (tenant) id or one of "
                f"{', '.join(AZURE_MULTI_TENANT)}"
            )
        if self.allowed_tenants and self.tenant not in AZURE_MULTI_TENANT:
            raise ValueError(f"{where}: allowed_tenants needs tenant common or organizations")
        if not all(_GUID.match(tenant) for tenant in self.allowed_tenants):
            raise ValueError(f"{where}: allowed_tenants must be directory (tenant) ids")
        self.authority = (self.authority or AZURE_AUTHORITY).rstrip("/")
        self.issuer = f"{self.authority}/{self.tenant}/v2.0"
        self.name = self.name or "Microsoft"

    def _complete_github(self) -> None:
        if self.preset is not None:
            raise ValueError(f"identity provider {self.id!r}: presets are for kind oidc")
        _only_for(self, "azure", "tenant", "authority", "allowed_tenants")
        self.issuer = (self.issuer or GITHUB_ISSUER).rstrip("/")
        # GitHub Enterprise Server serves the OAuth endpoints on its host and the API under
        # /api/v3; github.com serves the API from its own host.
        self.authorization_endpoint = (
            self.authorization_endpoint or f"{self.issuer}/login/oauth/authorize"
        )
        self.token_endpoint = self.token_endpoint or f"{self.issuer}/login/oauth/access_token"
        default_api = GITHUB_API if self.issuer == GITHUB_ISSUER else f"{self.issuer}/api/v3"
        self.api_base = (self.api_base or default_api).rstrip("/")
        self.scopes = self.scopes or GITHUB_SCOPES
        self.name = self.name or "GitHub"

    def urls(self) -> dict[str, str]:
        """Every URL this provider is reached at, by setting name (for the https check)."""
        names = ("issuer", "authority", "authorization_endpoint", "token_endpoint", "api_base")
        return {name: getattr(self, name) for name in names if getattr(self, name)}


def _only_for(provider: IdentityProviderSettings, what: str, *names: str) -> None:
    given = [name for name in names if name in provider.model_fields_set]
    if given:
        raise ValueError(
            f"identity provider {provider.id!r}: {', '.join(given)} only apply to {what}"
        )


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

    identity_providers: list[IdentityProviderSettings] = Field(
        default_factory=list,
        max_length=20,
        description="The ways to sign in (JSON list); empty: the one OIDC_* provider, `oidc`",
    )
    # The single provider of deployments that predate several; it is the provider `oidc`.
    oidc_issuer: str = "http://127.0.0.1:8900"
    oidc_client_id: str = "testforge"
    oidc_client_secret: SecretStr = SecretStr(DEV_OIDC_CLIENT_SECRET)
    oidc_scopes: str = OIDC_SCOPES
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

    artifact_dir: Path = Field(
        default=Path("testforge-artifacts"),
        description="The artifact store the operator writes (reports, screenshots, traces): "
        "the directory of its volume",
    )
    run_watch_interval_s: float = Field(
        default=10.0,
        ge=0,
        le=3600,
        description="How often finished runs are settled (usage, badges, GitHub); 0: never "
        "in the background",
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
    share_password_lockout: str = Field(
        default="5/minute;20/hour;50/day",
        description="Wrong passwords a protected share link takes, from anywhere, before it "
        "is locked until the window frees",
    )
    abuse_audit_rate: str = Field(
        default="20/hour",
        description="Audit rows one address can cause by failing; beyond it, only logs and metrics",
    )

    @field_validator(
        "anonymous_rate",
        "person_rate",
        "failed_credentials_lockout",
        "share_password_lockout",
        "abuse_audit_rate",
    )
    @classmethod
    def _parses_as_rate(cls, value: str) -> str:
        tiers(value)
        return value

    @property
    def providers(self) -> list[IdentityProviderSettings]:
        """The configured providers, or the one the OIDC_* settings describe."""
        if self.identity_providers:
            return self.identity_providers
        legacy = IdentityProviderSettings(
            id="oidc",
            name="Single sign-on",
            issuer=self.oidc_issuer,
            client_id=self.oidc_client_id,
            client_secret=self.oidc_client_secret,
            scopes=self.oidc_scopes,
        )
        return [legacy]

    @model_validator(mode="after")
    def _one_way_to_name_providers(self) -> Self:
        legacy = sorted(name for name in self.model_fields_set if name.startswith("oidc_"))
        if self.identity_providers and legacy:
            raise ValueError(
                "set either TESTFORGE_API_IDENTITY_PROVIDERS or the OIDC_* settings, not both "
                f"(also set: {', '.join(legacy)}); the old provider is "
                '{"id": "oidc", "issuer": ..., "client_id": ..., "client_secret": ...}'
            )
        ids = [provider.id for provider in self.identity_providers]
        if len(set(ids)) != len(ids):
            raise ValueError(f"identity provider ids must be unique: {', '.join(ids)}")
        return self

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
            *self._weak_identity_providers(),
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
        urls = {"public_url": self.public_url}
        if self.identity_providers:
            for provider in self.identity_providers:
                for name, url in provider.urls().items():
                    urls[f"identity_providers[{provider.id}].{name}"] = url
        else:
            urls["oidc_issuer"] = self.oidc_issuer
        for name, value in urls.items():
            parts = urlsplit(value)
            if parts.scheme != "https" and parts.hostname not in LOOPBACK_HOSTS:
                problems.append(f"{name} must be https:// in production")
        if problems:
            raise ValueError(
                "refusing to start outside development: "
                + "; ".join(problems)
                + ". Set them through TESTFORGE_API_* variables (e.g. from a Secret), or set "
                "TESTFORGE_API_ENVIRONMENT=development on a workstation."
            )
        return self

    def _weak_identity_providers(self) -> list[str]:
        if not self.identity_providers:
            return _weak("oidc_client_secret", self.oidc_client_secret, DEV_OIDC_CLIENT_SECRET)
        return [
            problem
            for provider in self.identity_providers
            for problem in _weak(
                f"identity_providers[{provider.id}].client_secret",
                provider.client_secret,
                DEV_OIDC_CLIENT_SECRET,
            )
        ]


def _weak(name: str, value: SecretStr, default: str) -> list[str]:
    secret = value.get_secret_value()
    if secret == default:
        return [f"{name} is the development default"]
    if len(secret) < MIN_SECRET_LENGTH:
        return [f"{name} is shorter than {MIN_SECRET_LENGTH} characters"]
    if len(set(secret)) < MIN_DISTINCT_CHARACTERS:
        return [f"{name} has fewer than {MIN_DISTINCT_CHARACTERS} distinct characters"]
    return []
