"""Engine and session factories: the one place that knows about SQLite's quirks.

SQLite: every connection gets ``foreign_keys=ON``, WAL, ``synchronous=FULL`` and a busy
timeout; write units of work open with ``BEGIN IMMEDIATE`` so two read-then-write transactions
queue for the write lock instead of failing with "database is locked" half way. Python 3.11's
own sqlite3 links a SQLite with the WAL-reset race (fixed in 3.51.3), so the newer SQLite of
``pysqlite3`` is used when installed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from videolab.db.unicode_text import register_sqlite_functions
from videolab.domain.errors import Unavailable
from videolab.file_modes import private_database_file

log = logging.getLogger(__name__)

#: How long a writer waits for the write lock before giving up (a 2 GB upload holds it ~15 s).
BUSY_TIMEOUT_MS = 120_000
#: Bytes the WAL file is truncated to after a checkpoint (see _configure_sqlite).
WAL_SIZE_LIMIT = 64 * 2**20
_BEGIN_OPTION = "videolab_begin"
#: Execution options for a connection whose transactions read then write: BEGIN IMMEDIATE.
WRITE_OPTIONS = {_BEGIN_OPTION: "IMMEDIATE"}


def _sqlite_module() -> ModuleType | None:
    try:
        from pysqlite3 import dbapi2  # type: ignore[import-not-found, unused-ignore]
    except ImportError:  # pragma: no cover - platform without the wheel
        return None
    return dbapi2  # type: ignore[no-any-return, unused-ignore]


def sqlite_library_version(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.exec_driver_sql("select sqlite_version()").scalar())


def make_engine(url: str, *, echo: bool = False) -> Engine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite:
        module = _sqlite_module()
        if module is not None:
            kwargs["module"] = module
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        if parsed.database not in (None, "", ":memory:") and parsed.query.get("mode") != "memory":
            # A writer waiting for the write lock holds a pooled connection all the while.
            # The pool must neither run dry (a plain read would queue behind the writers,
            # which WAL exists to avoid) nor time out before the lock's own wait would.
            kwargs.update(pool_size=5, max_overflow=64, pool_timeout=BUSY_TIMEOUT_MS / 1000)
            if not parsed.database.startswith("file:"):
                # Videos, results and password hashes: 0600, never the umask's 0644.
                private_database_file(Path(parsed.database).expanduser())
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if is_sqlite:
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN is ours to emit.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            _switch_to_wal(cur)
        cur.execute("PRAGMA synchronous=FULL")
        # A 1 GB upload grows the WAL to 1 GB; without a limit the file stays that size on
        # disk while the app runs. With it, SQLite truncates the WAL back to this size when it
        # next restarts it after a checkpoint.
        cur.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
        cur.close()
        register_sqlite_functions(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _switch_to_wal(cur: Any) -> None:
    """``PRAGMA journal_mode=WAL``, waiting its turn like any writer.

    Switching a new database's journal to WAL needs the file to itself, and SQLite answers
    "database is locked" at once, without its busy handler, when another process is using it
    meanwhile (several processes starting on a new database together). The switch is retried
    for as long as a writer would wait. Once the file is WAL the pragma takes no lock.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.01
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as exc:  # the driver's OperationalError; the module varies
            if "database is locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


#: SQLite result codes (sqlite.org/rescode.html) that people can act on.
_SQLITE_BUSY = 5
_SQLITE_FULL = 13


@contextmanager
def _translated(url: str) -> Iterator[None]:
    """Turn a full disk, or a write lock that stayed taken past the busy timeout, into a
    domain error a person can act on (the transaction is already rolled back, so nothing of
    the failed unit of work remains)."""
    try:
        yield
    except OperationalError as exc:
        code = getattr(exc.orig, "sqlite_errorcode", None)
        code = code & 0xFF if isinstance(code, int) else None  # primary code of an extended one
        if code == _SQLITE_BUSY or "database is locked" in str(exc.orig):
            raise Unavailable(
                "The database is busy with another long change (another VideoLab window or "
                "command); nothing was changed. Try again when it has finished."
            ) from exc
        if code == _SQLITE_FULL or "database or disk is full" in str(exc.orig):
            where = make_url(url).database or "the database"
            raise Unavailable(
                "Not enough disk space to save this; nothing was changed. Free some space on "
                f"the drive that holds {where} and try again."
            ) from exc
        raise


class Database:
    """One engine and two session factories, built once in the composition root.

    ``read()`` for queries; ``write()`` for units of work that change state (BEGIN IMMEDIATE
    on SQLite). Both commit on success and roll back on any exception.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        write_engine = self.engine.execution_options(**WRITE_OPTIONS)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(write_engine, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with _translated(self.url), self._read() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with _translated(self.url), self._write() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
