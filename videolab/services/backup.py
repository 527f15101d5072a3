"""Consistent copies of the database while the app runs, with SQLite's online backup API.

The copy is taken in one step of ``sqlite3_backup``, that is inside one read transaction of
the live database: it holds exactly what was committed when it started. An upload or a job
writing at that moment is either wholly in the copy or not at all, and WAL lets the writer
carry on meanwhile. The copy is written beside the target under a temporary name, checked,
made a self-contained single file (no ``-wal``), flushed to disk and only then renamed over
the target, so a failed backup never leaves a half-written file where a good one was.

Who may back up: administrators, signed in. A backup holds every account's videos, results
and password hashes, which in VideoLab only an administrator may see; several people may use
the app under one OS account (a lab computer), so owning the file is not enough. The OS
guards the rest: the database is 0600, so another OS account cannot read it at all, and the
copy is 0600 as well.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from videolab.db.engine import Database
from videolab.domain.dto import UserDTO
from videolab.domain.errors import InvalidInput, Unavailable
from videolab.file_modes import PRIVATE_FILE
from videolab.services.base import ServiceContext, require_admin

#: Files SQLite keeps beside a database; overwriting any of them damages the live database.
_COMPANIONS = ("", "-wal", "-shm", "-journal")


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size_bytes: int
    seconds: float


def live_database_file(db: Database) -> Path | None:
    """The live SQLite file, or None for an in-memory database."""
    name = make_url(db.url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name).expanduser().resolve()


def _refuse_live(live: Path, target: Path) -> None:
    resolved = target.resolve()
    for suffix in _COMPANIONS:
        companion = Path(f"{live}{suffix}")
        same = resolved == companion
        if not same and target.exists() and companion.exists():
            with contextlib.suppress(OSError):
                same = os.path.samefile(target, companion)  # a hard link to it
        if same:
            raise InvalidInput(
                f"{target} is the live database{' ' + suffix[1:] + ' file' if suffix else ''}"
                "; a backup must go to another file."
            )


def backup_as(ctx: ServiceContext, actor: UserDTO, target: Path) -> BackupReport:
    """An administrator's backup of the database (see the module's docstring)."""
    with ctx.db.read() as s:
        require_admin(s, actor)
    return backup_database(ctx.db, target)


def backup_database(db: Database, target: Path) -> BackupReport:
    """Copy the live database to ``target`` (a file, or a folder to put a dated file in).

    No permission check: front ends call :func:`backup_as`."""
    started = time.monotonic()
    if not db.is_sqlite:
        raise Unavailable(
            "VideoLab backs up SQLite databases; back up a PostgreSQL database with pg_dump."
        )
    live = live_database_file(db)
    if live is None:
        raise InvalidInput("An in-memory database has no file to back up.")
    target = Path(target).expanduser()
    if target.is_dir():
        target = target / f"videolab-backup-{datetime.now():%Y%m%d-%H%M%S}.db"
    _refuse_live(live, target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".videolab-backup-", suffix=".db",
                                        dir=target.parent)
    except OSError as exc:
        raise InvalidInput(f"Cannot write a backup to {target.parent}: {exc.strerror}.") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, PRIVATE_FILE)  # mkstemp's mode already; SQLite gives its journal the same
        _copy(db, tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
        _fsync_folder(target.parent)
    except BaseException:
        for suffix in _COMPANIONS:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{tmp}{suffix}")
        raise
    return BackupReport(target, target.stat().st_size, time.monotonic() - started)


def _copy(db: Database, tmp: Path) -> None:
    dbapi: Any = db.engine.dialect.loaded_dbapi
    pooled = db.engine.raw_connection()
    try:
        source: Any = pooled.driver_connection
        dest = dbapi.connect(str(tmp))
        try:
            try:
                source.backup(dest)  # every page in one step: one consistent snapshot
            except dbapi.OperationalError as exc:
                if "full" in str(exc):
                    raise Unavailable(
                        f"Not enough disk space for the backup in {tmp.parent}; nothing was "
                        "changed."
                    ) from exc
                raise
            dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            check = dest.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise Unavailable(f"The backup copy failed its check ({check}); try again.")
        finally:
            dest.close()
    finally:
        pooled.close()


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
