"""Upgrade an empty database to head, then the drift check (models vs migrations), both backends."""

from alembic import command
from sqlalchemy import Engine, inspect, text

from monitor import store
from monitor.store.db import alembic_config, head_revision


def test_upgrade_then_check(engine: Engine) -> None:
    store.check(engine)
    assert {"sources", "articles", "hits"} <= set(inspect(engine).get_table_names())


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    store.upgrade(engine)
    store.check(engine)


def test_head_read_without_alembic_is_alembics_head(engine: Engine) -> None:
    """upgrade() skips Alembic when the stored revision is the head it reads from the scripts."""
    from alembic.script import ScriptDirectory

    assert head_revision() == ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def test_upgrade_from_an_older_revision_runs_alembic(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "-1")
    store.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
    store.check(engine)
