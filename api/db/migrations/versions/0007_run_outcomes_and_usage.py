"""Run outcomes settled into run_records (phase, counts, tokens, sandbox time), and the usage
records metering is built on.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = ("total", "passed", "failed", "healed", "flaky")
TOTALS = ("input_tokens", "output_tokens", "sandbox_seconds")


def upgrade() -> None:
    with op.batch_alter_table("run_records") as batch:
        batch.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("phase", sa.String(16), nullable=True))
        for name in COUNTERS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        for name in TOTALS:
            batch.add_column(sa.Column(name, sa.BigInteger(), nullable=False, server_default="0"))
    op.create_table(
        "usage_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("project", sa.String(63), nullable=True),
        sa.Column("run_name", sa.String(63), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name="fk_usage_records_tenant_id_tenants",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_usage_records"),
        sa.UniqueConstraint("tenant_id", "key", name="uq_usage_records_tenant_key"),
    )
    op.create_index("ix_usage_records_tenant_id", "usage_records", ["tenant_id"])
    op.create_index("ix_usage_records_reported_at", "usage_records", ["reported_at"])
    op.create_index(
        "ix_usage_records_tenant_kind_at", "usage_records", ["tenant_id", "kind", "occurred_at"]
    )


def downgrade() -> None:
    op.drop_table("usage_records")
    with op.batch_alter_table("run_records") as batch:
        for name in (*TOTALS[::-1], *COUNTERS[::-1], "phase", "finished_at"):
            batch.drop_column(name)
