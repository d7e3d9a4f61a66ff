"""Share links with a password: the Argon2id hash of it, on the share. Existing links have none.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("shares", sa.Column("password_hash", sa.String(200)))


def downgrade() -> None:
    op.drop_column("shares", "password_hash")
