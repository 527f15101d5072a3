"""Measure launch-to-first-window of a build that cannot be instrumented from outside (the
desktop bundle): ``VIDEOLAB_FIRST_WINDOW_PROBE=<launch time, epoch seconds>``.

The first top-level window's Show event is noted, the event loop paints once, then
``FIRST_WINDOW <shown s> <painted s> <window class>`` (seconds since the launch time) goes to
stdout and the process exits. ``benchmarks/bundle.py`` reads it; the same probe as
``benchmarks/gui_startup.py`` injects into a source run.
"""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

import videolab.gui.app as gui_app


class FirstWindow(QObject):
    def __init__(self, launched: float) -> None:
        super().__init__()
        self.launched = launched
        self.done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            not self.done
            and event.type() == QEvent.Type.Show
            and isinstance(watched, QWidget)
            and watched.isWindow()
        ):
            self.done = True
            shown = time.time() - self.launched
            name = type(watched).__name__

            def report() -> None:
                painted = time.time() - self.launched
                sys.stdout.write(f"FIRST_WINDOW {shown:.3f} {painted:.3f} {name}\n")
                sys.stdout.flush()
                os._exit(0)

            QTimer.singleShot(0, report)
        return False


def install() -> None:
    """Wrap ``make_application`` so the probe watches the app it makes."""
    launched = float(os.environ["VIDEOLAB_FIRST_WINDOW_PROBE"])
    make = gui_app.make_application

    def probed(argv: object = None) -> QApplication:
        qt_app = make(argv)  # type: ignore[arg-type]
        probe = FirstWindow(launched)
        qt_app._videolab_probe = probe  # type: ignore[attr-defined]  # kept alive with the app
        qt_app.installEventFilter(probe)
        return qt_app

    gui_app.make_application = probed
