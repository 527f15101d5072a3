"""What every panel needs: the session, the operations, and the error handler."""

from __future__ import annotations

from dataclasses import dataclass

from videolab.domain.dto import UserDTO
from videolab.gui.errors import BannerAction, ErrorHandler
from videolab.gui.ops import Operations
from videolab.gui.session import UserSession
from videolab.services.app import VideoLab


@dataclass
class GuiContext:
    session: UserSession
    ops: Operations
    errors: ErrorHandler

    @property
    def app(self) -> VideoLab:
        """The services, to name what an operation calls; never call them from here."""
        return self.session.app

    @property
    def user(self) -> UserDTO:
        return self.session.user

    def notify(self, text: str, level: str = "info", action: BannerAction | None = None) -> None:
        self.errors.notify(text, level, action)
