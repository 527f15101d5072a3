"""Who owns a running job: a process identity that survives pid reuse.

Start-up recovery must close the jobs of a process that died, and only those: a GUI and a CLI
may run side by side on one database. A job records "host:pid:start-time" of its process;
it is orphaned when that host is this one and no process with that pid and start time exists,
or when its heartbeat is older than ``STALE_AFTER`` (other hosts, e.g. a shared PostgreSQL).
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

STALE_AFTER = timedelta(minutes=2)


def _start_time(pid: int) -> str:
    import psutil  # only where a job runs or a live job is checked, not at every start

    try:
        return f"{psutil.Process(pid).create_time():.3f}"
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return "gone"


def current_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{_start_time(os.getpid())}"


def owner_is_alive(owner: str | None, heartbeat_at: datetime | None, now: datetime) -> bool:
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text, _, started = rest.partition(":")
    if host == socket.gethostname():
        try:
            pid = int(pid_text)
        except ValueError:
            return False
        import psutil

        return psutil.pid_exists(pid) and _start_time(pid) == started
    return heartbeat_at is not None and now - heartbeat_at < STALE_AFTER
