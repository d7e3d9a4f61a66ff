"""Schema migrations with Alembic, driven from code: `upgrade(engine)` at start-up in
development, `python -m api.db.migrate` (reads the same Settings) as a deploy step elsewhere."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # The connection travels in attributes: a URL in the ini options would need its
    # password %-escaped and would be one more place a secret is written down.
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def main() -> None:
    from api.db.engine import make_engine
    from api.settings import Settings

    upgrade(make_engine(Settings().database_url.get_secret_value()))


if __name__ == "__main__":
    main()
