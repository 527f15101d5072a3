"""Per-file rows of the upload queue."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from videolab.gui import format as fmt
from videolab.gui.controllers.uploads import FAILED, UploadItem
from videolab.gui.models.roles import PROGRESS_ROLE
from videolab.gui.models.table import CENTER, RIGHT, Column, DtoTableModel


class UploadQueueModel(DtoTableModel[UploadItem]):
    COL_PROGRESS = 3
    columns = (
        Column("File", lambda u: u.name, tooltip=lambda u: u.path),
        Column("Frames", lambda u: f"{u.frames:,}" if u.frames is not None else "…", align=RIGHT),
        Column(
            "Cost",
            lambda u: fmt.amount(u.cost_milli) if u.cost_milli is not None else "…",
            align=RIGHT,
            tooltip=lambda u: "tokens, known after the file is checked",
        ),
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
        if role == Qt.ItemDataRole.ForegroundRole and column == 5 and row.state == FAILED:
            return QColor("#d03b3b")
        return None
