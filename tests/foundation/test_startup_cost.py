"""What every start does stays cheap and quiet: the schema check without Alembic, no password
hashing before a sign-in, Alembic's step-by-step lines only in debug logs.

(What the services and the CLI import is checked in ``tests/test_lazy_imports.py``.)
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from videolab.db.engine import Database
from videolab.db.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    head_revision_from_files,
    upgrade_to_head,
)
from videolab.services import passwords


def alembic_current(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_the_newest_revision_read_from_the_files_is_alembics_head(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        alembics = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
        assert alembics is not None
        assert head_revision_from_files() == alembics
        assert head_revision(db) == alembics
    finally:
        db.dispose()


def test_the_newest_revision_follows_down_revision_whatever_the_file_order(
    tmp_path: Path,
) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "__init__.py").write_text("")
    (versions / "a_last.py").write_text(
        'revision: str = "c3"\ndown_revision: str | None = "b2"\n'
    )
    (versions / "b_first.py").write_text('revision = "a1"\ndown_revision = None\n')
    (versions / "c_middle.py").write_text("revision = 'b2'\ndown_revision = 'a1'\n")
    assert head_revision_from_files(versions) == "c3"
    # Two heads (a branch): not a single line, so the caller asks Alembic instead.
    (versions / "d_branch.py").write_text('revision = "x9"\ndown_revision = "a1"\n')
    assert head_revision_from_files.__wrapped__(versions) is None


def test_current_revision_reads_what_alembic_reads(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert current_revision(db) is None is alembic_current(db)
        upgrade_to_head(db)
        assert current_revision(db) == alembic_current(db) == head_revision(db)
    finally:
        db.dispose()


def test_creating_the_schema_logs_one_line_of_its_own_and_none_of_alembics_at_info(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The app logs INFO on stderr: Alembic's "Context impl SQLiteImpl.", "Will assume
    non-transactional DDL." and one "Running upgrade" per revision used to appear there."""
    db = Database(f"sqlite:///{tmp_path / 'quiet.db'}")
    try:
        with caplog.at_level(logging.INFO):
            upgrade_to_head(db)
    finally:
        db.dispose()
    assert [r.name for r in caplog.records if r.name.startswith("alembic")] == []
    ours = [r.getMessage() for r in caplog.records if r.name == "videolab.db.migrate"]
    assert ours == [f"Creating the database schema (revision {head_revision_from_files()})."]
    assert logging.getLogger("alembic").level == logging.NOTSET  # left as it was


def test_a_new_process_creating_the_schema_prints_no_alembic_line(tmp_path: Path) -> None:
    """Alembic announces its plugins at INFO the first time it is imported in a process, which
    this test process did long ago: a fresh one, logging INFO on stderr as the app does."""
    import subprocess
    import sys

    code = (
        "import logging, sys; logging.basicConfig(level=logging.INFO)\n"
        "from videolab.db.engine import Database\n"
        "from videolab.db.migrate import upgrade_to_head\n"
        "db = Database(f'sqlite:///{sys.argv[1]}'); upgrade_to_head(db); db.dispose()\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "fresh.db")],
                          capture_output=True, text=True, timeout=120, check=True)
    assert [line for line in done.stderr.splitlines() if "alembic" in line] == []
    assert "Creating the database schema" in done.stderr


def test_alembics_lines_still_show_in_debug_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'debug.db'}")
    try:
        with caplog.at_level(logging.DEBUG):
            upgrade_to_head(db)
    finally:
        db.dispose()
    assert any(r.name.startswith("alembic") and "Running upgrade" in r.getMessage()
               for r in caplog.records)


def test_the_unknown_email_dummy_hash_costs_what_a_real_verification_costs() -> None:
    """The dummy is a constant now (it was hashed at every import); unknown emails must still
    cost a full verification, so its parameters must be the hasher's."""
    assert passwords.HASHER.check_needs_rehash(passwords.DUMMY_HASH) is False
    assert passwords.verify_password(None, secrets.token_urlsafe(12)) is False
    stored = passwords.hash_password("correct horse")
    assert passwords.verify_password(stored, "correct horse") is True


def test_password_hashing_stays_above_owasps_argon2id_minimum() -> None:
    """OWASP: argon2id with at least 19 MiB, 2 iterations, 1 lane."""
    params = passwords.HASHER
    assert params.type.name == "ID"
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2
    assert params.parallelism >= 1
