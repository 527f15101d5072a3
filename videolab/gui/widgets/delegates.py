"""Painted cells: dataset cards with tag chips, job status pills, job progress bars."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
)

from videolab.domain.enums import JobStatus
from videolab.gui.models.datasets import video_count_text
from videolab.gui.models.roles import COUNT_ROLE, PROGRESS_ROLE, STATUS_ROLE, TAGS_ROLE
from videolab.gui.widgets import look

Index = QModelIndex | QPersistentModelIndex


def draw_chip(painter: QPainter, rect: QRectF, text: str, bg: QColor, fg: QColor) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(bg)
    painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
    painter.setPen(fg)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


class DatasetDelegate(QStyledItemDelegate):
    """Name in bold, the video count on the right, and the tags as coloured chips below."""

    PAD = 10

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        fm = QFontMetrics(option.font)
        # The list stretches each card to its width; a wider hint than a narrow sidebar made
        # the list scroll sideways (the name elides and the tags end in "…" instead).
        return QSize(120, self.PAD * 2 + fm.height() * 2 + 10)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        style = option.widget.style() if option.widget else QApplication.style()
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style.drawPrimitive(
            QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, option.widget
        )
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        pal = option.palette
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        rect = option.rect.adjusted(self.PAD, self.PAD - 2, -self.PAD, -self.PAD + 2)

        bold = look.scaled_font(option.widget, 1.05, bold=True) if option.widget else option.font
        fm_bold = QFontMetrics(bold)
        count = video_count_text(int(index.data(COUNT_ROLE) or 0))
        small = look.scaled_font(option.widget, 0.9) if option.widget else option.font
        fm_small = QFontMetrics(small)
        count_w = fm_small.horizontalAdvance(count)
        painter.setFont(small)
        colour = pal.color(text_role)
        if not selected:
            colour = look.muted(pal)
        painter.setPen(colour)
        top = QRect(rect.left(), rect.top(), rect.width(), fm_bold.height())
        painter.drawText(
            top, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), count
        )
        painter.setFont(bold)
        painter.setPen(pal.color(text_role))
        name = fm_bold.elidedText(
            str(index.data() or ""), Qt.TextElideMode.ElideRight, rect.width() - count_w - 8
        )
        painter.drawText(top, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), name)

        painter.setFont(small)
        x = float(rect.left())
        y = float(top.bottom() + 6)
        h = float(fm_small.height() + 4)
        tags = tuple(index.data(TAGS_ROLE) or ())
        if not tags:
            painter.setPen(look.muted(pal) if not selected else pal.color(text_role))
            painter.drawText(
                QRectF(x, y, rect.width(), h),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                "no tags",
            )
        for tag in tags:
            w = fm_small.horizontalAdvance(tag) + 16
            if x + w > rect.right():
                painter.setPen(pal.color(text_role))
                painter.drawText(QRectF(x, y, 20, h), int(Qt.AlignmentFlag.AlignVCenter), "…")
                break
            bg, fg = look.tag_colours(tag, pal)
            draw_chip(painter, QRectF(x, y, w, h), tag, bg, fg)
            x += w + 5
        painter.restore()


class StatusDelegate(QStyledItemDelegate):
    """A job status as a coloured pill."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        try:  # StrEnum values cross Qt as plain str
            status = JobStatus(index.data(STATUS_ROLE))
        except ValueError:
            super().paint(painter, option, index)
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        style = option.widget.style() if option.widget else QApplication.style()
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, option.widget)
        text = str(index.data() or "")
        fm = QFontMetrics(option.font)
        w = fm.horizontalAdvance(text) + 18
        h = fm.height() + 4
        r = option.rect
        chip = QRectF(r.center().x() - w / 2, r.center().y() - h / 2 + 1, w, h)
        bg, fg = look.status_colours(status, option.palette)
        draw_chip(painter, chip, text, bg, fg)
        painter.restore()


class ProgressDelegate(QStyledItemDelegate):
    """A job's progress as the style's own progress bar."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        fraction = index.data(PROGRESS_ROLE)
        if fraction is None:
            super().paint(painter, option, index)
            return
        style = option.widget.style() if option.widget else QApplication.style()
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, option.widget)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(6, 5, -6, -5)
        bar.minimum = 0
        bar.maximum = 1000
        bar.progress = round(float(fraction) * 1000)
        bar.text = str(index.data() or "")
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        bar.palette = option.palette
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)
