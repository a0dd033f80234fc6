"""Upgrade an empty database to head, then the drift check (models vs migrations), both backends.

A new database is created from the models and stamped at head (store.upgrade); the migrations
must give the same schema, table by table, column by column, key by key and index by index.
"""

import subprocess
import sys
from typing import Any

from alembic import command
from alembic.runtime.migration import MigrationContext
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


def _schema(engine: Engine) -> dict[str, Any]:
    """What reflection sees of every table, in an order-free form."""
    inspector = inspect(engine)
    schema = {}
    for table in inspector.get_table_names():
        columns = {
            c["name"]: (str(c["type"]), c["nullable"], str(c.get("default")))
            for c in inspector.get_columns(table)
        }
        foreign_keys = [
            (
                f["name"],
                f["constrained_columns"],
                f["referred_table"],
                f["referred_columns"],
                f.get("options"),
            )
            for f in inspector.get_foreign_keys(table)
        ]
        indexes = [(i["name"], i["column_names"], bool(i["unique"])) for i in inspector.get_indexes(table)]
        uniques = [(u["name"], u["column_names"]) for u in inspector.get_unique_constraints(table)]
        checks = [(c["name"], c["sqltext"]) for c in inspector.get_check_constraints(table)]
        schema[table] = {
            "columns": columns,
            "primary key": inspector.get_pk_constraint(table),
            **{name: sorted(map(repr, rows)) for name, rows in [
                ("foreign keys", foreign_keys), ("indexes", indexes), ("unique", uniques), ("checks", checks)
            ]},
        }  # fmt: skip
    return schema


def test_a_new_database_is_created_at_head_as_the_migrations_make_it(engine: Engine) -> None:
    """store.upgrade on an empty database creates the models' tables and records head, which
    Alembic reads as current; migrating from nothing gives the very same schema."""
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head_revision()
    created = _schema(engine)
    assert {"sources", "articles", "hits", "alerts", "stories", "alembic_version"} <= set(created)
    command.downgrade(alembic_config(engine), "base")
    command.upgrade(alembic_config(engine), "head")
    assert _schema(engine) == created


def test_an_older_database_is_migrated_not_created(engine: Engine) -> None:
    """A database that holds tables goes through the migrations, even at an old revision."""
    command.downgrade(alembic_config(engine), "base")
    command.upgrade(alembic_config(engine), "0002")
    store.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
    store.check(engine)


UPGRADE = "import sys; from monitor import store; store.upgrade(store.make_engine(sys.argv[1]))"


def test_processes_starting_together_on_a_new_database_create_it_once(database_url: str) -> None:
    """Four processes (a daemon, cron polls) opening one new database at once: each waits for
    the one that creates it and finds it at head; nobody fails on a table another created."""
    starts = [
        subprocess.Popen([sys.executable, "-c", UPGRADE, database_url], stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=120)[1] for p in starts]
    assert [p.returncode for p in starts] == [0, 0, 0, 0], errors
    engine = store.make_engine(database_url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert versions == [(head_revision(),)]
        store.check(engine)
    finally:
        engine.dispose()
