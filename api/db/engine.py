"""Engines and sessions for the two supported databases: SQLite (development) and PostgreSQL
through psycopg 3 (production)."""

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # FastAPI runs sync routes on a thread pool, so one connection crosses threads.
        engine = create_engine(url, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _enforce_foreign_keys(connection: Any, _record: Any) -> None:
            # SQLite ignores foreign keys unless each connection asks for them.
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: services return rows that routes serialise after the commit.
    return sessionmaker(engine, expire_on_commit=False)
