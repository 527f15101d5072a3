"""The clipping audit finds what it must (so a clean tour means something)."""

from __future__ import annotations

from layout_audit import clipped
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget


def test_a_squeezed_button_and_label_are_reported(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QWidget()
    qtbot.addWidget(window)
    row = QHBoxLayout(window)
    button = QPushButton("Upload videos…")
    label = QLabel("A label whose text is far too long for the room")
    row.addWidget(button)
    row.addWidget(label)
    window.show()
    window.resize(window.minimumSizeHint())
    qtbot.waitExposed(window)
    assert clipped(window) == []
    button.setFixedWidth(30)  # squeezed: the text cannot fit
    label.setFixedHeight(4)
    found = "\n".join(clipped(window))
    assert "Upload videos" in found
    assert "far too long" in found


def test_a_wrapping_label_lower_than_its_lines_is_reported(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QWidget()
    qtbot.addWidget(window)
    label = QLabel("words " * 40, window)
    label.setWordWrap(True)
    label.setGeometry(0, 0, 120, 20)
    window.resize(200, 200)
    window.show()
    qtbot.waitExposed(window)
    assert any("wraps to" in line for line in clipped(window))


def test_a_widget_past_its_parents_edge_is_reported(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QWidget()
    qtbot.addWidget(window)
    window.resize(200, 100)
    field = QLineEdit("x", window)
    field.setGeometry(150, 10, 120, field.sizeHint().height())
    box = QSpinBox(window)  # the editor inside is part of the box: not reported itself
    box.setGeometry(0, 40, box.sizeHint().width(), box.sizeHint().height())
    window.show()
    qtbot.waitExposed(window)
    found = clipped(window)
    assert len(found) == 1 and "extends past" in found[0], found


def test_a_button_below_the_styles_minimum_passes_while_its_text_fits(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QWidget()
    qtbot.addWidget(window)
    button = QPushButton("Clear", window)
    window.resize(300, 100)
    window.show()
    qtbot.waitExposed(window)
    text = button.fontMetrics().horizontalAdvance("Clear")
    button.setGeometry(0, 0, text + 20, button.sizeHint().height())
    assert button.width() < button.minimumSizeHint().width()  # under Fusion's 80 px
    assert clipped(window) == []
    button.setGeometry(0, 0, text - 5, button.sizeHint().height())
    assert clipped(window) != []
