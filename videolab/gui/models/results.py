"""Models of the results viewer: detections of the current frame, and the thumbnail strip."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QPixmap

from videolab.gui.models.roles import DTO_ROLE, ID_ROLE, SORT_ROLE, USER
from videolab.gui.models.table import CENTER, LEFT, RIGHT

Index = QModelIndex | QPersistentModelIndex


class DetectionTableModel(QAbstractTableModel):
    """The detections of one frame (dicts of the result JSON); a new frame is a new query."""

    HEADERS = ("Class", "Confidence", "Box (x1, y1, x2, y2)")
    ALIGN = (LEFT, RIGHT, CENTER)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[dict[str, Any]] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        det = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return str(det.get("class_name", det.get("class_id", "?")))
            if col == 1:
                return f"{float(det.get('confidence', 0.0)):.2f}"
            if col == 2:
                return ", ".join(f"{v:.0f}" for v in det.get("box_xyxy", ()))
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and 0 <= col < len(self.ALIGN):
            return self.ALIGN[col]
        if role == SORT_ROLE:
            return float(det.get("confidence", 0.0)) if col == 1 else self.data(index)
        if role == DTO_ROLE:
            return det
        if role == ID_ROLE:
            return index.row()
        if role == Qt.ItemDataRole.UserRole:
            return int(det.get("class_id", -1))
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.HEADERS):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.HEADERS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return self.ALIGN[section]
        return None

    def set_detections(self, detections: Sequence[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._rows = list(detections)
        self.endResetModel()

    def detections(self) -> list[dict[str, Any]]:
        return list(self._rows)


def media_time(seconds: float) -> str:
    """A moment in a video: "4.25 s" under a minute, "1:02.50" after."""
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:05.2f}"
    return f"{minutes}:{secs:05.2f}"


#: A filmstrip tile's time in the video (seconds, the result's ``time_s``), or None.
TIME_ROLE = USER + 40
#: A filmstrip tile's thumbnail (QPixmap), or None until it has been decoded.
THUMBNAIL_ROLE = USER + 41


class ThumbnailStripModel(QAbstractListModel):
    """Sampled processed frames, each with its frame number (0-based, as everywhere) and its
    time; thumbnails arrive later from a worker, row by row."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._frames: list[int] = []
        self._times: dict[int, float] = {}
        self._pixmaps: dict[int, QPixmap] = {}

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._frames)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._frames):
            return None
        frame = self._frames[index.row()]
        time_s = self._times.get(frame)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{frame}"
        if role == THUMBNAIL_ROLE:
            return self._pixmaps.get(frame)
        if role == TIME_ROLE:
            return time_s
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Frame {frame}" + ("" if time_s is None else f" at {media_time(time_s)}")
        if role in (ID_ROLE, SORT_ROLE):
            return frame
        return None

    def set_frames(self, frames: Sequence[int], times: Mapping[int, float] | None = None) -> None:
        self.beginResetModel()
        self._frames = list(frames)
        self._times = dict(times or {})
        self._pixmaps = {}
        self.endResetModel()

    def set_thumbnail(self, frame: int, pixmap: QPixmap) -> None:
        self._pixmaps[frame] = pixmap
        if frame in self._frames:
            row = self._frames.index(frame)
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, [THUMBNAIL_ROLE])

    def frames(self) -> list[int]:
        return list(self._frames)

    def row_of(self, frame: int) -> int:
        return self._frames.index(frame) if frame in self._frames else -1

    def row_at_or_before(self, frame: int) -> int:
        """The tile of ``frame``, or of the last sampled frame before it (-1: none)."""
        return bisect.bisect_right(self._frames, frame) - 1
