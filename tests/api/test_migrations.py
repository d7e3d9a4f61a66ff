"""The Alembic migrations build exactly the schema the models describe, on both backends."""

import uuid
from datetime import UTC, datetime
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import (
    Boolean,
    DateTime,
    Engine,
    String,
    TableClause,
    Uuid,
    column,
    inspect,
    select,
    table,
    text,
)
from sqlalchemy.types import TypeEngine

from api.auth import policy
from api.auth.roles import Role
from api.db.migrate import alembic_config, upgrade
from api.db.models import ApiKey, Base


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrading_again_is_a_no_op(engine: Engine) -> None:
    upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_downgrade_removes_the_schema_and_upgrade_restores_it(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_0005_makes_members_developers_and_gives_old_keys_their_roles_scopes(
    engine: Engine,
) -> None:
    """Existing memberships and keys of the old `member` role become `developer`; every key
    gets all a key of its role holds, so nothing that worked before stops working."""
    command.downgrade(alembic_config(engine), "0004")
    tenant, user = uuid.uuid4(), uuid.uuid4()
    with engine.begin() as connection:
        connection.execute(
            _table("tenants", "slug", "name", "namespace", "plan").insert(),
            _row(id=tenant, slug="acme", name="Acme", namespace="tf-acme", plan="free"),
        )
        connection.execute(
            _table("users", "issuer", "subject", "email", email_verified=Boolean).insert(),
            _row(id=user, issuer="idp", subject="s", email="a@example.com", email_verified=True),
        )
        connection.execute(
            _table("memberships", "role", tenant_id=Uuid, user_id=Uuid).insert(),
            _row(tenant_id=tenant, user_id=user, role="member"),
        )
        keys = _table("api_keys", "name", "prefix", "secret_hash", "role", tenant_id=Uuid)
        for role in ("viewer", "member", "admin"):
            connection.execute(
                keys.insert(),
                _row(tenant_id=tenant, name=role, prefix=role, secret_hash="0", role=role),
            )
    upgrade(engine)
    with engine.connect() as connection:
        roles = connection.execute(text("SELECT role FROM memberships")).scalars().all()
        rows = connection.execute(select(ApiKey.name, ApiKey.role, ApiKey.scopes, ApiKey.projects))
        found = {name: (role, scopes, projects) for name, role, scopes, projects in rows}
    assert roles == ["developer"]
    for old, new in (("viewer", Role.VIEWER), ("member", Role.DEVELOPER), ("admin", Role.ADMIN)):
        scopes = [p.value for p in policy.ordered(policy.key_permissions(new))]
        assert found[old] == (new, scopes, None), old


def _table(name: str, *texts: str, **types: type[TypeEngine[Any]]) -> TableClause:
    """Just the columns a test writes, typed so each backend gets its own forms."""
    columns = [column("id", Uuid), column("created_at", DateTime(timezone=True))]
    columns += [column(t, String) for t in texts]
    columns += [column(c, kind) for c, kind in types.items()]
    return table(name, *columns)


def _row(**values: Any) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "created_at": datetime.now(UTC), **values}
