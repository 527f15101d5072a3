"""File > Back up database: a consistent copy, made in a worker, with a message."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from gui_helpers import wait_idle
from PySide6.QtWidgets import QFileDialog

from videolab.gui.main_window import MainWindow


def test_backup_menu_action_writes_a_consistent_copy(qtbot, admin_window: MainWindow,  # type: ignore[no-untyped-def]
                                                     tmp_path: Path, monkeypatch) -> None:
    window = admin_window
    target = tmp_path / "copy.db"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    action = next(a for m in window.menuBar().actions() if m.menu() is not None
                  for a in m.menu().actions() if a.text().startswith("&Back up"))
    action.trigger()
    qtbot.waitUntil(lambda: "Backup saved" in window.message_bar.text(), timeout=30_000)
    wait_idle(qtbot, window)
    with sqlite3.connect(target) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("select count(*) from users").fetchone()[0] == 3


def test_only_administrators_see_the_backup_action(window: MainWindow) -> None:
    """A backup holds every account's data; the service refuses anyone else too."""
    assert not window.session.user.is_admin
    assert not window.backup_action.isVisible()
