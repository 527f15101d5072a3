"""Schema creation and upgrades through Alembic, run programmatically (no alembic.ini needed).

Every start asks whether the database is at the newest revision. Importing Alembic for that
question cost ~0.5 s of CPU (it pulls in Mako and every dialect's DDL module) on each
`videolab-cli` command and behind the sign-in dialog, so the question is answered without it:
the database's revision is one row of ``alembic_version``, and the newest revision is read
from the migration files' ``revision``/``down_revision`` lines. Alembic itself is imported
only when there is something to upgrade (a test checks both answers against Alembic's own).
"""

from __future__ import annotations

import ast
import contextlib
import logging
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from videolab.db.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)
# The first import of any Alembic module announces its built-in plugins at INFO ("setup
# plugin alembic.autogenerate.schemas", seven lines), which the app's INFO logging put on
# stderr at every start; every Alembic import in VideoLab goes through this module.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


def alembic_config(db: Database) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    cfg.attributes["engine"] = db.engine
    return cfg


def current_revision(db: Database) -> str | None:
    """The database's schema revision; None for a database Alembic has never touched."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(rows) > 1:  # several branch heads: not a history VideoLab writes; let Alembic judge
        from alembic.runtime.migration import MigrationContext

        with db.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    return rows[0] if rows else None


@cache
def head_revision_from_files(versions: Path = MIGRATIONS_DIR / "versions") -> str | None:
    """The newest revision, from the migration files alone; None if they do not make one line.

    Each file assigns ``revision`` and ``down_revision`` as literals (Alembic's template); the
    head is the one revision no other file names as its ``down_revision``.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        found = dict(_ASSIGNMENT.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue  # __init__.py and helpers
        try:
            revision = ast.literal_eval(found["revision"])
            parent = ast.literal_eval(found.get("down_revision", "None"))
        except (ValueError, SyntaxError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        if isinstance(parent, str):
            parents.add(parent)
        elif isinstance(parent, tuple | list):  # a merge revision
            parents.update(str(p) for p in parent)
        elif parent is not None:
            return None
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def head_revision(db: Database) -> str | None:
    head = head_revision_from_files()
    if head is not None:
        return head
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(db)).get_current_head()


@contextlib.contextmanager
def _alembic_logs_at_debug() -> Iterator[None]:
    """Alembic reports each step at INFO ("Context impl SQLiteImpl.", "Running upgrade ...");
    the app logs INFO on stderr, so a first start printed Alembic's lines there. They are
    details: shown only when debug logging is on; VideoLab logs one line of its own instead."""
    alembic_log = logging.getLogger("alembic")
    previous = alembic_log.level
    if not logging.getLogger().isEnabledFor(logging.DEBUG) and previous < logging.WARNING:
        alembic_log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        alembic_log.setLevel(previous)


def upgrade_to_head(db: Database) -> None:
    """Create or upgrade any database to the newest schema."""
    current = current_revision(db)
    head = head_revision(db)
    if current is not None and current == head:
        return
    from alembic import command

    if current is None:
        log.info("Creating the database schema (revision %s).", head)
    else:
        log.info("Upgrading the database schema from revision %s to %s.", current, head)
    with _alembic_logs_at_debug():
        command.upgrade(alembic_config(db), "head")


def is_up_to_date(db: Database) -> bool:
    return current_revision(db) == head_revision(db)
