"""Alembic environment: runs the migrations on the connection faqbot.db hands in (holding
the migration lock on PostgreSQL), or on the engine of the configured URL."""
from __future__ import annotations

from alembic import context

from faqbot.db import get_engine, metadata

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        with get_engine(config.get_main_option("sqlalchemy.url")).connect() as connection:
            _migrate(connection)
            connection.commit()
    else:
        _migrate(connection)


def _migrate(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      on_version_apply=config.attributes.get("on_version_apply"))
    with context.begin_transaction():
        context.run_migrations()


run()
