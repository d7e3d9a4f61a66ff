"""TOTP multi-factor authentication: each user's second factor, the sessions' MFA state, and
the tenants that require it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_mfa",
        sa.Column(
            "user_id",
            sa.Uuid(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True)),
        sa.Column("last_step", sa.BigInteger()),
        sa.Column("recovery_codes", sa.JSON(), nullable=False),
    )
    op.add_column(
        "user_sessions",
        sa.Column("mfa_required", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("user_sessions", sa.Column("mfa_verified_at", sa.DateTime(timezone=True)))
    op.add_column(
        "tenants",
        sa.Column("require_mfa", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("tenants", "require_mfa")
    op.drop_column("user_sessions", "mfa_verified_at")
    op.drop_column("user_sessions", "mfa_required")
    op.drop_table("user_mfa")
