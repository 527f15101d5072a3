"""One worker base for everything that runs off the GUI thread (after superqt's ``_qthreading``).

A :class:`Worker` is a plain object whose ``run`` a ``QThreadPool`` calls. ``run()`` catches
everything and reports ``error`` with the exception, then always ``finished``. The function it
wraps is plain Python that receives ``progress`` and ``cancel`` (a ``threading.Event``), so the
same code runs from the CLI or a test. Reports travel to the GUI thread through one relay
object per executor and reach the callbacks given to ``read``/``write``/``job`` there.

Why not a ``QRunnable`` with a signals object per worker (superqt's shape)? PySide keeps every
runnable started on a pool referenced by the pool's wrapper for the pool's lifetime, and the
slots connected to per-worker signals hold closures over the worker: every finished worker,
and whatever its callbacks held, stayed in memory until the window closed, and its signals
object was destroyed by whichever thread let go of it last.

:class:`Executor` owns the pools: one thread for short database writes (SQLite has one writer;
a queue of one also keeps writes in the order the user made them), a small pool for reads, a
pool for long file work (decoding a video to probe it, exports, backups, thumbnails), so a
multi-minute decode never holds up a rename or a list, and a separate pool for detection jobs.
Widgets do not call it directly: they go through :mod:`videolab.gui.ops`. A worker and its
callbacks are held until its ``finished`` report is delivered, then let go; ``shutdown()``
drops queued workers (and their callbacks), cancels the running ones and waits, as on quit.
"""

from __future__ import annotations

import inspect
import itertools
import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

log = logging.getLogger(__name__)

#: Progress reaches the GUI at most this often (STYLE.md: ~10 updates a second).
PROGRESS_INTERVAL_S = 0.1

_ALL_POOLS: weakref.WeakSet[QThreadPool] = weakref.WeakSet()


def all_pools() -> list[QThreadPool]:
    """Every pool an Executor created and that still exists (tests check they are idle)."""
    return list(_ALL_POOLS)


class _Relay(QObject):
    """Carries every worker's reports to the GUI thread, tagged with the worker's key.

    One relay per executor, owned by it: pool threads only ever emit on it, and it is deleted
    with the executor on the GUI thread. (A signals object per worker, owned by the worker,
    could be destroyed by whichever thread dropped the worker last, and the closures its
    connections kept would keep every finished worker alive.)
    """

    progress = Signal(int, object)
    result = Signal(int, object)
    error = Signal(int, object)
    finished = Signal(int)


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


