"""Permissions (api.auth.policy): the member role becomes developer, in memberships and API
keys; API keys get scopes and optional project limits. Each existing key gets every permission
a key of its role could hold, so it keeps doing what it did.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The policy's key permissions per role as of this revision, in its order, written out rather
# than imported: a migration must do the same thing whatever the policy becomes later.
KEY_SCOPES = {
    "viewer": [
        "tenant:read",
        "members:read",
        "projects:read",
        "runs:read",
        "shares:read",
        "billing:read",
        "egress:read",
    ],
    "developer": [
        "tenant:read",
        "members:read",
        "projects:read",
        "projects:create",
        "runs:read",
        "runs:trigger",
        "shares:read",
        "shares:create",
        "billing:read",
        "egress:read",
    ],
    "admin": [
        "tenant:read",
        "tenant:update",
        "members:read",
        "api_keys:read",
        "projects:read",
        "projects:create",
        "runs:read",
        "runs:trigger",
        "shares:read",
        "shares:create",
        "shares:revoke",
        "billing:read",
        "audit:read",
        "egress:read",
    ],
}

memberships = sa.table("memberships", sa.column("role", sa.String))
api_keys = sa.table("api_keys", sa.column("role", sa.String), sa.column("scopes", sa.JSON))


def _rename_role(old: str, new: str) -> None:
    for table in (memberships, api_keys):
        op.execute(table.update().where(table.c.role == old).values(role=new))


def upgrade() -> None:
    op.add_column(
        "api_keys",
        sa.Column("scopes", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )
    op.add_column("api_keys", sa.Column("projects", sa.JSON()))
    _rename_role("member", "developer")
    for role, scopes in KEY_SCOPES.items():
        op.execute(api_keys.update().where(api_keys.c.role == role).values(scopes=scopes))


def downgrade() -> None:
    _rename_role("developer", "member")
    # SQLite (3.35+) drops a plain column in place, as in 0002.
    op.drop_column("api_keys", "projects")
    op.drop_column("api_keys", "scopes")
