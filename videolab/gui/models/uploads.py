"""Per-file rows of the upload queue."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from videolab.gui import format as fmt
from videolab.gui.controllers.uploads import CANCELLED, FAILED, UploadItem
from videolab.gui.models.roles import PROGRESS_ROLE
from videolab.gui.models.table import CENTER, RIGHT, Column, DtoTableModel

#: What a row shows for a number it will never have (the upload failed or was cancelled).
NONE = "—"


def _stopped(u: UploadItem) -> bool:
    return u.state in (FAILED, CANCELLED)


def _frames(u: UploadItem) -> str:
    if u.frames is not None:
        return f"{u.frames:,}"
    return NONE if _stopped(u) else "…"


def _cost(u: UploadItem) -> str:
    if _stopped(u):
        return NONE  # nothing was charged
    return fmt.amount(u.cost_milli) if u.cost_milli is not None else "…"


def _cost_tip(u: UploadItem) -> str:
    if _stopped(u):
        return "nothing was charged"
    return "tokens, known after the file is checked"


class UploadQueueModel(DtoTableModel[UploadItem]):
    COL_PROGRESS = 4
    COL_DETAILS = 6
    columns = (
        Column("File", lambda u: u.name, tooltip=lambda u: u.path),
        Column("Dataset", lambda u: u.dataset_name, tooltip=lambda u: u.dataset_name),
        Column("Frames", _frames, align=RIGHT),
        Column("Cost", _cost, align=RIGHT, tooltip=_cost_tip),
        Column(
            "Progress",
            lambda u: u.state if u.fraction is None else f"{u.state} {u.fraction * 100:.0f}%",
            align=CENTER,
        ),
        Column("Size", lambda u: fmt.size(u.total_bytes) if u.total_bytes else "", align=RIGHT),
        Column("Details", lambda u: u.message, tooltip=lambda u: u.message),
    )

    def extra_data(self, row: UploadItem, column: int, role: int) -> Any:
        if role == PROGRESS_ROLE and column == self.COL_PROGRESS:
            return row.fraction
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and column == self.COL_DETAILS
            and row.state == FAILED
        ):
            return QColor("#d03b3b")
        return None
