"""Alembic environment: uses the engine VideoLab hands over, or the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from videolab.db.engine import WRITE_OPTIONS, make_engine
from videolab.db.models import Base

config = context.config
target_metadata = Base.metadata


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    # A PRAGMA foreign_keys inside a transaction is silently ignored, so it goes straight to
    # the driver connection, which runs in autocommit mode between transactions.
    connection.connection.driver_connection.execute(  # type: ignore[union-attr]
        f"PRAGMA foreign_keys={'ON' if on else 'OFF'}"
    )


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    if engine is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        # A migration reads the schema version, then changes the schema: BEGIN IMMEDIATE, so
        # processes starting on a new database at once take turns instead of failing.
        connection.execution_options(**WRITE_OPTIONS)
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by rebuilding it (create, copy, DROP, rename). With foreign
            # keys on, that DROP first deletes every child row through ON DELETE CASCADE, so
            # migrations run with them off and are checked before they commit.
            _sqlite_foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                # Alembic takes SQLite's DDL for non-transactional and then commits each
                # revision on its own, after reading the version outside them: a second process
                # could take the lock between two revisions, read the half-way version and
                # apply the next revision again ("table ... already exists"). SQLite's DDL is
                # transactional, so the whole upgrade is one transaction, begun (IMMEDIATE)
                # before the version is read.
                transactional_ddl=True,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(
                            f"The migration left {len(broken)} rows whose foreign keys point "
                            f"nowhere (first: {tuple(broken[0])}); nothing was changed."
                        )
            connection.commit()
        finally:
            if sqlite:
                if connection.in_transaction():
                    connection.rollback()
                _sqlite_foreign_keys(connection, on=True)


run_migrations_online()
