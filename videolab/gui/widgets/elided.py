"""A label of a fixed number of lines, each cut with "…" to the width it gets.

A word-wrapped QLabel changes height with its text: the layout learns of it one event-loop
turn later, and until then the new, taller text is painted in the old, shorter box, over its
neighbours (the results viewer's summary did this for seconds on a busy machine). This one's
height never depends on its text, so setting the text never moves anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLines(QLabel):
    def __init__(self, lines: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.count = lines
        self._lines: list[str] = []
        self.setWordWrap(False)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # Any width (the text is cut to it), the height of ``lines`` lines whatever the text.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(40)
        self._fix_height()

    def _fix_height(self) -> None:
        fm = QFontMetrics(self.font())
        self.setFixedHeight(fm.lineSpacing() * self.count + 2)

    def set_lines(self, lines: Sequence[str]) -> None:
        """Show ``lines`` (at most ``count``; more are joined onto the last), full text in the
        tooltip."""
        lines = [str(line) for line in lines if str(line)]
        if len(lines) > self.count:
            lines = [*lines[: self.count - 1], " · ".join(lines[self.count - 1 :])]
        self._lines = lines
        self.setToolTip("\n".join(lines))
        self._elide()

    def lines(self) -> list[str]:
        return list(self._lines)

    def text(self) -> str:
        """The whole text, lines joined by newlines (what is shown may be cut: ``shown``)."""
        return "\n".join(self._lines)

    def shown(self) -> str:
        return super().text()

    def _elide(self) -> None:
        fm = QFontMetrics(self.font())
        width = max(10, self.width() - 2)
        super().setText(
            "\n".join(fm.elidedText(line, Qt.TextElideMode.ElideRight, width)
                      for line in self._lines)
        )

    def setText(self, text: str) -> None:
        self.set_lines(text.split("\n"))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fix_height()
            self._elide()
