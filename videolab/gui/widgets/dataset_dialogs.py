"""The dialogs that name and tag a dataset. They stay open until the change is saved: a refusal
(a name already taken, in any case) is shown beside the field, where it can be fixed, instead
of closing the dialog and reporting it in the main window."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from videolab.gui.widgets import look
from videolab.gui.widgets.dialogs import ok_cancel_buttons


class SubmitDialog(QDialog):
    """A dialog whose OK asks for the change (``submitted``) and closes only once the caller
    says it was made (``succeeded``); ``refused(message)`` keeps it open with the message
    beside the field. OK is disabled meanwhile, so a double click submits once."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.busy = False
        self.error = QLabel()
        self.error.setObjectName("field-error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setStyleSheet(f"color: {look.hue_colours(0)[1].name()}")
        self.error.hide()

    def with_error(self, field: QLineEdit) -> QWidget:
        """``field`` with the refusal right under it, as one cell of the form."""
        cell = QWidget()
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        column.addWidget(field)
        column.addWidget(self.error)
        return cell

    def field(self) -> QLineEdit:
        raise NotImplementedError

    def ok_button(self) -> QWidget:
        raise NotImplementedError

    def accept(self) -> None:  # OK, Enter, or a test calling accept()
        if self.busy:
            return
        self.busy = True
        self.ok_button().setEnabled(False)
        self.submitted.emit()

    def succeeded(self) -> None:
        self.busy = False
        super().accept()

    def refused(self, message: str) -> None:
        self.busy = False
        self.error.setText(message)
        self.error.setVisible(bool(message))
        self.ok_button().setEnabled(True)
        self.adjustSize()
        field = self.field()
        if field.isEnabled():
            field.setFocus(Qt.FocusReason.OtherFocusReason)
            field.selectAll()

    def _edited(self) -> None:
        self.error.hide()  # the message was about the text that is no longer there


class DatasetDialog(SubmitDialog):
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
        form.addRow("Name", self.with_error(self.name_edit))
        form.addRow("Tags", self.tag_list)
        hint = QLabel("Tags come from a shared list; an administrator can add new ones.")
        hint.setWordWrap(True)
        hint.setStyleSheet(f"color: {look.muted().name()}")
        self.buttons = ok_cancel_buttons(self, ok_text)
        self.name_edit.textChanged.connect(self._validate)
        self.name_edit.textEdited.connect(self._edited)
        self.tag_list.itemChanged.connect(self._edited)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)
        self._validate()

    def field(self) -> QLineEdit:
        return self.name_edit

    def ok_button(self) -> QWidget:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def _validate(self) -> None:
        self.ok_button().setEnabled(not self.busy and bool(self.name_edit.text().strip()))

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


class RenameDialog(SubmitDialog):
    """A dataset's new name; the old one comes selected, so typing replaces it."""

    def __init__(self, parent: QWidget | None, name: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("Rename dataset")
        self.setMinimumWidth(360)
        self.edit = QLineEdit(name)
        self.edit.selectAll()
        self.edit.textChanged.connect(self._validate)
        self.edit.textEdited.connect(self._edited)
        self.buttons = ok_cancel_buttons(self, "Rename")
        form = QFormLayout(self)
        form.addRow("New name", self.with_error(self.edit))
        form.addRow(self.buttons)

    def field(self) -> QLineEdit:
        return self.edit

    def ok_button(self) -> QWidget:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def _validate(self) -> None:
        self.ok_button().setEnabled(not self.busy and bool(self.edit.text().strip()))

    def value(self) -> str:
        return self.edit.text().strip()
