"""Small dialogs: confirmations, dataset name and tags, new account, recharge, ledger."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from videolab.domain.dto import LedgerEntryDTO, UserDTO
from videolab.domain.money import format_tokens
from videolab.gui.models.admin import LedgerTableModel
from videolab.gui.widgets import look


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


class DatasetDialog(QDialog):
    """Name and tags of a new or existing dataset."""

    def __init__(
        self,
        parent: QWidget | None,
        all_tags: Sequence[str],
        *,
        name: str = "",
        tags: Sequence[str] = (),
        title: str = "New dataset",
        ok_text: str = "Create",
        edit_name: bool = True,
        edit_tags: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(380)
        self.name_edit = QLineEdit(name)
        self.name_edit.setPlaceholderText("e.g. Street scenes, March")
        self.name_edit.setEnabled(edit_name)
        self.tag_list = QListWidget()
        self.tag_list.setEnabled(edit_tags)
        self.tag_list.setMaximumHeight(160)
        for tag in all_tags:
            item = QListWidgetItem(tag)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if tag in tags else Qt.CheckState.Unchecked)
            self.tag_list.addItem(item)
        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("Tags", self.tag_list)
        hint = QLabel("Tags come from a shared list; an administrator can add new ones.")
        hint.setWordWrap(True)
        hint.setStyleSheet(f"color: {look.muted().name()}")
        self.buttons = ok_cancel_buttons(self, ok_text)
        self.name_edit.textChanged.connect(self._validate)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)
        self._validate()

    def _validate(self) -> None:
        ok = bool(self.name_edit.text().strip())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def name(self) -> str:
        return self.name_edit.text().strip()

    def set_tags(self, tags: Sequence[str]) -> None:
        for i in range(self.tag_list.count()):
            item = self.tag_list.item(i)
            item.setCheckState(
                Qt.CheckState.Checked if item.text() in tags else Qt.CheckState.Unchecked
            )

    def tags(self) -> list[str]:
        return [
            self.tag_list.item(i).text()
            for i in range(self.tag_list.count())
            if self.tag_list.item(i).checkState() == Qt.CheckState.Checked
        ]


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
        self.tokens = QDoubleSpinBox()
        self.tokens.setDecimals(3)
        self.tokens.setRange(0, 1_000_000)
        self.tokens.setValue(10)
        self.tokens.setSuffix(" tokens")
        form = QFormLayout(self)
        form.addRow("Email", self.email)
        form.addRow("Password", self.password)
        form.addRow("Role", self.role)
        form.addRow("Opening balance", self.tokens)
        form.addRow(ok_cancel_buttons(self, "Add account"))

    def tokens_milli(self) -> int:
        return round(self.tokens.value() * 1000)


class RechargeDialog(QDialog):
    def __init__(self, parent: QWidget | None, user: UserDTO) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Recharge {user.email}")
        self.amount = QDoubleSpinBox()
        self.amount.setDecimals(3)
        self.amount.setRange(0.001, 1_000_000)
        self.amount.setValue(10)
        self.amount.setSuffix(" tokens")
        self.note = QLineEdit()
        self.note.setPlaceholderText("optional, shown in the ledger")
        form = QFormLayout(self)
        form.addRow("Current balance", QLabel(f"{format_tokens(user.tokens_milli)} tokens"))
        form.addRow("Add", self.amount)
        form.addRow("Note", self.note)
        form.addRow(ok_cancel_buttons(self, "Recharge"))

    def milli(self) -> int:
        return round(self.amount.value() * 1000)


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
        title = QLabel(f"{user.email} — balance {format_tokens(user.tokens_milli)} tokens")
        look.heading(title, 1.1)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(table)
        layout.addWidget(box)
