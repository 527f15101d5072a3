"""Run Python's cyclic garbage collector on the GUI thread only.

CPython collects reference cycles in whichever thread happens to allocate the object that
crosses a threshold. In a Qt application that is often a pool thread (a sign-in, an upload,
a query), and a cycle that holds a ``QObject`` created on the GUI thread is then destroyed
from the wrong thread while the GUI thread may be delivering its events; Qt forbids that, and
such races end in a segmentation fault (CI once died of one during a garbage collection inside
a sign-in worker).

The remedy used by long-lived PyQt/PySide applications: switch automatic collection off and
collect from a GUI-thread timer. Reference counting still frees everything that is not in a
cycle at once; a cycle is freed by the GUI thread's next collection of the generation it is in.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

#: How often the GUI thread looks at the collector's counters.
TICK_MS = 1000


class MainThreadGarbageCollector(QObject):
    """Owns the collector while it exists: ``gc`` is disabled, collections run on a timer."""

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = TICK_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> int:
        """Collect the youngest generation every tick, older ones as CPython would.

        A young collection costs microseconds; each one counts towards the next older
        generation's threshold, so with the interpreter's defaults (700, 10, 10) and a one-second
        tick a middle collection (~2 ms) runs every ~11 s and a full one (~40 ms measured with
        the main window open) every ~2 minutes. Counting allocations alone would not do: a
        burst that allocates and frees in a worker leaves the counters where they were.
        """
        thresholds = gc.get_threshold()
        counts = gc.get_count()
        for generation in (2, 1):
            if counts[generation] > thresholds[generation]:
                return gc.collect(generation)
        return gc.collect(0)

    def stop(self) -> None:
        """Give the collector back as it was found, after one last collection here."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()


def install(app: QCoreApplication) -> MainThreadGarbageCollector:
    """Attach one collector to ``app`` (idempotent); call on the GUI thread."""
    existing = app.findChild(MainThreadGarbageCollector)
    if isinstance(existing, MainThreadGarbageCollector):
        return existing
    collector = MainThreadGarbageCollector(app)
    app.aboutToQuit.connect(collector.stop)
    return collector


def uninstall(app: QCoreApplication) -> None:
    """Stop and remove the collector ``install`` attached (tests that share one QApplication)."""
    for collector in app.findChildren(MainThreadGarbageCollector):
        app.aboutToQuit.disconnect(collector.stop)
        collector.stop()
        collector.setParent(None)
        collector.deleteLater()
