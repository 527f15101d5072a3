"""Enter in the run dialog runs the job; it never opens the file browser."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from videolab.gui.widgets.run_dialog import RunDialog


def test_enter_presses_run_not_browse(qtbot, app, demo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    video = app.videos.list(demo.alice, app.datasets.list(demo.alice)[0].id)[0]
    dialog = RunDialog(video, 100_000)
    qtbot.addWidget(dialog)
    browsed: list[bool] = []
    confirmed: list[bool] = []
    monkeypatch.setattr(dialog, "_browse", lambda: browsed.append(True))
    dialog.buttons.accepted.disconnect()
    dialog.buttons.accepted.connect(lambda: confirmed.append(True))
    dialog.show()
    qtbot.waitExposed(dialog)
    defaults = [b.text() for b in dialog.findChildren(QPushButton) if b.isDefault()]
    assert defaults == [dialog.run_button.text()]
    dialog.conf.setFocus()
    qtbot.keyClick(dialog.conf, Qt.Key.Key_Return)
    assert confirmed == [True] and browsed == []
