"""Request and response bodies, in Create / Update / Public families per resource.

Public models are built from rows or cluster views (`from_attributes`), never from raw
dicts, so a new column or status field is not exposed until it is added here.
"""

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from api.auth.policy import Permission
from api.auth.roles import Role, canonical
from api.billing.plans import Plan
from testforge.domain import egress
from testforge.domain.crd import (
    DNS_LABEL,
    GIT_SHA,
    HTTP_URL,
    Counts,
    CrawlSpec,
    HealingPolicy,
    RunPhase,
    ScheduleSpec,
)
from testforge.domain.plan import Priority, Tag

Name = Annotated[str, Field(pattern=DNS_LABEL, min_length=1, max_length=50)]
TENANT_SLUG = r"^[a-z0-9]([-a-z0-9]{1,38}[a-z0-9])$"
INT4_MAX = 2**31 - 1  # the columns' integer type
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
Slug = Annotated[str, Field(pattern=TENANT_SLUG)]
# A role as sent: "member", its name before "developer", is still read (docs/api.md).
RoleIn = Annotated[Role, BeforeValidator(canonical)]


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: Any) -> Any:
        """No control characters in any text field: PostgreSQL refuses NUL in text (a 500),
        and the others only hide things from people reading names and the audit log."""
        texts = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(text, str) and CONTROL.search(text) for text in texts):
            raise ValueError("must not contain control characters (NUL, escapes, ...)")
        return value


# --- tenants and members ---------------------------------------------------------------


class TenantCreate(Body):
    slug: Slug = Field(description="3-40 characters: lowercase letters, digits, dashes")
    name: str = Field(min_length=1, max_length=200)


class TenantUpdate(Body):
    name: str = Field(min_length=1, max_length=200)


TenantCidr = Annotated[str, Field(max_length=43), AfterValidator(egress.tenant_network)]
TenantHost = Annotated[str, Field(max_length=255), AfterValidator(egress.tenant_host)]


class EgressPolicyUpdate(Body):
    """The whole policy (PUT replaces it): what the tenant's sandboxes may reach besides the
    public internet. Loopback, link-local, cloud metadata and in-cluster names never."""

    allow_cidrs: list[TenantCidr] = Field(
        default_factory=list,
        max_length=egress.MAX_ENTRIES,
        description="Non-public networks, e.g. 10.20.0.0/16 (a VPN or peered network)",
    )
    allow_hosts: list[TenantHost] = Field(
        default_factory=list,
        max_length=egress.MAX_ENTRIES,
        description="Names the public DNS does not know, e.g. shop.corp.internal or "
        "*.corp.internal; their addresses must be allowed too",
    )

    def policy(self) -> egress.EgressPolicy:
        return egress.EgressPolicy(
            allow_cidrs=tuple(self.allow_cidrs), allow_hosts=tuple(self.allow_hosts)
        )


class EgressPolicyPublic(Public):
    allow_cidrs: list[str]
    allow_hosts: list[str]


class TenantPublic(Public):
    slug: str
    name: str
    plan: Plan
    created_at: datetime
    role: Role | None = None
    permissions: list[Permission] | None = Field(
        default=None, description="What the caller may do here (GET and PATCH of the tenant)"
    )


class MemberCreate(Body):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    role: RoleIn = Role.DEVELOPER


class MemberUpdate(Body):
    role: RoleIn


class MemberPublic(Public):
    id: uuid.UUID
    email: str
    name: str | None
    role: Role
    created_at: datetime


class RefreshRequest(Body):
    refresh_token: str = Field(min_length=10, max_length=100, pattern=r"^tfr_[A-Za-z0-9_-]+$")


class TokensPublic(Public):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds until the access token expires")


class IdentityProviderPublic(Public):
    id: str = Field(description="Sign in with /auth/login?provider={id}")
    name: str


class MfaCode(Body):
    code: str = Field(
        min_length=6,
        max_length=11,
        pattern=r"^([0-9]{6}|[a-z0-9]{5}-[a-z0-9]{5})$",
        description="A 6-digit code from the authenticator app, or a recovery code",
    )


class MfaEnrolmentPublic(Public):
    secret: str = Field(description="The TOTP seed (base32), shown once")
    otpauth_uri: str = Field(description="The same as an otpauth:// URI, for a QR code")


