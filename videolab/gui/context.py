"""What every panel needs: the session, the pools, and the error handler."""

from __future__ import annotations

from dataclasses import dataclass

from videolab.domain.dto import UserDTO
from videolab.gui.errors import ErrorHandler
from videolab.gui.session import UserSession
from videolab.gui.workers import Executor
from videolab.services.app import VideoLab


@dataclass
class GuiContext:
    session: UserSession
    executor: Executor
    errors: ErrorHandler

    @property
    def app(self) -> VideoLab:
        return self.session.app

    @property
    def user(self) -> UserDTO:
        return self.session.user

    def notify(self, text: str, level: str = "info") -> None:
        self.errors.notify(text, level)
