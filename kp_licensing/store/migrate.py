"""Apply (or generate) Alembic migrations from code, so ``kp-licensing db upgrade`` and the run
command need no ``alembic.ini`` in the working directory."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # The option is read through configparser, where "%" starts an interpolation: a URL's
    # escapes (a password's "%40", options' "%3D") must reach the engine as they are.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the database at ``url`` to the newest schema (a no-op when it is there already)."""
    command.upgrade(alembic_config(url), "head")


def revision(url: str, message: str) -> None:
    """Autogenerate a migration for whatever the models changed (a developer's command)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
