"""Run a slow step that cannot be interrupted in-process (an export, a quantization) in a child
process, so that a cancel stops it at once instead of after it finished.

Ultralytics' exporter and NNCF's quantizer are single calls that run for seconds to minutes
and check no flag. In a child process they can be stopped: the parent polls the job's cancel
event and terminates the child. What the step builds lives in a temporary folder that the
caller removes, so a stopped step leaves nothing behind.

The child is ``python -m videolab.inference.cancellable`` (in a desktop bundle, the bundle's
console executable: ``videolab.frozen``), not a ``multiprocessing`` spawn:
spawn re-imports the parent's main module, which breaks any script without a
``__main__`` guard, and a terminated child leaves its queue's semaphores behind. The step and
its arguments go to the child's stdin as a pickle (the parent's own data); the child answers
with JSON lines on its original stdout (status lines, then ``done`` or ``error``) and sends
whatever the libraries print to stderr, so a ``--json`` caller's stdout stays clean. The
parent reads that stderr into its log at DEBUG (``library_logs``): torch's warnings and
NNCF's progress bars are not the user's business on the terminal.
"""

from __future__ import annotations

import json
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import IO, Any

from videolab.domain.errors import Cancelled, Unavailable
from videolab.frozen import child_command, child_popen_options

POLL_S = 0.1
#: How long a terminated child may take to exit before it is killed.
TERMINATE_GRACE_S = 3.0

Status = Callable[[str], None]


class StepFailed(Unavailable):
    """The step raised in the child, or the child died; the message says which."""


def run_cancellable(
    step: Callable[..., None],
    *args: Any,
    cancel: threading.Event,
    status: Status | None = None,
    what: str = "Preparing the model",
) -> None:
    """Run ``step(*args, status=...)`` in a child process; raise Cancelled once ``cancel`` is
    set (the child is stopped), StepFailed when the step raised or its process died.

    ``step`` must be importable by name (a module-level function, or a partial of one) and
    ``args`` picklable.
    """
    if cancel.is_set():
        raise Cancelled(f"{what} was cancelled.")
    payload = pickle.dumps((step, args))
    child = subprocess.Popen(
        child_command("videolab.inference.cancellable"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **child_popen_options(),
    )
    replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
    assert child.stdin is not None and child.stdout is not None and child.stderr is not None
    reader = threading.Thread(
        target=_read_replies, args=(child.stdout, replies), name="videolab-step-reader"
    )
    reader.start()
    chatter = threading.Thread(
        target=_log_output, args=(child.stderr,), name="videolab-step-log", daemon=True
    )
    chatter.start()
    try:
        try:
            child.stdin.write(payload)
            child.stdin.close()
        except OSError:
            pass  # it died at start; its exit code says so below
        while True:
            try:
                reply = replies.get(timeout=POLL_S)
            except queue.Empty:
                if cancel.is_set():
                    raise Cancelled(f"{what} was cancelled.") from None
                continue
            if reply is None:  # its stdout closed: it exited without a last word
                code = child.wait()
                raise StepFailed(
                    f"{what} stopped unexpectedly (its process exited with code {code})."
                )
            if "error" in reply:
                raise StepFailed(str(reply["error"]))
            if reply.get("done"):
                return
            if status is not None and "status" in reply:
                status(str(reply["status"]))
            if cancel.is_set():
                raise Cancelled(f"{what} was cancelled.")
    finally:
        _stop(child)
        reader.join()
        chatter.join()


def _read_replies(stream: IO[bytes], replies: queue.Queue[dict[str, Any] | None]) -> None:
    try:
        for line in stream:
            try:
                reply = json.loads(line)
            except ValueError:
                continue
            if isinstance(reply, dict):
                replies.put(reply)
    finally:
        stream.close()
        replies.put(None)


def _log_output(stream: IO[bytes]) -> None:
    """The child's stderr, line by line, into this process's log at DEBUG."""
    from videolab.inference.library_logs import LogWriter

    writer = LogWriter(prefix="[step] ")
    try:
        for chunk in iter(lambda: stream.read1(65536), b""):  # type: ignore[attr-defined]
            writer.write(chunk.decode("utf-8", "replace"))
    finally:
        writer.close()
        stream.close()


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(TERMINATE_GRACE_S)
        except subprocess.TimeoutExpired:
            child.kill()
    child.wait()


def child_main() -> int:
    """The child's side: run the pickled step from stdin, answer on stdout."""
    # Keep the original stdout for replies; everything printed from here on (Python or C)
    # goes to stderr instead.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    import logging

    # The parent logs these lines at DEBUG; name and level say what they were here.
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    def reply(**fields: Any) -> None:
        replies.write(json.dumps(fields) + "\n")

    try:
        step, args = pickle.load(sys.stdin.buffer)
        step(*args, status=lambda line: reply(status=line))
    except BaseException as exc:  # everything goes back to the parent as a message
        reply(error=str(exc) or type(exc).__name__)
        return 1
    reply(done=True)
    return 0


if __name__ == "__main__":
    sys.exit(child_main())
