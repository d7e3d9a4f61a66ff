"""SQLAlchemy models of the SaaS state. Live run state is not here: it lives in TestRun status;
a finished run's outcome is settled into its `run_records` row.

Every tenant-owned row carries `tenant_id` through `TenantOwned`, which is what the
tenant-scoped repository filters on; `audit_events` is append-only (the migration adds
database triggers that refuse UPDATE and DELETE).
"""

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from api.auth.roles import Role
from api.billing.plans import Plan

# Deterministic constraint names, so migrations can name what they alter or drop.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite drops the offset, PostgreSQL keeps it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enum(enum: type[Role] | type[Plan]) -> Enum:
    # Strings rather than native PostgreSQL enums: a new role or plan needs no type migration.
    return Enum(
        enum,
        native_enum=False,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    namespace: Mapped[str] = mapped_column(String(63), unique=True)
    plan: Mapped[Plan] = mapped_column(_enum(Plan), default=Plan.FREE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    suspension_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True, default=None)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255), default=None)
    subscription_status: Mapped[str | None] = mapped_column(String(32), default=None)
    # The egress policy (api.services.egress): what the tenant's sandboxes may reach besides
    # the public internet. Canonical CIDRs and host patterns, validated before they get here.
    egress_cidrs: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    egress_hosts: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # People must have passed a second factor in this session to act in the tenant.
    require_mfa: Mapped[bool] = mapped_column(default=False, server_default=false())

    @property
    def suspended(self) -> bool:
        return self.suspended_at is not None


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_users_issuer_subject"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320), index=True)
    email_verified: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class UserSession(Base):
    """One sign-in: what every access token names (`sid`) and its refresh tokens belong to.
    Revoking the row ends the session at once: every request loads it."""

    __tablename__ = "user_sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Moves with every refresh: a session nobody refreshes for the refresh lifetime ends.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_reason: Mapped[str | None] = mapped_column(String(100), default=None)
    # Set at sign-in when the user has a second factor: until it is verified, the session
    # can do nothing but verify it or sign out.
    mfa_required: Mapped[bool] = mapped_column(default=False)
    mfa_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class UserMfa(Base):
    """A user's TOTP second factor: the seed sealed at rest (api.auth.sealing), the last time
    step accepted (a code works once), and the hashes of the unused recovery codes."""

    __tablename__ = "user_mfa"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_step: Mapped[int | None] = mapped_column(BigInteger, default=None)
    recovery_codes: Mapped[list[str]] = mapped_column(JSON, default=list)


class RefreshToken(Base):
    """A refresh token, by the SHA-256 of its secret. Used ones are kept (`used_at`), so a
    second use is recognised as theft and ends the whole session."""

    __tablename__ = "refresh_tokens"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_sessions.id", ondelete="CASCADE"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class SigningKey(Base):
    """An RSA key that signs access tokens; the private half encrypted with a key derived from
    the deployment's secret key. Shared by every replica through the database."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    private_key: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)


class TenantOwned(Base):
    """A row that belongs to one tenant; only `TenantRepository` reads or writes these."""

    __abstract__ = True

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="RESTRICT"), index=True
    )


class Membership(TenantOwned):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", name="uq_memberships_tenant_user"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(_enum(Role))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiKey(TenantOwned):
    __tablename__ = "api_keys"

    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(_enum(Role))
    # The permissions it was narrowed to (api.auth.policy), and the projects it is limited
    # to (None: all). A row without scopes can do nothing: the safe side to fail on.
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    projects: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True), default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class RunRecord(TenantOwned):
    """One triggered run: the metering the monthly quota counts (TestRuns may be cleaned up)."""

    __tablename__ = "run_records"
    __table_args__ = (
        UniqueConstraint("tenant_id", "run_name", name="uq_run_records_tenant_run"),
        Index("ix_run_records_tenant_created", "tenant_id", "created_at"),
    )

    run_name: Mapped[str] = mapped_column(String(63))
    project: Mapped[str] = mapped_column(String(63))
    source: Mapped[str] = mapped_column(String(16))
    git_sha: Mapped[str | None] = mapped_column(String(40), default=None)
    pull_request: Mapped[int | None] = mapped_column(Integer, default=None)
    actor: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The outcome, settled once the TestRun finishes (api.services.run_watch), so pass rates,
    # badges and usage outlive the TestRun. finished_at NULL: not settled yet.
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    phase: Mapped[str | None] = mapped_column(String(16), default=None)
    total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    passed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    healed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    flaky: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    input_tokens: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    output_tokens: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sandbox_seconds: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class UsageKind(StrEnum):
    """What a tenant is metered for; the Stripe meter of each is in api.billing."""

    TEST_RUNS = "test_runs"
    AI_TOKENS = "ai_tokens"
    SANDBOX_SECONDS = "sandbox_seconds"


class UsageRecord(TenantOwned):
    """One metered quantity, written once: `key` names what it counts (e.g.
    `run:<name>:ai_tokens`), so recording the same thing twice (a retry, a restart) is a no-op.
    `reported_at` is set when Stripe has the meter event (its identifier is the id)."""

    __tablename__ = "usage_records"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key", name="uq_usage_records_tenant_key"),
        Index("ix_usage_records_tenant_kind_at", "tenant_id", "kind", "occurred_at"),
    )

    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[int] = mapped_column(BigInteger)
    project: Mapped[str | None] = mapped_column(String(63), default=None)
    run_name: Mapped[str | None] = mapped_column(String(63), default=None)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)


class Share(TenantOwned):
    __tablename__ = "shares"

    run_name: Mapped[str] = mapped_column(String(63))
    created_by: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Argon2id of the link's password, when it has one (api.services.shares).
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)

    @property
    def protected(self) -> bool:
        return self.password_hash is not None


class AuditEvent(Base):
    """Who did what, when, in which tenant. Never updated or deleted (database triggers)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="RESTRICT"), index=True, default=None
    )
    actor: Mapped[str] = mapped_column(String(400))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(400), default=None)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class StripeEvent(Base):
    """Stripe event ids already applied: a replayed delivery is recognised and skipped."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="RESTRICT"), default=None
    )
