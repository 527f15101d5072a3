"""Who is signed in, against which database; the single source of the balance shown."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from videolab.domain.dto import UserDTO
from videolab.domain.money import format_tokens
from videolab.services.app import VideoLab


class UserSession(QObject):
    """The acting user. ``refresh()`` after every charge keeps role and balance current."""

    user_changed = Signal(object)  # UserDTO
    signed_out = Signal()

    def __init__(self, app: VideoLab, user: UserDTO, token: str | None = None) -> None:
        super().__init__()
        self.app = app
        self._user = user
        self.token = token

    @property
    def user(self) -> UserDTO:
        return self._user

    @property
    def balance_text(self) -> str:
        return format_tokens(self._user.tokens_milli)

    def set_user(self, user: UserDTO) -> None:
        self._user = user
        self.user_changed.emit(user)

    def refresh(self) -> UserDTO:
        """Re-read the account (a short read; safe on the GUI thread in WAL mode)."""
        self.set_user(self.app.auth.refresh(self._user))
        return self._user
