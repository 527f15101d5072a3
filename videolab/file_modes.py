"""File modes: what VideoLab keeps is private to the OS account; what it exports is not.

The database holds every account's videos, results and password hashes, and the cache holds
decoded copies of those videos: folders ``0700``, files ``0600``, whatever the umask says (a
umask of 022 would make them readable by every local account). Installs made before this
rule are tightened at start. Exports are the user's own files for colleagues to open, so they
get the usual ``0666`` less the umask, like any file a program writes (``mkstemp`` would make
them ``0600``). POSIX only: on Windows the folders under the user's profile are already
private and ``chmod`` cannot express this.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
#: Permission bits of group and others: none of them on private data.
_OTHERS = 0o077
#: Files SQLite keeps beside a database; they hold the same data as the database.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")

_POSIX = os.name == "posix"


def tighten(path: Path, mode: int) -> None:
    """Take group and other permissions away from ``path`` (set it to ``mode``).

    A file of another OS account (a shared install) is left alone with a warning: chmod would
    fail, and it is that account's to change.
    """
    if not _POSIX:
        return
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if st.st_mode & _OTHERS == 0 or path.is_symlink():
        return
    try:
        os.chmod(path, mode)
    except OSError as exc:
        log.warning("cannot make %s private (%s); other accounts may read it", path, exc)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) and make it ``0700``."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)  # mode: the last part only
    tighten(path, PRIVATE_DIR)
    return path


def private_database_file(path: Path) -> None:
    """Make a SQLite file private before SQLite opens it.

    SQLite creates a new database ``0644`` less the umask and gives its ``-wal``/``-shm`` files
    the database file's own mode, so creating the file ``0600`` first keeps all three private.
    An existing database and its companions are tightened.
    """
    if not _POSIX:
        return
    # An existing file is tightened below; a missing folder is SQLite's to report.
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    for suffix in ("", *SQLITE_COMPANIONS):
        tighten(Path(f"{path}{suffix}"), PRIVATE_FILE)


def new_shared_file(folder: Path, prefix: str) -> tuple[int, Path]:
    """An empty file for an export, readable as the umask allows (open fd and path).

    Like ``tempfile.mkstemp`` (a new, unguessable name created exclusively) except for the
    mode: ``0666`` less the umask instead of ``0600``.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        path = folder / f"{prefix}{secrets.token_hex(6)}"
        try:
            return os.open(path, flags, 0o666), path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")
