"""Upgrade an empty database to head, then the drift check (models vs migrations), both backends."""

from alembic import command
from sqlalchemy import Engine, inspect

from monitor import store
from monitor.store.db import alembic_config


def test_upgrade_then_check(engine: Engine) -> None:
    store.check(engine)
    assert {"sources", "articles", "hits"} <= set(inspect(engine).get_table_names())


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    store.upgrade(engine)
    store.check(engine)
