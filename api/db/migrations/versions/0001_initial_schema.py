"""Initial schema: tenants, users, memberships, API keys, run records, shares, the audit log
(append-only, enforced by triggers) and applied Stripe events.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ("viewer", "member", "admin", "owner")
PLANS = ("free", "team", "business")


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _role() -> sa.Enum:
    return sa.Enum(*ROLES, name="role", native_enum=False, length=16)


def _tenant_id() -> sa.Column[Any]:
    return sa.Column(
        "tenant_id",
        sa.Uuid(),
        sa.ForeignKey("tenants.id", name=None, ondelete="RESTRICT"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("slug", sa.String(40), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("namespace", sa.String(63), nullable=False, unique=True),
        sa.Column(
            "plan", sa.Enum(*PLANS, name="plan", native_enum=False, length=16), nullable=False
        ),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("suspended_at", _when()),
        sa.Column("suspension_reason", sa.String(500)),
        sa.Column("stripe_customer_id", sa.String(255), unique=True),
        sa.Column("stripe_subscription_id", sa.String(255)),
        sa.Column("subscription_status", sa.String(32)),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("email_verified", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("last_login_at", _when()),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.UniqueConstraint("issuer", "subject", name="uq_users_issuer_subject"),
    )
    op.create_index("ix_users_email", "users", ["email"])
    op.create_table(
        "memberships",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _tenant_id(),
        sa.Column(
            "user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("role", _role(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.UniqueConstraint("tenant_id", "user_id", name="uq_memberships_tenant_user"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _tenant_id(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(32), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("role", _role(), nullable=False),
        sa.Column("created_by", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("expires_at", _when()),
        sa.Column("last_used_at", _when()),
        sa.Column("revoked_at", _when()),
    )
    op.create_table(
        "run_records",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _tenant_id(),
        sa.Column("run_name", sa.String(63), nullable=False),
        sa.Column("project", sa.String(63), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("git_sha", sa.String(40)),
        sa.Column("pull_request", sa.Integer()),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.UniqueConstraint("tenant_id", "run_name", name="uq_run_records_tenant_run"),
    )
    op.create_index("ix_run_records_tenant_created", "run_records", ["tenant_id", "created_at"])
    op.create_table(
        "shares",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _tenant_id(),
        sa.Column("run_name", sa.String(63), nullable=False),
        sa.Column("created_by", sa.String(256), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("expires_at", _when(), nullable=False),
        sa.Column("revoked_at", _when()),
    )
    for table in ("memberships", "api_keys", "run_records", "shares"):
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("at", _when(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="RESTRICT")),
        sa.Column("actor", sa.String(400), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(400)),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_tenant_id", "audit_events", ["tenant_id"])
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("received_at", _when(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="RESTRICT")),
    )
    _make_audit_append_only()


def _make_audit_append_only() -> None:
    """The audit log must survive a compromised or buggy application: the database itself
    refuses to change or remove an entry."""
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
            )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    for table in (
        "stripe_events",
        "audit_events",
        "shares",
        "run_records",
        "api_keys",
        "memberships",
        "users",
        "tenants",
    ):
        op.drop_table(table)
