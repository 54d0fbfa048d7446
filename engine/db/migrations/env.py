"""Alembic environment: uses the connection handed over by engine.db.migrate when there is
one, so tests and the CLI migrate exactly the database they talk to."""

from alembic import context
from sqlalchemy import create_engine

from engine.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    db_engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with db_engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
