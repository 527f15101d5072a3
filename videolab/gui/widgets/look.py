"""Colours derived from the system palette, so light and dark themes both read well."""

from __future__ import annotations

import zlib

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from videolab.domain.enums import JobStatus
from videolab.inference import palette as class_palette

STATUS_HUES = {
    JobStatus.PENDING: 45,
    JobStatus.RUNNING: 210,
    JobStatus.COMPLETED: 140,
    JobStatus.FAILED: 0,
    JobStatus.ABORTED: 28,
}


def palette() -> QPalette:
    return QApplication.palette()


def is_dark(pal: QPalette | None = None) -> bool:
    pal = pal or palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def hue_colours(
    hue: int, pal: QPalette | None = None, *, saturation: int = 150
) -> tuple[QColor, QColor]:
    """(background, text) for a soft badge of this hue that fits the palette."""
    if is_dark(pal):
        return QColor.fromHsl(hue, saturation, 60), QColor.fromHsl(hue, 200, 215)
    return QColor.fromHsl(hue, saturation, 225), QColor.fromHsl(hue, 200, 70)


def tag_hue(name: str) -> int:
    return zlib.crc32(name.lower().encode("utf-8")) % 360


def tag_colours(name: str, pal: QPalette | None = None) -> tuple[QColor, QColor]:
    return hue_colours(tag_hue(name), pal)


def status_colours(status: JobStatus, pal: QPalette | None = None) -> tuple[QColor, QColor]:
    return hue_colours(STATUS_HUES.get(status, 210), pal, saturation=120)


def class_colour(class_id: int) -> QColor:
    """``class_id``'s colour: the one the annotated frames (live preview, ZIP) are drawn in."""
    return QColor(*class_palette.class_rgb(class_id))


def class_text_colour(class_id: int) -> QColor:
    """The text colour of a label on ``class_id``'s colour (as on the annotated frames)."""
    return QColor(*class_palette.label_text_rgb(class_id))


def other_colour() -> QColor:
    """The colour of "other" (the classes a chart does not name)."""
    return QColor(*class_palette.OTHER_RGB)


def muted(pal: QPalette | None = None) -> QColor:
    """Secondary text: the text colour 40% of the way to the background (opaque, so it also
    works in style sheets)."""
    pal = pal or palette()
    fg = pal.color(QPalette.ColorRole.WindowText)
    bg = pal.color(QPalette.ColorRole.Window)
    return QColor(
        round(fg.red() * 0.6 + bg.red() * 0.4),
        round(fg.green() * 0.6 + bg.green() * 0.4),
        round(fg.blue() * 0.6 + bg.blue() * 0.4),
    )


def scaled_font(widget: QWidget, factor: float, *, bold: bool = False) -> QFont:
    font = QFont(widget.font())
    size = font.pointSizeF()
    if size > 0:
        font.setPointSizeF(size * factor)
    font.setBold(bold)
    return font


def heading(widget: QWidget, factor: float = 1.25) -> None:
    widget.setFont(scaled_font(widget, factor, bold=True))
