"""One worker base for everything that runs off the GUI thread (after superqt's ``_qthreading``).

A :class:`Worker` is a ``QRunnable`` whose signals live on a separate ``QObject`` (a runnable
cannot own signals). ``run()`` catches everything, emits ``error`` with the exception, and
always emits ``finished``. The function it wraps is plain Python that receives ``progress``
and ``cancel`` (a ``threading.Event``), so the same code runs from the CLI or a test.

:class:`Executor` owns the pools: one thread for database writes (SQLite has one writer; a
queue of one also keeps writes in the order the user made them), a small pool for reads and
probing, and a separate pool for detection jobs. Running workers are kept alive by a strong
reference until ``finished``; ``shutdown()`` cancels and waits, as on quit.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

#: Progress reaches the GUI at most this often (STYLE.md: ~10 updates a second).
PROGRESS_INTERVAL_S = 0.1

_ALL_POOLS: weakref.WeakSet[QThreadPool] = weakref.WeakSet()


def all_pools() -> list[QThreadPool]:
    """Every pool an Executor created and that still exists (tests check they are idle)."""
    return list(_ALL_POOLS)


class WorkerSignals(QObject):
    started = Signal()
    progress = Signal(object)
    result = Signal(object)
    error = Signal(object)
    finished = Signal()


class Throttle:
    """Let a call through at most every ``interval`` seconds; ``force`` always passes."""

    def __init__(self, interval: float = PROGRESS_INTERVAL_S) -> None:
        self.interval = interval
        self._last = float("-inf")

    def ready(self, *, force: bool = False) -> bool:
        now = time.monotonic()
        if force or now - self._last >= self.interval:
            self._last = now
            return True
        return False


class Worker(QRunnable):
    """Run ``fn(*args, **kwargs)`` in a pool; ``fn`` may accept ``progress`` and ``cancel``.

    ``progress(value, force=False)`` is throttled; the value is any plain object.
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.setAutoDelete(False)  # we hold the reference; Qt must not delete it under us
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.signals = WorkerSignals()
        self.cancel_event = threading.Event()
        self._throttle = Throttle()
        params = inspect.signature(fn).parameters
        if "progress" in params:
            self.kwargs["progress"] = self.report
        if "cancel" in params:
            self.kwargs["cancel"] = self.cancel_event

    def report(self, value: Any, *, force: bool = False) -> None:
        if self._throttle.ready(force=force):
            self.signals.progress.emit(value)

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def run(self) -> None:
        self.signals.started.emit()
        try:
            value = self.fn(*self.args, **self.kwargs)
        except BaseException as exc:  # everything: the GUI must hear about it
            self.signals.error.emit(exc)
        else:
            self.signals.result.emit(value)
        finally:
            self.signals.finished.emit()


class Executor(QObject):
    """The pools of one window, and the workers running in them."""

    def __init__(self, parent: QObject | None = None, *, job_threads: int = 1) -> None:
        super().__init__(parent)
        self.write_pool = self._pool("videolab-db-write", 1)
        self.read_pool = self._pool("videolab-read", 2)
        self.job_pool = self._pool("videolab-jobs", job_threads)
        self._running: set[Worker] = set()
        self.error_handler: Callable[[BaseException], None] | None = None

    @staticmethod
    def _pool(name: str, threads: int) -> QThreadPool:
        pool = QThreadPool()
        pool.setObjectName(name)
        pool.setMaxThreadCount(threads)
        _ALL_POOLS.add(pool)
        return pool

    def _start(
        self,
        pool: QThreadPool,
        fn: Callable[..., Any],
        *args: Any,
        on_result: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> Worker:
        worker = Worker(fn, *args, **kwargs)
        self._running.add(worker)
        signals = worker.signals
        if on_progress is not None:
            signals.progress.connect(on_progress)
        if on_result is not None:
            signals.result.connect(on_result)
        handler = on_error or self.error_handler
        if handler is not None:
            signals.error.connect(handler)
        else:
            signals.error.connect(lambda exc: log.error("worker failed: %s", exc, exc_info=exc))
        if on_finished is not None:
            signals.finished.connect(on_finished)
        signals.finished.connect(lambda: self._running.discard(worker))
        pool.start(worker)
        return worker

    def write(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Worker:
        """A database write (or a long upload): one at a time, in order."""
        return self._start(self.write_pool, fn, *args, **kwargs)

    def read(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Worker:
        return self._start(self.read_pool, fn, *args, **kwargs)

    def job(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Worker:
        return self._start(self.job_pool, fn, *args, **kwargs)

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def running(self) -> list[Worker]:
        return list(self._running)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel everything, then wait for the pools; True when all threads ended."""
        for worker in list(self._running):
            worker.cancel()
        done = True
        for pool in (self.job_pool, self.write_pool, self.read_pool):
            pool.clear()
            done = pool.waitForDone(timeout_ms) and done
        self._running.clear()
        return done
