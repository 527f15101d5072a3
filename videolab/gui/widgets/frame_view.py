"""A video frame scaled to fit, with detection boxes and labels painted over it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from videolab.gui.widgets import look


class FrameView(QWidget):
    #: A counting line (2 points) or zone (3+ points) drawn by the user, in video pixels.
    shape_drawn = Signal(str, list)

    def __init__(self, parent: QWidget | None = None, *, placeholder: str = "No frame") -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.detections: list[dict[str, Any]] = []
        self.show_boxes = True
        self.show_labels = True
        self.highlight: int | None = None
        # Track trails: (class id, centres in video pixels, oldest first) per track.
        self.trails: list[tuple[int, list[tuple[float, float]]]] = []
        # Counting geometry shown over the frame, and the shape being drawn ("line"/"zone").
        self.lines: list[list[tuple[float, float]]] = []
        self.zones: list[list[tuple[float, float]]] = []
        self.drawing: str | None = None
        self.draft: list[tuple[float, float]] = []
        self.placeholder = placeholder
        self.caption = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 160)

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    def set_image(self, image: QImage | None, detections: Sequence[dict[str, Any]] = ()) -> None:
        self.image = image
        self.detections = list(detections)
        self.highlight = None
        self.update()

    def set_jpeg(self, jpeg: bytes) -> bool:
        image = QImage.fromData(jpeg)
        if image.isNull():
            return False
        self.set_image(image)
        return True

    def set_overlay(self, *, boxes: bool | None = None, labels: bool | None = None) -> None:
        if boxes is not None:
            self.show_boxes = boxes
        if labels is not None:
            self.show_labels = labels
        self.update()

    def set_trails(self, trails: list[tuple[int, list[tuple[float, float]]]]) -> None:
        self.trails = trails
        self.update()

    def set_geometry(
        self, lines: list[list[tuple[float, float]]], zones: list[list[tuple[float, float]]]
    ) -> None:
        self.lines, self.zones = lines, zones
        self.update()

    def start_drawing(self, kind: str) -> None:
        """Clicks now add points: a line ends at its 2nd, a zone at a double-click (3+)."""
        self.drawing, self.draft = kind, []
        self.setCursor(Qt.CursorShape.CrossCursor)

    def to_video(self, pos: QPointF) -> tuple[float, float] | None:
        target = self.image_rect()
        if self.image is None or not target.contains(pos):
            return None
        return (
            round((pos.x() - target.left()) * self.image.width() / target.width(), 1),
            round((pos.y() - target.top()) * self.image.height() / target.height(), 1),
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = self.to_video(event.position()) if self.drawing else None
        if point is None:
            super().mousePressEvent(event)
            return
        self.draft.append(point)
        if self.drawing == "line" and len(self.draft) == 2:
            self._finish()
        self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.drawing == "zone" and len(self.draft) >= 3:
            self._finish()
        else:
            super().mouseDoubleClickEvent(event)

    def _finish(self) -> None:
        kind, points = self.drawing or "", list(self.draft)
        self.drawing, self.draft = None, []
        self.unsetCursor()
        self.shape_drawn.emit(kind, points)

    def set_highlight(self, row: int | None) -> None:
        self.highlight = row
        self.update()

    def image_rect(self) -> QRectF:
        if self.image is None or self.image.isNull():
            return QRectF()
        area = QRectF(self.rect()).adjusted(4, 4, -4, -4)
        iw, ih = self.image.width(), self.image.height()
        scale = min(area.width() / iw, area.height() / ih)
        w, h = iw * scale, ih * scale
        return QRectF(area.center().x() - w / 2, area.center().y() - h / 2, w, h)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        bg = self.palette().color(QPalette.ColorRole.Base).darker(108 if not look.is_dark() else 70)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(bg)
        painter.drawRoundedRect(QRectF(self.rect()), 8, 8)
        if self.image is None or self.image.isNull():
            painter.setPen(look.muted())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            return
        target = self.image_rect()
        painter.drawImage(target, self.image)
        self._paint_geometry(painter, target)
        if self.show_boxes:
            self._paint_trails(painter, target)
            self._paint_boxes(painter, target)
        if self.caption:
            fm = QFontMetrics(self.font())
            w = fm.horizontalAdvance(self.caption) + 16
            r = QRectF(target.left() + 8, target.bottom() - fm.height() - 14, w, fm.height() + 6)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(0, 0, 0, 150))
            painter.drawRoundedRect(r, 4, 4)
            painter.setPen(QColor("white"))
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter, self.caption)

    def _paint_geometry(self, painter: QPainter, target: QRectF) -> None:
        assert self.image is not None
        sx = target.width() / self.image.width()
        sy = target.height() / self.image.height()

        def scaled(points: list[tuple[float, float]]) -> list[QPointF]:
            return [QPointF(target.left() + x * sx, target.top() + y * sy) for x, y in points]

        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor("#ffd400"), 2.5))
        for line in self.lines:
            painter.drawPolyline(scaled(line))
        for zone in self.zones:
            painter.drawPolygon(QPolygonF(scaled(zone)))
        if self.draft:
            painter.setPen(QPen(QColor("#ffd400"), 1.5, Qt.PenStyle.DashLine))
            painter.drawPolyline(scaled(self.draft))

    def _paint_trails(self, painter: QPainter, target: QRectF) -> None:
        assert self.image is not None
        sx = target.width() / self.image.width()
        sy = target.height() / self.image.height()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for class_id, points in self.trails:
            painter.setPen(QPen(look.class_colour(class_id), 2.0))
            scaled = [QPointF(target.left() + x * sx, target.top() + y * sy) for x, y in points]
            painter.drawPolyline(scaled)

    def _paint_boxes(self, painter: QPainter, target: QRectF) -> None:
        assert self.image is not None
        sx = target.width() / self.image.width()
        sy = target.height() / self.image.height()
        fm = QFontMetrics(self.font())
        for row, det in enumerate(self.detections):
            box = det.get("box_xyxy") or (0, 0, 0, 0)
            x1, y1, x2, y2 = (float(v) for v in box)
            rect = QRectF(
                target.left() + x1 * sx, target.top() + y1 * sy, (x2 - x1) * sx, (y2 - y1) * sy
            )
            colour = look.class_colour(int(det.get("class_id", 0)))
            width = 3.5 if row == self.highlight else 2.0
            painter.setPen(QPen(colour, width))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
            if not self.show_labels:
                continue
            text = label_text(det)
            w = fm.horizontalAdvance(text) + 8
            h = fm.height() + 2
            label = label_rect(rect, target, w, h)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRect(label)
            painter.setPen(look.class_text_colour(int(det.get("class_id", 0))))
            painter.drawText(label, Qt.AlignmentFlag.AlignCenter, text)


def label_rect(box: QRectF, frame: QRectF, width: float, height: float) -> QRectF:
    """Where a box's label goes: above the box (inside it when there is no room above),
    shifted left when the box is near the frame's right edge, so the label is never cut off
    (track ids make labels longer than their boxes)."""
    top = box.top() - height if box.top() - height > frame.top() else box.top()
    left = max(frame.left(), min(box.left() - 1, frame.right() - width))
    return QRectF(left, top, width, height)


def label_text(det: dict[str, Any]) -> str:
    """'#7 car 0.91' for a tracked box, 'car 0.91' otherwise."""
    name = det.get("class_name", det.get("class_id"))
    text = f"{name} {float(det.get('confidence', 0)):.2f}"
    track_id = det.get("track_id")
    return text if track_id is None else f"#{track_id} {text}"
