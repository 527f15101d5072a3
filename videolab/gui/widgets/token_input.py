"""A spin box for an amount of tokens that reads like every other amount in the GUI: "10
tokens", "2.5 tokens" ("2,5" in a German locale), never "10.000 tokens" (a QDoubleSpinBox
with three decimals pads every value to three)."""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QWidget

from videolab.domain.money import MILLI_PER_TOKEN
from videolab.gui import format as fmt


class TokenSpinBox(QDoubleSpinBox):
    def __init__(
        self, minimum: float, maximum: float, value: float, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setDecimals(3)  # 0.001 token, the smallest amount
        self.setRange(minimum, maximum)
        self.setValue(value)
        self.setSuffix(" tokens")

    def textFromValue(self, value: float) -> str:
        milli = round(value * MILLI_PER_TOKEN)
        return fmt.amount(milli, grouping=False, locale=self.locale())

    def milli(self) -> int:
        return round(self.value() * MILLI_PER_TOKEN)
