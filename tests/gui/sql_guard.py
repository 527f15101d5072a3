"""Catch SQL that runs on the GUI thread on behalf of GUI code.

An SQLAlchemy ``before_cursor_execute`` listener on every engine records each statement run
on the main (GUI) thread while a frame of ``videolab/gui/`` is on the call stack: a panel, a
dialog or a controller querying the database itself instead of through an operation. What a
test body runs itself to set up data has no GUI frame on its stack and is not counted.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

import videolab.gui

GUI_DIR = str(Path(videolab.gui.__file__).resolve().parent)


def gui_caller(frame: FrameType | None) -> str | None:
    """The innermost ``videolab/gui`` frame on the stack, as ``file:line``, or None."""
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(GUI_DIR):
            return f"{Path(filename).relative_to(GUI_DIR)}:{frame.f_lineno}"
        frame = frame.f_back
    return None


@dataclass
class GuiThreadSqlGuard:
    hits: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        where = gui_caller(sys._getframe(1))
        if where is not None:
            self.hits.append((where, " ".join(statement.split())[:90]))

    def install(self) -> GuiThreadSqlGuard:
        event.listen(Engine, "before_cursor_execute", self)
        return self

    def remove(self) -> None:
        event.remove(Engine, "before_cursor_execute", self)

    def report(self) -> str:
        places = sorted({where for where, _ in self.hits})
        return (
            f"{len(self.hits)} SQL statement(s) ran on the GUI thread, from "
            + ", ".join(places)
            + f"; first: {self.hits[0][1]}"
        )
