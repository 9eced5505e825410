"""Alembic environment: runs the migrations on the engine faqbot.db hands in."""
from __future__ import annotations

from alembic import context

from faqbot.db import get_engine, metadata

config = context.config


def run() -> None:
    engine = config.attributes.get("engine") or get_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        context.run_migrations()


run()
