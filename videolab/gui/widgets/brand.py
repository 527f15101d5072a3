"""The VideoLab mark: a play button inside the corners of a detection box.

The app icon is the shipped one (resources/icons: the SVG source and its PNG sizes); the mark
is painted too, at any size, for the sign-in dialog and as the icon of an installation whose
icon files are missing.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from videolab.shipped import resource

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)

ACCENT = QColor("#3b82f6")
ACCENT_2 = QColor("#22c55e")


def paint_mark(painter: QPainter, rect: QRectF) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = min(rect.width(), rect.height())
    r = QRectF(rect.center().x() - s / 2, rect.center().y() - s / 2, s, s)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(ACCENT)
    painter.drawRoundedRect(r, s * 0.22, s * 0.22)
    tri = QPainterPath()
    tri.moveTo(QPointF(r.left() + s * 0.38, r.top() + s * 0.3))
    tri.lineTo(QPointF(r.left() + s * 0.38, r.top() + s * 0.7))
    tri.lineTo(QPointF(r.left() + s * 0.7, r.top() + s * 0.5))
    tri.closeSubpath()
    painter.setBrush(QColor("white"))
    painter.drawPath(tri)
    pen = QPen(ACCENT_2, max(1.5, s * 0.06))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    box = r.adjusted(s * 0.16, s * 0.16, -s * 0.16, -s * 0.16)
    c = s * 0.14
    for x, y, dx, dy in (
        (box.left(), box.top(), 1, 1),
        (box.right(), box.top(), -1, 1),
        (box.left(), box.bottom(), 1, -1),
        (box.right(), box.bottom(), -1, -1),
    ):
        painter.drawLine(QPointF(x, y), QPointF(x + dx * c, y))
        painter.drawLine(QPointF(x, y), QPointF(x, y + dy * c))
    painter.restore()


def app_icon() -> QIcon:
    """The window icon: the shipped PNG sizes (the painted mark where they are missing)."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = resource("icons", f"videolab-{size}.png")
        if path.is_file():
            icon.addFile(str(path))
    if not icon.isNull():
        return icon
    for size in (16, 24, 32, 48, 64, 128, 256):
        pix = QPixmap(size, size)
        pix.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pix)
        paint_mark(painter, QRectF(0, 0, size, size))
        painter.end()
        icon.addPixmap(pix)
    return icon


def mark_pixmap(size: int, ratio: float = 2.0) -> QPixmap:
    pix = QPixmap(int(size * ratio), int(size * ratio))
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    paint_mark(painter, QRectF(0, 0, size * ratio, size * ratio))
    painter.end()
    pix.setDevicePixelRatio(ratio)
    return pix
