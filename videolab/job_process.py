"""Run one accepted job in a process of its own: ``python -m videolab.job_process JOB_ID``,
with the database URL in the environment variable ``VIDEOLAB_DB`` (never on the command line,
where ``ps`` shows it to everyone). In a desktop bundle the bundle's console executable runs
it (``videolab.frozen``).

The desktop app runs detection here rather than in one of its threads. Importing torch and
loading a model hold Python's GIL for hundreds of milliseconds at a time, which would freeze
the window; a crash inside a native inference library ends this process, not the app, and
start-up recovery closes the job as interrupted. Protocol, one JSON object per line:

- stdout: ``{"progress": {done, total, fps, frame_index, preview_jpeg_b64}}`` about ten times
  a second, then ``{"job_id": ...}`` when the job is settled;
- stdin: a line ``cancel`` stops the job (ABORTED, paying for processed frames only); a line
  ``detach`` lets the app quit while the job goes on: this process then writes nothing more to
  its stdout (it points it at /dev/null, which also ends the app's reader) and the app's pipe
  closing no longer cancels the job. The job still settles itself, and a cancel asked for in the
  database (a later start of the app) still stops it.

The process acts as the job's owner: it is started by the app itself on the same database,
so it checks no password (whoever can run it can read the database file anyway).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import threading
import uuid
from collections.abc import Sequence
from typing import Any, BinaryIO

from videolab.frozen import DB_URL_VARIABLE

#: Held while a line goes out, and while a detach points stdout elsewhere.
_stdout_lock = threading.Lock()
#: Set by ``detach``: nothing more goes to the app.
detached = threading.Event()


def _emit(message: dict[str, Any]) -> None:
    with _stdout_lock:
        if detached.is_set():
            return
        try:
            sys.stdout.write(json.dumps(message) + "\n")
            sys.stdout.flush()
        except (BrokenPipeError, OSError, ValueError):  # the app is gone without a word
            detached.set()


def _detach_stdout() -> None:
    """Stop talking to the app: stdout becomes /dev/null, which closes our end of its pipe
    (the app's reader sees the end of it and lets go of us)."""
    with _stdout_lock:
        detached.set()
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)


def take_command_pipe() -> BinaryIO:
    """The app's command pipe (our stdin), moved off file descriptor 0, which becomes
    /dev/null for everything else in this process.

    A thread blocked reading ``sys.stdin`` holds the lock of its buffer. A child forked
    meanwhile inherits that lock held by a thread it does not have, and ``multiprocessing``
    closes ``sys.stdin`` first thing in a forked child: CodeCarbon's CPU detection
    (py-cpuinfo forks a process to run CPUID) then hung, and the job with it, whenever its
    result was not cached yet. The pipe read here is unbuffered: no lock is held while it waits.
    """
    commands = os.fdopen(os.dup(0), "rb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    return commands


def watch_commands(commands: BinaryIO, cancel: threading.Event) -> None:
    """Set ``cancel`` on a line ``cancel``, or when the app closes the pipe (it is gone),
    unless the app said ``detach`` first: then only the database can cancel the job."""
    pending = b""
    while chunk := commands.read(4096):
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            if line.strip() == b"cancel":
                cancel.set()
                return
            if line.strip() == b"detach":
                _detach_stdout()
    if not detached.is_set():
        cancel.set()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m videolab.job_process",
        description=f"Run one accepted job; the database URL comes from ${DB_URL_VARIABLE}.",
    )
    parser.add_argument("job_id")
    args = parser.parse_args(argv)
    db_url = os.environ.get(DB_URL_VARIABLE)
    if not db_url:
        parser.error(f"${DB_URL_VARIABLE} must hold the database URL")
    if hasattr(os, "nice"):
        # Background work yields the CPU to the window the person is looking at.
        os.nice(5)
    cancel = threading.Event()
    threading.Thread(
        target=watch_commands, args=(take_command_pipe(), cancel), daemon=True
    ).start()

    from videolab.services.app import VideoLab  # after the command pipe is watched: a detach
    # sent while this loads is answered at once

    def progress(p: Any) -> None:
        preview = getattr(p, "preview_jpeg", None)
        _emit(
            {
                "progress": {
                    "done": p.done,
                    "total": p.total,
                    "fps": p.fps,
                    "frame_index": p.frame_index,
                    "preview_jpeg_b64": base64.b64encode(preview).decode() if preview else None,
                    "message": getattr(p, "message", None),
                }
            }
        )

    with VideoLab.open(db_url, recover=False) as app:
        job_id = uuid.UUID(args.job_id)
        owner = app.jobs.owner_of(job_id)
        job = app.jobs.run(owner, job_id, progress=progress, cancel=cancel)
        _emit({"job_id": str(job.id), "status": job.status.value})
    return 0


if __name__ == "__main__":
    sys.exit(main())
