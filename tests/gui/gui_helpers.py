"""Helpers shared by the GUI tests."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
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
