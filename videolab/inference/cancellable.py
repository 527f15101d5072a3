"""Run a slow step that cannot be interrupted in-process (an export, a quantization) in a child
process, so that a cancel stops it at once instead of after it finished.

Ultralytics' exporter and NNCF's quantizer are single calls that run for seconds to minutes
and check no flag. In a child process they can be stopped: the parent polls the job's cancel
event and terminates the child. What the step builds lives in a temporary folder that the
caller removes, so a stopped step leaves nothing behind. Status lines the step reports travel
back through a queue; an error comes back as its message.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import threading
from collections.abc import Callable
from typing import Any

from videolab.domain.errors import Cancelled, Unavailable

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
    """Run ``step(*args, status=...)`` in a spawned child; raise Cancelled once ``cancel`` is
    set (the child is stopped), StepFailed when the step raised or its process died.

    ``step`` and ``args`` must be picklable (a module-level function, plain data).
    """
    if cancel.is_set():
        raise Cancelled(f"{what} was cancelled.")
    context = multiprocessing.get_context("spawn")  # no fork: the parent has threads running
    messages = context.Queue()
    child = context.Process(target=_child_main, args=(step, args, messages), name="videolab-step")
    child.start()
    try:
        while True:
            try:
                kind, payload = messages.get(timeout=POLL_S)
            except queue.Empty:
                if cancel.is_set():
                    raise Cancelled(f"{what} was cancelled.") from None
                if not child.is_alive():
                    # its last message may still be in the pipe
                    with contextlib.suppress(queue.Empty):
                        kind, payload = messages.get(timeout=POLL_S)
                        if _handle(kind, payload, status):
                            return
                    raise StepFailed(
                        f"{what} stopped unexpectedly (its process exited with code "
                        f"{child.exitcode})."
                    ) from None
                continue
            if _handle(kind, payload, status):
                return
            if cancel.is_set():
                raise Cancelled(f"{what} was cancelled.")
    finally:
        _stop(child)
        messages.close()
        messages.join_thread()


def _handle(kind: str, payload: str, status: Status | None) -> bool:
    """True when the step finished; raises its error; forwards a status line."""
    if kind == "done":
        return True
    if kind == "error":
        raise StepFailed(payload)
    if status is not None:
        status(payload)
    return False


def _stop(child: Any) -> None:
    if child.is_alive():
        child.terminate()
        child.join(TERMINATE_GRACE_S)
        if child.is_alive():
            child.kill()
    child.join()
    child.close()


def _child_main(step: Callable[..., None], args: tuple[Any, ...], messages: Any) -> None:
    def report(line: str) -> None:
        messages.put(("status", line))

    try:
        step(*args, status=report)
    except BaseException as exc:  # everything goes back to the parent as a message
        text = str(exc) or type(exc).__name__
        messages.put(("error", text))
    else:
        messages.put(("done", ""))
    finally:
        messages.close()
        messages.join_thread()  # flush before the process exits
