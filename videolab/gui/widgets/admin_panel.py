"""Administration: accounts (add, role, recharge, ledger; disable, enable, reset password,
delete) and the shared tag list."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from videolab.domain.dto import LedgerEntryDTO, TagDTO, UserDTO
from videolab.domain.enums import Role
from videolab.gui import format as fmt
from videolab.gui.changes import Change
from videolab.gui.context import GuiContext
from videolab.gui.models.admin import TagTableModel, UserTableModel
from videolab.gui.models.roles import DTO_ROLE
from videolab.gui.ops import Latest
from videolab.gui.widgets import dialogs, look
from videolab.gui.widgets.account_dialogs import (
    DeleteAccountDialog,
    RechargeDialog,
    ResetPasswordDialog,
)
from videolab.gui.widgets.responsive import shrink_to_text
from videolab.gui.widgets.videos_panel import table


class AdminPanel(QWidget):
    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.users = UserTableModel(self)
        self.tags = TagTableModel(self)
        self.dialog: QDialog | None = None
        self._users: Latest[list[UserDTO]] = Latest(ctx.ops)
        self._tags: Latest[list[TagDTO]] = Latest(ctx.ops)
        ctx.ops.changed.connect(self._changed)

        users_title = QLabel("Accounts")
        look.heading(users_title, 1.3)
        self.add_user_button = QPushButton("+ Add account…")
        self.add_user_button.clicked.connect(self.add_user)
        # One menu for the role and the account's state keeps the header narrow.
        self.role_button = QPushButton("Account")  # setMenu() draws the arrow
        self.role_button.setToolTip("Change the selected account's role; disable, enable, reset "
                                    "the password of, or delete it")
        role_menu = QMenu(self.role_button)
        for role in Role:
            role_menu.addAction(f"Make {role.value}", partial(self.set_role, role))
        role_menu.addSeparator()
        self.disable_action = role_menu.addAction("Disable", self.disable_user)
        self.enable_action = role_menu.addAction("Enable", self.enable_user)
        self.reset_action = role_menu.addAction("Reset password…", self.reset_password)
        role_menu.addSeparator()
        self.delete_action = role_menu.addAction("Delete…", self.delete_user)
        self.role_button.setMenu(role_menu)
        self.recharge_button = QPushButton("Recharge…")
        self.recharge_button.clicked.connect(self.recharge)
        self.ledger_button = QPushButton("Ledger…")
        self.ledger_button.clicked.connect(self.show_ledger)
        # Title above its buttons, not beside them: both lists fit side by side in a 900-px
        # window (beside, the accounts' header alone needed ~460 px).
        uh = QHBoxLayout()
        for b in (self.add_user_button, self.role_button, self.recharge_button, self.ledger_button):
            uh.addWidget(b)
        uh.addStretch(1)
        self.user_view = table(self.users, sort_column=0, order=Qt.SortOrder.AscendingOrder)
        self.user_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.user_view.verticalHeader().setDefaultSectionSize(30)
        self.user_view.doubleClicked.connect(lambda _: self.show_ledger())
        self.user_view.selectionModel().currentRowChanged.connect(lambda *_: self._selection())

        tags_title = QLabel("Tags")
        look.heading(tags_title, 1.3)
        self.add_tag_button = QPushButton("+ Add…")
        self.add_tag_button.clicked.connect(self.add_tag)
        self.rename_tag_button = QPushButton("Rename…")
        self.rename_tag_button.clicked.connect(self.rename_tag)
        self.delete_tag_button = QPushButton("Delete")
        self.delete_tag_button.clicked.connect(self.delete_tag)
        # The headers' buttons shrink to their texts: both lists fit side by side at 900 px.
        shrink_to_text(
            self.add_user_button, self.role_button, self.recharge_button, self.ledger_button,
            self.add_tag_button, self.rename_tag_button, self.delete_tag_button,
        )
        th = QHBoxLayout()
        for b in (self.add_tag_button, self.rename_tag_button, self.delete_tag_button):
            th.addWidget(b)
        th.addStretch(1)
        self.tag_view = table(self.tags, sort_column=0, order=Qt.SortOrder.AscendingOrder)
        self.tag_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tag_view.verticalHeader().setDefaultSectionSize(30)
        self.tag_view.selectionModel().currentRowChanged.connect(lambda *_: self._selection())

        users_box = QWidget()
        ul = QVBoxLayout(users_box)
        ul.setContentsMargins(0, 0, 6, 0)
        ul.addWidget(users_title)
        ul.addLayout(uh)
        ul.addWidget(self.user_view)
        tags_box = QWidget()
        tl = QVBoxLayout(tags_box)
        tl.setContentsMargins(6, 0, 0, 0)
        tl.addWidget(tags_title)
        tl.addLayout(th)
        tl.addWidget(self.tag_view)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("admin-splitter")
        self.splitter.addWidget(users_box)
        self.splitter.addWidget(tags_box)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addWidget(self.splitter)
        self._selection()

    def _changed(self, changes: Change) -> None:
        if self.ctx.user.is_admin and changes & (Change.USERS | Change.BALANCE | Change.TAGS):
            self.reload()

    def reload(self) -> None:
        """Ask for accounts and tags; the tables keep what they show until the answers land."""
        self._users.run(
            self.ctx.app.users.list, self.ctx.user, success=self._show_users,
            context="Loading accounts",
        )
        self._tags.run(
            self.ctx.app.tags.list, self.ctx.user, success=self._show_tags, context="Loading tags"
        )

    @property
    def loading(self) -> bool:
        return self._users.pending or self._tags.pending

    def _show_users(self, rows: list[UserDTO]) -> None:
        self.users.set_rows(rows)
        self._selection()

    def _show_tags(self, rows: list[TagDTO]) -> None:
        self.tags.set_rows(rows)
        self._selection()

    def current_user(self) -> UserDTO | None:
        idx = self.user_view.currentIndex()
        dto = idx.data(DTO_ROLE) if idx.isValid() else None
        return dto if isinstance(dto, UserDTO) else None

    def current_tag(self) -> TagDTO | None:
        idx = self.tag_view.currentIndex()
        dto = idx.data(DTO_ROLE) if idx.isValid() else None
        return dto if isinstance(dto, TagDTO) else None

    def _selection(self) -> None:
        user = self.current_user()
        has_user = user is not None
        for b in (self.role_button, self.recharge_button, self.ledger_button):
            b.setEnabled(has_user)
        # Not for one's own account (the service refuses it too).
        other = user is not None and user.id != self.ctx.user.id
        for action in (self.disable_action, self.enable_action, self.reset_action,
                       self.delete_action):
            action.setEnabled(other)
        self.disable_action.setVisible(user is None or not user.is_disabled)
        self.enable_action.setVisible(user is not None and user.is_disabled)
        has_tag = self.current_tag() is not None
        self.rename_tag_button.setEnabled(has_tag)
        self.delete_tag_button.setEnabled(has_tag)

    def _write(
        self, fn, *args, done: str = "", tags: bool = False, changes: Change | None = None
    ) -> None:
        """An administrative write. Accounts changes may include the admin's own balance;
        tag changes also rename or remove tags on datasets' cards."""
        if changes is None:
            changes = Change.TAGS | Change.DATASETS if tags else Change.USERS | Change.BALANCE

        def finished(_: object) -> None:
            if done:
                self.ctx.notify(done, "success")

        self.ctx.ops.write(fn, self.ctx.user, *args, changes=changes, success=finished)

    # -- accounts ----------------------------------------------------------------------------
    def add_user(self) -> None:
        dialog = dialogs.AddUserDialog(self)
        dialog.accepted.connect(
            lambda: self._write(
                self.ctx.app.users.create,
                dialog.email.text().strip(),
                dialog.password.text(),
                dialog.role.currentText(),
                dialog.tokens_milli(),
                done=f"Account {dialog.email.text().strip()} added.",
            )
        )
        dialog.open()
        self.dialog = dialog

    def set_role(self, role: Role) -> None:
        user = self.current_user()
        if user is not None and user.role != role:
            self._write(
                self.ctx.app.users.set_role,
                user.email,
                role,
                done=f"{user.email} is now {role.value}.",
            )

    def recharge(self) -> None:
        user = self.current_user()
        if user is None:
            return
        dialog = RechargeDialog(self, user)
        dialog.accepted.connect(
            lambda: self._write(
                self.ctx.app.credits.recharge,
                user.email,
                dialog.milli(),
                dialog.note.text().strip(),
                done=f"Added {fmt.tokens(dialog.milli())} to {user.email}.",
            )
        )
        dialog.open()
        self.dialog = dialog

    def disable_user(self) -> None:
        user = self.current_user()
        if user is None or not dialogs.confirm(
            self,
            "Disable account",
            f"Disable {user.email}? Its sessions end at once and it cannot sign in until "
            "enabled again; its pending and running jobs are stopped. Its data is kept.",
            action="Disable",
        ):
            return
        self._write(
            self.ctx.app.users.disable,
            user.email,
            done=f"{user.email} is disabled; its sessions are ended and its jobs stopped.",
        )

    def enable_user(self) -> None:
        user = self.current_user()
        if user is not None:
            self._write(
                self.ctx.app.users.enable, user.email, done=f"{user.email} can sign in again."
            )

    def reset_password(self) -> None:
        user = self.current_user()
        if user is None:
            return
        dialog = ResetPasswordDialog(self, user)
        dialog.accepted.connect(
            lambda: self._write(
                self.ctx.app.users.reset_password,
                user.email,
                dialog.value(),
                done=f"New password set for {user.email}; its saved sessions are ended.",
            )
        )
        dialog.open()
        self.dialog = dialog

    def delete_user(self) -> None:
        user = self.current_user()
        if user is None:
            return
        dialog = DeleteAccountDialog(self, user, self.ctx.user, self.users.rows())
        dialog.accepted.connect(
            lambda: self._write(
                partial(self.ctx.app.users.delete, to_email=dialog.receiver_email()),
                user.email,
                done=f"{user.email} deleted; its data went to {dialog.receiver_email()}.",
                changes=Change.ALL,  # the receiver may be the administrator: new datasets
            )
        )
        dialog.open()
        self.dialog = dialog

    def show_ledger(self) -> None:
        user = self.current_user()
        if user is None:
            return

        def show(answer: tuple[UserDTO, list[LedgerEntryDTO]]) -> None:
            dialog = dialogs.LedgerDialog(self, *answer)
            dialog.open()
            self.dialog = dialog

        self.ctx.ops.query(
            self.ctx.app.credits.ledger, self.ctx.user, user.email, success=show,
            context="Ledger",
        )

    # -- tags --------------------------------------------------------------------------------
    def add_tag(self) -> None:
        dialog = dialogs.TextDialog(self, "Add tag", "Name", "", "Add")
        dialog.accepted.connect(
            lambda: self._write(
                self.ctx.app.tags.add,
                dialog.value(),
                done=f"Tag '{dialog.value()}' added.",
                tags=True,
            )
        )
        dialog.open()
        self.dialog = dialog

    def rename_tag(self) -> None:
        tag = self.current_tag()
        if tag is None:
            return
        dialog = dialogs.TextDialog(self, "Rename tag", "New name", tag.name, "Rename")
        dialog.accepted.connect(
            lambda: self._write(
                self.ctx.app.tags.rename, tag.id, dialog.value(), done="Tag renamed.", tags=True
            )
        )
        dialog.open()
        self.dialog = dialog

    def delete_tag(self) -> None:
        tag = self.current_tag()
        if tag is None:
            return
        if dialogs.confirm(
            self,
            "Delete tag",
            f"Delete the tag '{tag.name}'? It is removed from the "
            f"{tag.dataset_count} dataset(s) that carry it.",
            action="Delete",
        ):
            self._write(
                self.ctx.app.tags.delete, tag.id, done=f"Tag '{tag.name}' deleted.", tags=True
            )
