"""Who is signed in, against which database; the single source of the balance shown."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from videolab.domain.dto import UserDTO
from videolab.gui import format as fmt
from videolab.gui.changes import Change
from videolab.gui.ops import Latest, Operations
from videolab.services.app import VideoLab


class UserSession(QObject):
    """The acting user. Once attached to a window's operations, it re-reads the account (off
    the GUI thread) whenever an operation changed the balance or the accounts."""

    user_changed = Signal(object)  # UserDTO
    signed_out = Signal()

    def __init__(self, app: VideoLab, user: UserDTO, token: str | None = None) -> None:
        super().__init__()
        self.app = app
        self._user = user
        self.token = token
        self._account: Latest[UserDTO] | None = None

    @property
    def user(self) -> UserDTO:
        return self._user

    @property
    def balance_text(self) -> str:
        return fmt.amount(self._user.tokens_milli)

    def set_user(self, user: UserDTO) -> None:
        self._user = user
        self.user_changed.emit(user)

    def attach(self, ops: Operations) -> None:
        self._account = Latest(ops)
        ops.changed.connect(self._changed)

    def _changed(self, changes: Change) -> None:
        if changes & (Change.BALANCE | Change.USERS):
            self.reload()

    def reload(self) -> None:
        """Re-read role and balance; ``user_changed`` follows when the answer lands."""
        if self._account is not None:
            self._account.run(
                self.app.auth.refresh, self._user, success=self.set_user, context="Your account"
            )
