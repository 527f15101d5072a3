"""A non-modal banner above the content (errors stay until closed; notices fade after a while).

Modal message boxes block tests and interrupt work; a banner says the same and lets the person
carry on.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QStyle, QToolButton, QWidget

from videolab.gui.widgets import look

LEVEL_HUES = {"error": 0, "warning": 38, "info": 210, "success": 140}
NOTICE_MS = 8000


class MessageBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MessageBar")
        self.level = "info"
        self._icon = QLabel()
        self._label = QLabel()
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # An action offered with the message ("Undo"); hidden unless ``offer`` shows it.
        self.action_button = QToolButton()
        self.action_button.clicked.connect(self._run_action)
        font = self.action_button.font()
        font.setBold(True)
        font.setUnderline(True)  # reads as a link: the bar's buttons have no border
        self.action_button.setFont(font)
        self.action_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.action_button.hide()
        self._action: Callable[[], None] | None = None
        close = QToolButton()
        close.setAutoRaise(True)
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.addWidget(self._icon)
        layout.addWidget(self._label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(close)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def text(self) -> str:
        return self._label.text()

    def offer(self, label: str, run: Callable[[], None]) -> None:
        """Show a button with the current message; clicking it runs ``run`` and closes."""
        self._action = run
        self.action_button.setText(label)
        self.action_button.show()

    def _run_action(self) -> None:
        run, self._action = self._action, None
        self.action_button.hide()
        self.hide()
        if run is not None:
            run()

    def show_message(self, level: str, text: str) -> None:
        self._action = None  # a new message withdraws what the previous one offered
        self.action_button.hide()
        self.level = level
        self._label.setText(text)
        bg, fg = look.hue_colours(LEVEL_HUES.get(level, 210), saturation=170)
        border = QColor(fg)
        border.setAlpha(90)
        edge = border.name(QColor.NameFormat.HexArgb)
        self.setStyleSheet(
            f"#MessageBar {{ background: {bg.name()}; border: 1px solid {edge};"
            f" border-radius: 6px; }} #MessageBar QLabel {{ color: {fg.name()}; }}"
            f" #MessageBar QToolButton {{ color: {fg.name()}; border: none; }}"
        )
        icons = {
            "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
            "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
            "success": QStyle.StandardPixmap.SP_DialogApplyButton,
        }
        icon = self.style().standardIcon(
            icons.get(level, QStyle.StandardPixmap.SP_MessageBoxInformation)
        )
        self._icon.setPixmap(icon.pixmap(18, 18))
        self.show()
        if level in ("info", "success"):
            self._timer.start(NOTICE_MS)
        else:
            self._timer.stop()

    def palette_changed(self, _: QPalette) -> None:
        if self.isVisible():
            action, label = self._action, self.action_button.text()
            self.show_message(self.level, self.text())
            if action is not None:
                self.offer(label, action)
