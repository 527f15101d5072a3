"""Rows of buttons that let a window get narrow without cutting a word.

Qt's styles give every push button with text a minimum width (80 px in Fusion) whether its
text needs it or not. A header with five such buttons beside a title made the main window
refuse to get narrower than ~1000 px: at 900×600 it could not fit (issue 11). A button may
shrink to what its text and icon need; above that it keeps the style's look.
"""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton, QStyle


def text_width(button: QPushButton) -> int:
    """The narrowest ``button`` can be with its text and icon whole, frame included."""
    style = button.style()
    margin = style.pixelMetric(QStyle.PixelMetric.PM_ButtonMargin, None, button)
    frame = style.pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, None, button)
    width = button.fontMetrics().horizontalAdvance(button.text().replace("&", ""))
    if not button.icon().isNull():
        width += button.iconSize().width() + 4
    if button.menu() is not None:
        width += style.pixelMetric(QStyle.PixelMetric.PM_MenuButtonIndicator, None, button)
    return width + 2 * (margin + frame) + 4


def shrink_to_text(*buttons: QPushButton) -> None:
    """Let each button get as narrow as its (fixed) text allows when its row is short of
    room; with room to spare it keeps the style's width."""
    for button in buttons:
        button.setMinimumWidth(min(text_width(button), button.minimumSizeHint().width()))
