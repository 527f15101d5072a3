"""A non-modal banner in the tab bar's row (errors stay until closed or outdated; notices fade).

Modal message boxes block tests and interrupt work; a banner says the same and lets the person
carry on. It lives in the row the tabs already take (the tab widget's corner), so showing or
hiding it moves nothing: a banner above the tabs pushed them ~37 px down, and the buttons
under the cursor with them. A text longer than the room it has ends in "…"; the whole text
is its tooltip.

An error is outdated once something later succeeded (see :meth:`MessageBar.later_success`):
a red line about an earlier failure, left up after the person did something that worked, reads
as if the new action failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QTabWidget,
    QToolButton,
    QWidget,
)

from videolab.gui.widgets import look

LEVEL_HUES = {"error": 0, "warning": 38, "info": 210, "success": 140}
NOTICE_MS = 8000
#: An error at least this old is taken down by a later success (a success that lands at once
#: is most likely an operation that ran alongside the failed one, not the person's next try).
OUTDATED_AFTER_S = 1.0


class ElidedLabel(QLabel):
    """One line that ends in "…" when it does not fit, instead of widening its parent."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:
        fm = self.fontMetrics()
        return QSize(fm.horizontalAdvance("…") * 4, fm.height())

    def full_width(self) -> int:
        return self.fontMetrics().horizontalAdvance(self.text()) + 4

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(rect, int(align), text)


class MessageBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MessageBar")
        self.level = "info"
        self.shown_at = 0.0
        self.clock: Callable[[], float] = time.monotonic
        self._icon = QLabel()
        self._label = ElidedLabel()
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
        self.close_button = close
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 0, 2, 0)
        layout.setSpacing(6)
        layout.addWidget(self._icon)
        layout.addWidget(self._label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(close)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
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
        self.updateGeometry()  # wider by the button: the tab widget lays its corner out again

    def _run_action(self) -> None:
        run, self._action = self._action, None
        self.action_button.hide()
        self.hide()
        if run is not None:
            run()

    def is_elided(self) -> bool:
        return self._label.full_width() > self._label.contentsRect().width()

    def sizeHint(self) -> QSize:
        """The whole text, or the room the tab widget leaves beside its tabs if that is less
        (the tab widget gives its corner widget its size hint, and the tabs the rest)."""
        hint = super().sizeHint()  # the layout counts the label (size policy Ignored) as 0 wide
        width = hint.width() + self._label.full_width()
        tabs = self.parentWidget()
        if isinstance(tabs, QTabWidget):
            room = tabs.width() - tabs.tabBar().sizeHint().width() - 16
            width = max(self.minimumSizeHint().width(), min(width, room))
        return QSize(width, hint.height())

    def show_message(self, level: str, text: str) -> None:
        self._action = None  # a new message withdraws what the previous one offered
        self.action_button.hide()
        self.level = level
        self.shown_at = self.clock()
        self._label.setText(text)
        self.setToolTip(text)
        bg, fg = look.hue_colours(LEVEL_HUES.get(level, 210), saturation=170)
        border = QColor(fg)
        border.setAlpha(90)
        edge = border.name(QColor.NameFormat.HexArgb)
        self.setStyleSheet(
            f"#MessageBar {{ background: {bg.name()}; border: 1px solid {edge};"
            f" border-radius: 6px; }} #MessageBar QLabel {{ color: {fg.name()}; }}"
            f" #MessageBar QToolButton {{ color: {fg.name()}; border: none; padding: 0 4px; }}"
        )
        icons = {
            "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
            "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
            "success": QStyle.StandardPixmap.SP_DialogApplyButton,
        }
        icon = self.style().standardIcon(
            icons.get(level, QStyle.StandardPixmap.SP_MessageBoxInformation)
        )
        self._icon.setPixmap(icon.pixmap(16, 16))
        self.show()
        self.updateGeometry()  # a new text: the tab widget lays its corner out again
        self.update()
        if level in ("info", "success"):
            self._timer.start(NOTICE_MS)
        else:
            self._timer.stop()

    def later_success(self) -> None:
        """Something the person did succeeded: an error or warning shown before it is
        outdated, and goes (notices fade by themselves)."""
        if (
            self.isVisible()
            and self.level in ("error", "warning")
            and self.clock() - self.shown_at >= OUTDATED_AFTER_S
        ):
            self.hide()

    def palette_changed(self, _: QPalette) -> None:
        if self.isVisible():
            action, label = self._action, self.action_button.text()
            self.show_message(self.level, self.text())
            if action is not None:
                self.offer(label, action)
