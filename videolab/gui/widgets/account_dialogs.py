"""The admin screen's account dialogs: recharge, reset a password, delete an account."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from videolab.domain.dto import UserDTO
from videolab.gui import format as fmt
from videolab.gui.widgets.dialogs import ok_cancel_buttons
from videolab.gui.widgets.token_input import TokenSpinBox


class RechargeDialog(QDialog):
    """Add tokens to an account. The title stays short (a window manager truncates a long
    one); the body names the account and its balance, so the admin sees whom they pay."""

    def __init__(self, parent: QWidget | None, user: UserDTO) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recharge account")
        self.setMinimumWidth(400)
        self.account = QLabel(
            f"Add tokens to <b>{escape(user.email)}</b>. Their balance is now "
            f"<b>{fmt.tokens(user.tokens_milli)}</b>."
        )
        self.account.setWordWrap(True)
        self.amount = TokenSpinBox(0.001, 1_000_000, 10)
        self.note = QLineEdit()
        self.note.setPlaceholderText("optional, shown in the ledger")
        form = QFormLayout(self)
        form.addRow(self.account)
        form.addRow("Add", self.amount)
        form.addRow("Note", self.note)
        form.addRow(ok_cancel_buttons(self, "Recharge"))

    def milli(self) -> int:
        return self.amount.milli()


class ResetPasswordDialog(QDialog):
    """A new password for someone else's account, typed twice."""

    def __init__(self, parent: QWidget | None, user: UserDTO) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reset password")
        self.setMinimumWidth(380)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        note = QLabel(f"{user.email}'s saved sessions end; tell them the new password.")
        note.setWordWrap(True)
        self.buttons = ok_cancel_buttons(self, "Set password")
        form = QFormLayout(self)
        form.addRow(note)
        form.addRow("New password", self.password)
        form.addRow("Again", self.again)
        form.addRow(self.buttons)
        self.password.textChanged.connect(self._validate)
        self.again.textChanged.connect(self._validate)
        self._validate()

    def _validate(self) -> None:
        ok = bool(self.password.text()) and self.password.text() == self.again.text()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def value(self) -> str:
        return self.password.text()


class DeleteAccountDialog(QDialog):
    """Delete an account, choosing who receives its data and tokens (the admin by default)."""

    def __init__(
        self, parent: QWidget | None, user: UserDTO, me: UserDTO, others: Sequence[UserDTO]
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Delete account")
        self.setMinimumWidth(420)
        text = QLabel(
            f"Delete {user.email} for good? Nothing is destroyed: its datasets, videos, jobs, "
            f"results and its {fmt.tokens(user.tokens_milli)} go to the account "
            "below, and its ledger is kept. It can no longer sign in."
        )
        text.setWordWrap(True)
        self.receiver = QComboBox()
        candidates = [me, *(u for u in others if u.id not in (me.id, user.id))]
        for candidate in candidates:
            if not candidate.is_disabled:
                self.receiver.addItem(candidate.email)
        form = QFormLayout(self)
        form.addRow(text)
        form.addRow("Give its data to", self.receiver)
        form.addRow(ok_cancel_buttons(self, "Delete account"))

    def receiver_email(self) -> str:
        return self.receiver.currentText()
