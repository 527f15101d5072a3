"""The one place errors go: logged, then shown to the person without blocking the window.

Domain errors (``VideoLabError``) carry a message written for people and are shown as is.
Anything else is a bug: it is logged with its traceback and shown as a short line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from videolab.domain.errors import Cancelled, VideoLabError

log = logging.getLogger("videolab.gui")


def describe(exc: BaseException) -> str:
    if isinstance(exc, VideoLabError):
        return exc.message
    text = str(exc).strip()
    return f"Unexpected error ({type(exc).__name__}): {text}" if text else type(exc).__name__


@dataclass(frozen=True)
class BannerAction:
    """A button offered with a message, e.g. "Undo" after moving a dataset to the trash."""

    label: str
    run: Callable[[], None]


class ErrorHandler(QObject):
    """Receives every worker error and every failed action; ``shown`` carries the text."""

    shown = Signal(str, str)  # level ("error" | "warning" | "info"), text
    #: A BannerAction for the message just ``shown``; the next message withdraws it.
    offered = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history: list[str] = []
        self._sinks: list[Callable[[str, str], None]] = []

    def add_sink(self, sink: Callable[[str, str], None]) -> None:
        self._sinks.append(sink)

    def handle(self, exc: BaseException, context: str = "") -> None:
        text = describe(exc)
        if context:
            text = f"{context}: {text}"
        if isinstance(exc, Cancelled):
            log.info("%s", text)
            self.notify(text, "info")
            return
        if isinstance(exc, VideoLabError):
            log.warning("%s", text)
        else:
            log.error("%s", text, exc_info=exc)
        self.notify(text, "error")

    def notify(self, text: str, level: str = "info", action: BannerAction | None = None) -> None:
        self.history.append(text)
        self.shown.emit(level, text)
        if action is not None:
            self.offered.emit(action)
        for sink in self._sinks:
            sink(level, text)

    def __call__(self, exc: BaseException) -> None:
        self.handle(exc)
