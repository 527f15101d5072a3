"""Per-class detection counts over the processed frames, painted with QPainter.

Clicking or dragging on the chart asks to jump to the nearest processed frame.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from videolab.gui.widgets import look


class CountsChart(QWidget):
    frame_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.frames: list[int] = []
        self.series: dict[str, tuple[int, list[int]]] = {}
        self.cursor_frame: int | None = None
        self.setMinimumHeight(150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMouseTracking(False)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Detections per class in each processed frame; click to jump there")

    def sizeHint(self) -> QSize:
        return QSize(480, 180)

    def set_data(
        self, frames: Sequence[int], series: Mapping[str, tuple[int, Sequence[int]]]
    ) -> None:
        self.frames = list(frames)
        self.series = {name: (cid, list(values)) for name, (cid, values) in series.items()}
        self.update()

    def set_cursor(self, frame: int | None) -> None:
        self.cursor_frame = frame
        self.update()

    # -- geometry ----------------------------------------------------------------------------
    def plot_rect(self) -> QRectF:
        fm = QFontMetrics(self.font())
        left = fm.horizontalAdvance("0000") + 10
        return QRectF(self.rect()).adjusted(left, fm.height() + 10, -12, -(fm.height() + 10))

    def _x_range(self) -> tuple[int, int]:
        if not self.frames:
            return 0, 1
        lo, hi = self.frames[0], self.frames[-1]
        return lo, max(hi, lo + 1)

    def x_of(self, frame: float) -> float:
        r = self.plot_rect()
        lo, hi = self._x_range()
        return r.left() + (frame - lo) / (hi - lo) * r.width()

    def frame_at(self, x: float) -> int | None:
        if not self.frames:
            return None
        r = self.plot_rect()
        lo, hi = self._x_range()
        target = lo + (x - r.left()) / max(1.0, r.width()) * (hi - lo)
        i = bisect.bisect_left(self.frames, target)
        candidates = [self.frames[j] for j in (i - 1, i) if 0 <= j < len(self.frames)]
        return min(candidates, key=lambda f: abs(f - target))

    def _y_max(self) -> int:
        peak = max((max(v) for _, v in self.series.values() if v), default=0)
        return max(1, peak)

    # -- events ------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        frame = self.frame_at(event.position().x())
        if frame is not None:
            self.frame_clicked.emit(frame)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        r = self.plot_rect()
        fm = QFontMetrics(self.font())
        painter.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        if not self.frames:
            painter.setPen(look.muted())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No detections to chart")
            return
        y_max = self._y_max()
        grid = QPen(pal.color(QPalette.ColorRole.Mid))
        grid.setStyle(Qt.PenStyle.DotLine)
        steps = min(y_max, 4)
        for i in range(steps + 1):
            value = round(y_max * i / steps)
            y = r.bottom() - value / y_max * r.height()
            painter.setPen(grid)
            painter.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
            painter.setPen(look.muted())
            painter.drawText(
                QRectF(0, y - fm.height() / 2, r.left() - 6, fm.height()),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                str(value),
            )
        lo, hi = self._x_range()
        for frame in (lo, (lo + hi) // 2, hi):
            x = self.x_of(frame)
            painter.drawText(
                QRectF(x - 40, r.bottom() + 4, 80, fm.height()),
                int(Qt.AlignmentFlag.AlignCenter),
                f"{frame}",
            )
        for _name, (cid, values) in self.series.items():
            colour = look.class_colour(cid)
            points = [
                QPointF(self.x_of(f), r.bottom() - v / y_max * r.height())
                for f, v in zip(self.frames, values, strict=False)
            ]
            if len(points) == 1:
                painter.setPen(QPen(colour, 2.0))
                painter.setBrush(colour)
                painter.drawEllipse(points[0], 3, 3)
                continue
            fill = QColor(colour)
            fill.setAlpha(45)
            area = QPolygonF(
                [QPointF(points[0].x(), r.bottom()), *points, QPointF(points[-1].x(), r.bottom())]
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawPolygon(area)
            painter.setPen(QPen(colour, 1.6))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPolyline(QPolygonF(points))
        # legend: totals per class; names only when the totals do not fit
        labels = [
            (cid, f"{name} ({sum(values)})", name) for name, (cid, values) in self.series.items()
        ]
        full = sum(fm.horizontalAdvance(t) + 28 for _, t, _ in labels)
        x = r.left()
        for cid, text, short in labels:
            label = text if full <= r.width() else short
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(look.class_colour(cid))
            painter.drawRoundedRect(QRectF(x, 4 + (fm.height() - 10) / 2, 10, 10), 2, 2)
            painter.setPen(pal.color(QPalette.ColorRole.Text))
            painter.drawText(QPointF(x + 14, 4 + fm.ascent()), label)
            x += fm.horizontalAdvance(label) + 28
        if self.cursor_frame is not None:
            x = self.x_of(self.cursor_frame)
            painter.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 1.5))
            painter.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()))
