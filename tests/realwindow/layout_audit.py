"""What "clipped" means, concretely, for a window on screen.

A visible label, button, check box, line edit, combo box or spin box is clipped when:

- it is smaller than its ``minimumSizeHint()`` (for a non-wrapping label that is the size of
  its text: its text does not fit), except a push button whose text and icon still fit inside
  its margins (the style's 80-px minimum is for looks); a word-wrapping label is clipped when
  it is lower than ``heightForWidth(width)`` (its wrapped lines do not fit);
- or part of it lies outside one of its parents (a window too small for its layout pushes
  widgets past its edge). A scroll area's viewport is the limit of that check: what scrolls
  is not clipped.

Widgets that show no text and no picture (an empty label), and the editors inside spin boxes
and combo boxes (the box is checked), are not checked.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QTabBar,
    QWidget,
)

CHECKED = (QLabel, QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox)


def describe(widget: QWidget) -> str:
    """A name a person can find the widget by: its class, object name, and text."""
    text = ""
    if isinstance(widget, (QLabel, QAbstractButton, QLineEdit)):
        text = widget.text()
    elif isinstance(widget, QComboBox):
        text = widget.currentText()
    text = " ".join(text.split())
    if len(text) > 40:
        text = text[:37] + "…"
    name = widget.objectName()
    parent = widget.parentWidget()
    where = type(parent).__name__ if parent is not None else "-"
    return f"{type(widget).__name__}{'#' + name if name else ''} {text!r} (in {where})"


def _shows_something(widget: QWidget) -> bool:
    if isinstance(widget, QLabel):
        pixmap = widget.pixmap()
        return bool(widget.text().strip()) or (pixmap is not None and not pixmap.isNull())
    return True


def _part_of_another(widget: QWidget) -> bool:
    """The editor inside a spin box or an editable combo box: the box itself is checked."""
    return isinstance(widget.parentWidget(), (QAbstractSpinBox, QComboBox))


def _inside_scroll_viewport(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        grand = parent.parentWidget()
        if isinstance(grand, QAbstractScrollArea) and grand.viewport() is parent:
            return True
        parent = grand
    return False


def _text_fits(button: QPushButton) -> bool:
    """A push button narrower than the style's minimum (80 px in Fusion, for looks) still
    shows its whole text and icon inside its margins."""
    style = button.style()
    margin = style.pixelMetric(QStyle.PixelMetric.PM_ButtonMargin, None, button)
    need = button.fontMetrics().horizontalAdvance(button.text().replace("&", "")) + 2 * margin
    if not button.icon().isNull():
        need += button.iconSize().width()
    if button.menu() is not None:
        need += style.pixelMetric(QStyle.PixelMetric.PM_MenuButtonIndicator, None, button)
    return button.width() >= need


def _too_small(widget: QWidget) -> str:
    size, hint = widget.size(), widget.minimumSizeHint()
    if isinstance(widget, QLabel) and widget.wordWrap() and widget.text():
        need = widget.heightForWidth(widget.width())
        if need > size.height():
            return f"wraps to {need} px high but is {size.height()} px"
        return ""
    short = []
    if hint.width() > 0 and size.width() < hint.width():
        if not (isinstance(widget, QPushButton) and _text_fits(widget)):
            short.append(f"width {size.width()} < {hint.width()}")
    if hint.height() > 0 and size.height() < hint.height():
        short.append(f"height {size.height()} < {hint.height()}")
    return ", ".join(short)


def _outside_parent(widget: QWidget) -> str:
    rect = QRect(widget.rect())
    current: QWidget = widget
    while True:
        parent = current.parentWidget()
        if parent is None or current.isWindow():
            return ""
        rect.translate(current.pos())
        grand = parent.parentWidget()
        if isinstance(grand, QAbstractScrollArea) and grand.viewport() is parent:
            return ""  # scrolls into view: not clipped
        if isinstance(parent, QTabBar):
            return ""  # the tab bar scrolls its own tabs and buttons
        if not parent.rect().contains(rect):
            name = f"#{parent.objectName()}" if parent.objectName() else ""
            return (
                f"extends past {type(parent).__name__}{name}"
                f" ({rect.x()},{rect.y()} {rect.width()}x{rect.height()} in"
                f" {parent.width()}x{parent.height()})"
            )
        current = parent


def clipped(root: QWidget) -> list[str]:
    """Every clipped widget under ``root`` (itself a shown window), one line each."""
    problems = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, CHECKED) or not widget.isVisible():
            continue
        if not _shows_something(widget) or _part_of_another(widget):
            continue
        if _inside_scroll_viewport(widget):
            continue
        why = _too_small(widget) or _outside_parent(widget)
        if why:
            problems.append(f"{describe(widget)}: {why}")
    return problems
