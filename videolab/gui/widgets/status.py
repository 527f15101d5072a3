"""The status bar's permanent part: who is signed in, their role, and their balance."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from videolab.domain.dto import UserDTO
from videolab.domain.money import INFERENCE_MILLI_PER_FRAME, UPLOAD_MILLI_PER_FRAME
from videolab.gui import format as fmt
from videolab.gui.widgets import look


class AccountBadge(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.user_label = QLabel()
        self.role_label = QLabel()
        self.role_label.setObjectName("RoleBadge")
        self.balance_label = QLabel()
        self.balance_label.setObjectName("Balance")
        self.balance_label.setToolTip(
            f"Your credits. Uploads cost {fmt.tokens(UPLOAD_MILLI_PER_FRAME)} per frame, "
            f"detection {fmt.tokens(INFERENCE_MILLI_PER_FRAME)} per processed frame."
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(10)
        layout.addWidget(self.user_label)
        layout.addWidget(self.role_label)
        layout.addWidget(self.balance_label)

    def set_user(self, user: UserDTO) -> None:
        self.user_label.setText(user.email)
        hue = 280 if user.is_admin else 210
        bg, fg = look.hue_colours(hue, saturation=120)
        self.role_label.setText(user.role.value.capitalize())
        self.role_label.setStyleSheet(
            f"#RoleBadge {{ background: {bg.name()}; color: {fg.name()}; border-radius: 8px;"
            " padding: 1px 8px; font-weight: 600; }"
        )
        amount = fmt.amount(user.tokens_milli)
        unit = fmt.tokens(user.tokens_milli)[len(amount):]  # " tokens" or " token"
        self.balance_label.setText(f"<b>{amount}</b>{unit}")

    def balance_text(self) -> str:
        return self.balance_label.text()
