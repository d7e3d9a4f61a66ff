"""Alembic environment: migrates the engine that `api.db.migrate` hands over."""

from alembic import context
from sqlalchemy import Engine

from api.db.models import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through api.db.migrate, which passes the engine")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying tables
        compare_type=True,
    )
    context.run_migrations()
