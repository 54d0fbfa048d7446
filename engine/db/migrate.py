"""Apply Alembic migrations from the migrations folder shipped inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(db_engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` on the given engine's database (idempotent)."""
    config = alembic_config(db_engine.url.render_as_string(hide_password=False))
    with db_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
