"""Alembic environment: the URL comes from the caller (``store.migrate``) or the settings."""

from alembic import context
from sqlmodel import SQLModel

from kp_licensing.store import (  # noqa: F401  (tables)
    mail_models,
    models,
    participant_models,
    permit_models,
)
from kp_licensing.support.settings import get_settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url()


def run() -> None:
    from kp_licensing.store.db import make_engine

    connectable = config.attributes.get("connection")
    if connectable is not None:
        _migrate(connectable)
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        _migrate(connection)
    engine.dispose()


def _migrate(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
