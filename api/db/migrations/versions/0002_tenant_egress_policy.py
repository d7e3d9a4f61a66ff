"""The tenants' egress policy: the non-public networks and names each tenant's sandboxes may
reach besides the public internet (api.services.egress). Existing tenants get none.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-14
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("egress_cidrs", "egress_hosts")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column(
            "tenants", sa.Column(name, sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    # SQLite (3.35+) drops a plain column in place; no table copy that would trip the
    # foreign keys pointing at tenants.
    for name in COLUMNS:
        op.drop_column("tenants", name)
