"""Run outcomes settled into run_records (phase, counts, tokens, sandbox time), the usage
records metering is built on, and the permissions added with them for the API keys that held
everything their role could (so a full developer key can also cancel runs; narrowed keys stay
as narrow as they were).

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

# As the policy stood at 0006 and what 0007 adds, per key role (person-only ones left out).
_VIEWER_0006 = {
    "tenant:read",
    "members:read",
    "projects:read",
    "runs:read",
    "shares:read",
    "billing:read",
    "egress:read",
}
_DEVELOPER_0006 = _VIEWER_0006 | {"projects:create", "runs:trigger", "shares:create"}
FULL_0006 = {
    "viewer": _VIEWER_0006,
    "developer": _DEVELOPER_0006,
    "admin": _DEVELOPER_0006 | {"tenant:update", "api_keys:read", "shares:revoke", "audit:read"},
}
_VIEWER_ADDED = ["integrations:read", "insights:read"]
_DEVELOPER_ADDED = [*_VIEWER_ADDED, "projects:update", "runs:cancel"]
ADDED = {
    "viewer": _VIEWER_ADDED,
    "developer": _DEVELOPER_ADDED,
    "admin": [*_DEVELOPER_ADDED, "projects:delete", "audit:export"],
}
KEYS = sa.table(
    "api_keys",
    sa.column("id", sa.Uuid()),
    sa.column("role", sa.String()),
    sa.column("scopes", sa.JSON()),
)


def _widen_full_keys(grow: bool) -> None:
    """Up: keys holding all their role held at 0006 get what 0007 adds; down: nobody has it."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(KEYS.c.id, KEYS.c.role, KEYS.c.scopes)).all()
    for key_id, role, scopes in rows:
        held = list(scopes or [])
        if role not in ADDED or (grow and not FULL_0006[role] <= set(held)):
            continue
        if grow:
            held += [p for p in ADDED[role] if p not in held]
        else:
            held = [p for p in held if p not in ADDED[role]]
        connection.execute(sa.update(KEYS).where(KEYS.c.id == key_id).values(scopes=held))
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
    _widen_full_keys(grow=True)


def downgrade() -> None:
    _widen_full_keys(grow=False)
    op.drop_table("usage_records")
    with op.batch_alter_table("run_records") as batch:
        for name in (*TOTALS[::-1], *COUNTERS[::-1], "phase", "finished_at"):
            batch.drop_column(name)
