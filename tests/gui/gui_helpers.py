"""Helpers shared by the GUI tests."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from videolab.domain.dto import UserDTO
from videolab.gui.main_window import MainWindow
from videolab.gui.session import UserSession
from videolab.services.app import VideoLab


def wait_idle(qtbot, window: MainWindow, timeout: int = 30_000) -> None:  # type: ignore[no-untyped-def]
    """Until every operation, and every reload the changes it announced started, is done."""
    qtbot.waitUntil(lambda: not window.ops.busy, timeout=timeout)


def copy_clip(src: Path, dst_dir: Path, name: str) -> Path:
    dst_dir.mkdir(parents=True, exist_ok=True)
    target = dst_dir / name
    target.write_bytes(Path(src).read_bytes())
    return target


def drop_files(target: QWidget, paths: list[Path], pos: QPoint | None = None) -> QDropEvent:
    """Deliver a real QDropEvent carrying file URLs, as a file manager would."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    where = pos if pos is not None else target.rect().center()
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(where, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, enter)
    move = QDragMoveEvent(where, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, move)
    event = QDropEvent(
        where.toPointF(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(target, event)
    return event


def open_window(qtbot, lab: VideoLab, user: UserDTO) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(UserSession(lab, user))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    wait_idle(qtbot, window)  # the panels' first contents
    return window


def _runqueue_wait_s() -> float | None:
    """Seconds this thread has spent runnable but waiting for a CPU (Linux), or None."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


class StallProbe:
    """Measures the event loop's longest gap: a 10 ms timer notes how late each tick comes.

    A tick that comes 50 ms after the one before means the GUI thread was busy (or blocked)
    for that long: the window did not repaint nor answer input meanwhile. ``gaps`` are the
    raw gaps. ``own_gaps`` leave out the time the GUI thread was ready to run but waited for a
    CPU that other processes held (Linux's schedstat): on a shared 2-core machine running a
    dozen test processes that wait alone reaches 50 ms, while a GUI thread blocked on the
    database, on a lock or on the GIL, or busy itself, still counts in full.
    """

    def __init__(self, interval_ms: int = 10) -> None:
        self.gaps: list[float] = []
        self.own_gaps: list[float] = []
        self._last = 0.0
        self._waited: float | None = None
        self._timer = QTimer()
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.monotonic()
        waited = _runqueue_wait_s()
        gap = now - self._last
        queued = waited - self._waited if waited is not None and self._waited is not None else 0
        self.gaps.append(gap)
        self.own_gaps.append(max(0.0, gap - queued))
        self._last, self._waited = now, waited

    def start(self) -> StallProbe:
        self._last, self._waited = time.monotonic(), _runqueue_wait_s()
        self._timer.start()
        return self

    def stop(self) -> None:
        self._timer.stop()

    def paused(self) -> _Paused:
        """Leave out what runs inside ``with probe.paused():`` (measured on its own)."""
        return _Paused(self)

    @property
    def worst_ms(self) -> float:
        return max(self.gaps, default=0.0) * 1000

    @property
    def worst_own_ms(self) -> float:
        return max(self.own_gaps, default=0.0) * 1000


class _Paused:
    def __init__(self, probe: StallProbe) -> None:
        self.probe = probe
        self.seconds = 0.0

    def __enter__(self) -> _Paused:
        self._began = time.monotonic()
        self.probe._timer.stop()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.monotonic() - self._began
        self.probe._last, self.probe._waited = time.monotonic(), _runqueue_wait_s()
        self.probe._timer.start()