class Worker:
    """Run ``fn(*args, **kwargs)`` in a pool; ``fn`` may accept ``progress`` and ``cancel``.

    ``progress(value, force=False)`` is throttled; the value is any plain object.
    """

    def __init__(
        self, key: int, relay: _Relay, fn: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> None:
        self.key = key
        self._relay = relay
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.cancel_event = threading.Event()
        #: Set once a pool thread has begun ``run``; a queued worker may be abandoned instead.
        self.started = False
        self._abandoned = False
        self._state = threading.Lock()
        self._throttle = Throttle()
        params = inspect.signature(fn).parameters
        if "progress" in params:
            self.kwargs["progress"] = self.report
        if "cancel" in params:
            self.kwargs["cancel"] = self.cancel_event

    def report(self, value: Any, *, force: bool = False) -> None:
        if self._throttle.ready(force=force):
            self._emit(self._relay.progress, self.key, value)

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def abandon(self) -> bool:
        """Make a worker that has not started return at once when it does; False if it has."""
        with self._state:
            if self.started:
                return False
            self._abandoned = True
            return True

    def run(self) -> None:
        with self._state:
            if self._abandoned:
                return
            self.started = True
        try:
            value = self.fn(*self.args, **self.kwargs)
        except BaseException as exc:  # everything: the GUI must hear about it
            self._emit(self._relay.error, self.key, exc)
        else:
            self._emit(self._relay.result, self.key, value)
        finally:
            self._emit(self._relay.finished, self.key)

    @staticmethod
    def _emit(signal: Any, *args: Any) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the executor was deleted without shutdown(): nobody listens
            log.debug("worker outlived its executor; report dropped")


@dataclass(frozen=True)
class _Callbacks:
    on_result: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    on_progress: Callable[[Any], None] | None
    on_finished: Callable[[], None] | None


class Executor(QObject):
    """The pools of one window, and the workers running in them."""

    def __init__(self, parent: QObject | None = None, *, job_threads: int = 1) -> None:
        super().__init__(parent)
        self.write_pool = self._pool("videolab-db-write", 1)
        self.read_pool = self._pool("videolab-read", 2)
        self.file_pool = self._pool("videolab-files", 2)
        self.job_pool = self._pool("videolab-jobs", job_threads)
        self._keys = itertools.count(1)
        self._running: dict[int, Worker] = {}
        self._callbacks: dict[int, _Callbacks] = {}
        self.error_handler: Callable[[BaseException], None] | None = None
        self._closed = False
        self._relay = _Relay(self)
        # Slots on the executor itself: Qt drops reports still queued if it is deleted.
        self._relay.progress.connect(self._deliver_progress)
        self._relay.result.connect(self._deliver_result)
        self._relay.error.connect(self._deliver_error)
        self._relay.finished.connect(self._deliver_finished)

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
        worker = Worker(next(self._keys), self._relay, fn, *args, **kwargs)
        if self._closed:
            # After shutdown a report still queued for the GUI thread (a job's last one) may
            # ask for a reload: nothing starts, or a thread would outlive its window.
            worker.abandon()
            return worker
        self._running[worker.key] = worker
        self._callbacks[worker.key] = _Callbacks(on_result, on_error, on_progress, on_finished)
        pool.start(worker.run)
        return worker

    def _deliver_progress(self, key: int, value: Any) -> None:
        callbacks = self._callbacks.get(key)
        if callbacks is not None and callbacks.on_progress is not None:
            callbacks.on_progress(value)

    def _deliver_result(self, key: int, value: Any) -> None:
        callbacks = self._callbacks.get(key)
        if callbacks is not None and callbacks.on_result is not None:
            callbacks.on_result(value)

    def _deliver_error(self, key: int, exc: BaseException) -> None:
        callbacks = self._callbacks.get(key)
        handler = (callbacks.on_error if callbacks else None) or self.error_handler
        if handler is not None:
            handler(exc)
        else:
            log.error("worker failed: %s", exc, exc_info=exc)

    def _deliver_finished(self, key: int) -> None:
        self._running.pop(key, None)
        callbacks = self._callbacks.pop(key, None)
        if callbacks is not None and callbacks.on_finished is not None:
            callbacks.on_finished()

    def write(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Worker:
        """A short database write: one at a time, in order."""
        return self._start(self.write_pool, fn, *args, **kwargs)

    def read(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Worker:
        """A query: never waits behind a write or a long file operation."""
        return self._start(self.read_pool, fn, *args, **kwargs)

    def file(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Worker:
        """Long work on files (decode, copy, export): its own queue, so nothing short waits."""
        return self._start(self.file_pool, fn, *args, **kwargs)

    def job(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Worker:
        return self._start(self.job_pool, fn, *args, **kwargs)

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def running(self) -> list[Worker]:
        return list(self._running.values())

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Drop queued work, cancel what runs, wait for the pools; True when all threads ended.

        A queued worker is abandoned rather than taken off its pool with ``QThreadPool.clear()``:
        PySide keeps a reference to every callable that ``clear()`` removes, so the worker and
        its callbacks would stay in memory. An abandoned worker returns at once when its turn
        comes, reports nothing, and its callbacks are let go now. Work asked for afterwards is
        not started.
        """
        self._closed = True
        for key, worker in list(self._running.items()):
            if worker.abandon():
                self._running.pop(key)
                self._callbacks.pop(key, None)
            else:
                worker.cancel()
        done = True
        for pool in (self.job_pool, self.file_pool, self.write_pool, self.read_pool):
            done = pool.waitForDone(timeout_ms) and done
        # Those that ran still have their last reports queued for the GUI thread.
        self._running.clear()
        return done
