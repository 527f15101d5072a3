"""One way from the GUI to the services (after Anki's ``QueryOp`` / ``CollectionOp``).

Every panel, dialog and controller calls the services through :class:`Operations`; nothing
under ``videolab/gui/`` opens a session or runs a query on the GUI thread (a test fixture
fails any test during which one does). Four queues, so the short never waits for the long:

==========  ===========================================  ==================================
method      runs on                                      for
==========  ===========================================  ==================================
``query``   the read pool (2 threads)                    lists, one row, a ledger
``write``   the write pool (1 thread: SQLite has one     create, rename, delete, charge
            writer, and writes keep the user's order)
``long``    the file pool (2 threads)                    decoding a video, exports, backups,
                                                         copies of stored files, thumbnails
``detect``  the job pool                                 a detection job (a child process)
==========  ===========================================  ==================================

``success`` and ``failure`` run on the GUI thread. Without ``failure`` an error goes to the one
error path (the message bar). A write names the :class:`~videolab.gui.changes.Change` it made;
after it commits, :attr:`Operations.changed` carries that to every panel, which refreshes
itself. :class:`Latest` runs requests for one thing (the videos of the selected dataset)
where only the newest answer may land: an older answer that arrives late is dropped.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Signal

from videolab.gui.changes import Change
from videolab.gui.workers import Executor, Worker

log = logging.getLogger(__name__)

T = TypeVar("T")
#: Where an error goes when the caller gave no ``failure``: ``report(exc, context)``.
ErrorSink = Callable[[BaseException, str], None]


class Queue(enum.Enum):
    READ = "read"
    WRITE = "write"
    FILE = "file"
    JOB = "job"


class Operations(QObject):
    """Runs service calls off the GUI thread and hands their outcome back on it."""

    changed = Signal(object)  # Change, after a write committed or a job process reported
    #: A write or a file operation (export, backup) the person started ended well: the
    #: message bar takes an older error down (it is no longer the latest news).
    succeeded = Signal()

    def __init__(self, executor: Executor, report: ErrorSink, parent: QObject | None = None):
        super().__init__(parent)
        self.executor = executor
        self._report = report

    # -- the four kinds of operation -------------------------------------------------------
    def query(
        self,
        fn: Callable[..., T],
        *args: Any,
        success: Callable[[T], None],
        failure: Callable[[BaseException], None] | None = None,
        context: str = "",
        **kwargs: Any,
    ) -> Worker:
        """Read something; ``success(value)`` on the GUI thread."""
        return self._start(Queue.READ, fn, args, kwargs, success, failure, context=context)

    def write(
        self,
        fn: Callable[..., T],
        *args: Any,
        changes: Change,
        success: Callable[[T], None] | None = None,
        failure: Callable[[BaseException], None] | None = None,
        progress: Callable[[Any], None] | None = None,
        finished: Callable[[], None] | None = None,
        context: str = "",
        **kwargs: Any,
    ) -> Worker:
        """Change something; once committed, ``success`` then ``changed(changes)``."""
        return self._start(
            Queue.WRITE, fn, args, kwargs, success, failure,
            progress=progress, finished=finished, changes=changes, context=context,
        )

    def long(
        self,
        fn: Callable[..., T],
        *args: Any,
        success: Callable[[T], None] | None = None,
        failure: Callable[[BaseException], None] | None = None,
        progress: Callable[[Any], None] | None = None,
        finished: Callable[[], None] | None = None,
        changes: Change = Change.NONE,
        context: str = "",
        **kwargs: Any,
    ) -> Worker:
        """Long work on files; ``fn`` may take ``progress`` and ``cancel`` (see workers)."""
        return self._start(
            Queue.FILE, fn, args, kwargs, success, failure,
            progress=progress, finished=finished, changes=changes, context=context,
        )

    def detect(
        self,
        fn: Callable[..., T],
        *args: Any,
        success: Callable[[T], None] | None = None,
        failure: Callable[[BaseException], None] | None = None,
        progress: Callable[[Any], None] | None = None,
        finished: Callable[[], None] | None = None,
        context: str = "",
        **kwargs: Any,
    ) -> Worker:
        """A detection job on its own pool; it announces its changes itself (see changes)."""
        return self._start(
            Queue.JOB, fn, args, kwargs, success, failure,
            progress=progress, finished=finished, context=context,
        )

    # -- changes and errors ------------------------------------------------------------------
    def notify(self, changes: Change, source: str = "") -> None:
        """Tell every screen that ``changes`` happened (a write, a job process, another
        client); call on the GUI thread."""
        if changes:
            log.debug("changed: %s (%s)", changes, source or "write")
            self.changed.emit(changes)

    def report(self, exc: BaseException, context: str = "") -> None:
        """The one error path: log it and show it (the message bar, or the login dialog)."""
        self._report(exc, context)

    @property
    def busy(self) -> bool:
        return self.executor.busy

    def _start(
        self,
        queue: Queue,
        fn: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        success: Callable[[T], None] | None,
        failure: Callable[[BaseException], None] | None,
        *,
        progress: Callable[[Any], None] | None = None,
        finished: Callable[[], None] | None = None,
        changes: Change = Change.NONE,
        context: str = "",
    ) -> Worker:
        def landed(value: T) -> None:
            if success is not None:
                success(value)
            self.notify(changes)
            if queue in (Queue.WRITE, Queue.FILE):
                self.succeeded.emit()

        def failed(exc: BaseException) -> None:
            if failure is not None:
                failure(exc)
            else:
                self.report(exc, context)

        start = {
            Queue.READ: self.executor.read,
            Queue.WRITE: self.executor.write,
            Queue.FILE: self.executor.file,
            Queue.JOB: self.executor.job,
        }[queue]
        return start(
            fn, *args, on_result=landed, on_error=failed, on_progress=progress,
            on_finished=finished, **kwargs,
        )


class Latest(Generic[T]):
    """Requests for one thing (the videos of the selected dataset, a frame of a result) where
    only the answer to the newest request may be shown.

    Each ``run`` supersedes the one before: the older worker is asked to cancel (work that
    takes ``cancel`` stops early) and, whatever it returns or raises, its answer is dropped.
    """

    def __init__(self, ops: Operations, queue: Queue = Queue.READ) -> None:
        self._ops = ops
        self._queue = queue
        self._serial = 0
        self._worker: Worker | None = None
        #: Answers that arrived after a newer request was made, and were not shown.
        self.dropped = 0

    @property
    def pending(self) -> bool:
        """A request is under way (the screen may show a placeholder meanwhile)."""
        return self._worker is not None

    def run(
        self,
        fn: Callable[..., T],
        *args: Any,
        success: Callable[[T], None],
        failure: Callable[[BaseException], None] | None = None,
        progress: Callable[[Any], None] | None = None,
        context: str = "",
        **kwargs: Any,
    ) -> None:
        self.drop()
        serial = self._serial

        def current() -> bool:
            if serial == self._serial:
                self._worker = None  # answered: no longer pending while success runs
                return True
            self.dropped += 1
            return False

        def landed(value: T) -> None:
            if current():
                success(value)

        def failed(exc: BaseException) -> None:
            if not current():
                return
            if failure is not None:
                failure(exc)
            else:
                self._ops.report(exc, context)

        def moved(value: Any) -> None:
            if serial == self._serial and progress is not None:
                progress(value)

        def finished() -> None:
            if serial == self._serial:
                self._worker = None

        self._worker = self._ops._start(
            self._queue, fn, args, kwargs, landed, failed,
            progress=moved, finished=finished, context=context,
        )

    def drop(self) -> None:
        """Forget the request under way: its answer, when it comes, is not shown."""
        self._serial += 1
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
