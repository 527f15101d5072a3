"""The results viewer's filmstrip: a row of sampled frames, each tile labelled with its frame
number and time. A tile whose thumbnail is still being decoded is a neutral grey, never a
white gap, and the strip sits on the window's colour rather than a white list background."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from videolab.gui.models.results import THUMBNAIL_ROLE, TIME_ROLE, media_time
from videolab.gui.widgets import look

THUMB = QSize(96, 54)
PAD = 3

Index = QModelIndex | QPersistentModelIndex


def placeholder_colour(pal: QPalette) -> QColor:
    """A tile still waiting for its picture: a little darker (lighter in a dark theme) than
    the window, the same neutral as the frame view's empty background."""
    window = pal.color(QPalette.ColorRole.Window)
    return window.lighter(130) if look.is_dark(pal) else window.darker(112)


def caption(frame: int, time_s: float | None) -> str:
    return f"{frame}" if time_s is None else f"{frame} · {media_time(time_s)}"


class FilmstripDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        # As wide as the caption when it is wider than the picture ("15923 · 8:51.43").
        fm = QFontMetrics(option.font)
        width = max(THUMB.width(), fm.horizontalAdvance(self.text(index)) + 4)
        return QSize(width + 2 * PAD, THUMB.height() + fm.height() + 3 * PAD)

    @staticmethod
    def text(index: Index) -> str:
        return caption(int(index.data(Qt.ItemDataRole.DisplayRole)), index.data(TIME_ROLE))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        pal = option.palette
        rect = QRectF(option.rect)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(pal.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(rect, 4, 4)
        thumb = QRectF(0, rect.top() + PAD, THUMB.width(), THUMB.height())
        thumb.moveLeft(rect.center().x() - THUMB.width() / 2)
        pixmap = index.data(THUMBNAIL_ROLE)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(placeholder_colour(pal))
        painter.drawRect(thumb)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            scaled = pixmap.size().scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio)
            target = QRectF(0, 0, scaled.width(), scaled.height())
            target.moveCenter(thumb.center())
            painter.drawPixmap(target, pixmap, QRectF(pixmap.rect()))
        fm = QFontMetrics(option.font)
        text_rect = QRectF(rect.left() + PAD, thumb.bottom() + PAD, rect.width() - 2 * PAD,
                           fm.height())
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.WindowText
        painter.setPen(QPen(pal.color(role)))
        text = self.text(index)
        painter.drawText(
            text_rect,
            int(Qt.AlignmentFlag.AlignCenter),
            fm.elidedText(text, Qt.TextElideMode.ElideRight, int(text_rect.width())),
        )
        painter.restore()


class Filmstrip(QListView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setItemDelegate(FilmstripDelegate(self))
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setSpacing(2)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setFrameShape(QListView.Shape.NoFrame)
        # The strip sits on the window's colour: the list's white base showed as white gaps
        # and tiles.
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Base, pal.color(QPalette.ColorRole.Window))
        self.setPalette(pal)
        fm = QFontMetrics(self.font())
        tile = THUMB.height() + fm.height() + 3 * PAD
        scrollbar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        self.setFixedHeight(tile + 2 * self.spacing() + scrollbar + 4)
