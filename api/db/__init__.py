"""Persistence of the SaaS state (tenants, users, keys, billing, shares, audit): SQLAlchemy 2
models, tenant-scoped repositories, the engine and the Alembic migrations."""
