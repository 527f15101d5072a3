"""Small dialogs: confirmations, a name, new account, recharge, ledger (a dataset's name and tags:
``dataset_dialogs``)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from videolab.domain.dto import LedgerEntryDTO, UserDTO
from videolab.gui import format as fmt
from videolab.gui.models.admin import LedgerTableModel
from videolab.gui.widgets import look
from videolab.gui.widgets.token_input import TokenSpinBox


def confirm(parent: QWidget | None, title: str, text: str, *, action: str = "OK") -> bool:
    """Ask before something destructive. Tests replace this function."""
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent
    )
    ok = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is ok


def ok_cancel_buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    """OK (named ``ok_text``) and Cancel, wired to the dialog's accept and reject."""
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    box.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class TextDialog(QDialog):
    def __init__(
        self, parent: QWidget | None, title: str, label: str, text: str = "", ok_text: str = "OK"
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(340)
        self.edit = QLineEdit(text)
        form = QFormLayout(self)
        form.addRow(label, self.edit)
        form.addRow(ok_cancel_buttons(self, ok_text))

    def value(self) -> str:
        return self.edit.text().strip()


class AddUserDialog(QDialog):
    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add account")
        self.setMinimumWidth(380)
        self.email = QLineEdit()
        self.email.setPlaceholderText("name@example.com")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.role = QComboBox()
        self.role.addItems(["user", "admin"])
        self.tokens = TokenSpinBox(0, 1_000_000, 10)
        form = QFormLayout(self)
        form.addRow("Email", self.email)
        form.addRow("Password", self.password)
        form.addRow("Role", self.role)
        form.addRow("Opening balance", self.tokens)
        form.addRow(ok_cancel_buttons(self, "Add account"))

    def tokens_milli(self) -> int:
        return self.tokens.milli()


class LedgerDialog(QDialog):
    def __init__(
        self, parent: QWidget | None, user: UserDTO, entries: Sequence[LedgerEntryDTO]
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Credits ledger — {user.email}")
        self.resize(720, 420)
        self.model = LedgerTableModel(self)
        self.model.set_rows(list(reversed(entries)))
        table = QTableView()
        table.setModel(self.model)
        table.verticalHeader().hide()
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setAlternatingRowColors(True)
        table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        table.resizeColumnsToContents()
        title = QLabel(f"{user.email} — balance {fmt.tokens(user.tokens_milli)}")
        look.heading(title, 1.1)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(table)
        layout.addWidget(box)