class MfaRecoveryCodesPublic(Public):
    recovery_codes: list[str] = Field(description="Single-use codes, shown once: keep them safe")


class MfaPolicy(Body):
    required: bool


class MePublic(Public):
    id: uuid.UUID
    email: str
    name: str | None
    platform_admin: bool
    mfa_enabled: bool
    tenants: list[TenantPublic]


# --- API keys ---------------------------------------------------------------------------


class ApiKeyCreate(Body):
    name: str = Field(min_length=1, max_length=100)
    role: RoleIn = Role.DEVELOPER
    scopes: list[Permission] | None = Field(
        default=None,
        min_length=1,
        max_length=len(Permission),
        description="Narrow the key to these permissions (within its role and yours); "
        "omitted: all its role allows a key",
    )
    projects: list[Name] | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="Limit the key to these projects (their runs, shares); omitted: all",
    )
    expires_in_days: int | None = Field(default=None, ge=1, le=730)


class ApiKeyPublic(Public):
    id: uuid.UUID
    name: str
    prefix: str
    role: Role
    scopes: list[str]
    projects: list[str] | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="The key itself: shown this once, store it as a CI secret")


# --- projects and runs ------------------------------------------------------------------


class ProjectCreate(Body):
    name: Name
    url: str = Field(pattern=HTTP_URL, max_length=2048)
    crawl: CrawlSpec | None = None
    schedule: ScheduleSpec | None = None
    healing: HealingPolicy | None = None


class ProjectPublic(Public):
    name: str
    url: str
    created_at: datetime | None
    last_run: str | None
    suite_cases: int | None
    conditions: list[dict[str, Any]]


class RunCreate(Body):
    """What CI sends: every field is optional; a git SHA marks the run as triggered by CI."""

    git_sha: str | None = Field(default=None, pattern=GIT_SHA, description="Commit under test")
    pull_request: int | None = Field(default=None, ge=1, le=INT4_MAX)
    url: str | None = Field(
        default=None, pattern=HTTP_URL, max_length=2048, description="e.g. a preview deployment"
    )
    tags: list[Tag] = Field(default_factory=list, max_length=16)
    priorities: list[Priority] = Field(default_factory=list, max_length=4)
    shards: int = Field(default=1, ge=1, le=32)


class RunPublic(Public):
    name: str
    project: str
    phase: RunPhase
    finished: bool
    counts: Counts
    created_at: datetime | None
    start_time: datetime | None
    completion_time: datetime | None
    reason: str | None
    message: str | None
    trigger: dict[str, Any]


class SharedRunPublic(Public):
    """What a public link shows: the outcome only."""

    name: str
    project: str
    phase: RunPhase
    finished: bool
    counts: Counts
    start_time: datetime | None
    completion_time: datetime | None


# --- shares -----------------------------------------------------------------------------


class ShareCreate(Body):
    expires_in_days: int = Field(default=7, ge=1, le=365)
    password: str | None = Field(
        default=None,
        min_length=8,
        max_length=200,
        description="Readers must send it as the X-Share-Password header",
    )


class SharePublic(Public):
    id: uuid.UUID
    run_name: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    protected: bool = Field(description="Whether readers need the link's password")


class ShareCreated(SharePublic):
    url: str


# --- billing ----------------------------------------------------------------------------


class CheckoutCreate(Body):
    plan: Plan


class CheckoutPublic(Public):
    id: str
    url: str


class QuotaPublic(Public):
    runs_per_month: int
    concurrent_runs: int


class BillingPublic(Public):
    plan: Plan
    quota: QuotaPublic
    used: int = Field(description="Runs triggered this month")
    resets_at: datetime
    subscription_status: str | None


# --- admin and audit --------------------------------------------------------------------


class SuspensionCreate(Body):
    reason: str = Field(min_length=1, max_length=500)


class AdminTenantPublic(Public):
    id: uuid.UUID
    slug: str
    name: str
    plan: Plan
    namespace: str
    created_at: datetime
    suspended_at: datetime | None
    suspension_reason: str | None


class AuditPublic(Public):
    id: int
    at: datetime
    tenant_id: uuid.UUID | None
    actor: str
    action: str
    target: str | None
    details: dict[str, Any]
