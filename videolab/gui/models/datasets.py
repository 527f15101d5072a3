"""The datasets list: one row per dataset; files dropped on a row are uploaded into it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from videolab.domain.dto import DatasetDTO
from videolab.gui.models.roles import COUNT_ROLE, DTO_ROLE, ID_ROLE, SORT_ROLE, TAGS_ROLE

Index = QModelIndex | QPersistentModelIndex
URI_LIST = "text/uri-list"


def video_count_text(n: int) -> str:
    return "1 video" if n == 1 else f"{n} videos"


def local_files(mime: QMimeData | None) -> list[str]:
    if mime is None or not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]


class DatasetListModel(QAbstractListModel):
    #: (dataset id, local file paths) dropped on a dataset row.
    files_dropped = Signal(object, list)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[DatasetDTO] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        ds = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, SORT_ROLE):
            return ds.name
        if role == Qt.ItemDataRole.ToolTipRole:
            tags = ", ".join(ds.tags) or "no tags"
            return f"{ds.name}\n{video_count_text(ds.video_count)} · {tags}"
        if role == ID_ROLE:
            return ds.id
        if role == DTO_ROLE:
            return ds
        if role == TAGS_ROLE:
            return ds.tags
        if role == COUNT_ROLE:
            return ds.video_count
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self._rows[index.row()].is_deleted:
            flags |= Qt.ItemFlag.ItemIsDropEnabled
        return flags

    # -- drops -------------------------------------------------------------------------------
    def mimeTypes(self) -> list[str]:
        return [URI_LIST]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def _target(self, row: int, parent: Index) -> DatasetDTO | None:
        if parent.isValid() and 0 <= parent.row() < len(self._rows):
            ds = self._rows[parent.row()]
        elif 0 <= row < len(self._rows):
            ds = self._rows[row]
        else:
            return None
        return None if ds.is_deleted else ds

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        return bool(local_files(data)) and self._target(row, parent) is not None

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        target = self._target(row, parent)
        files = local_files(data)
        if target is None or not files:
            return False
        self.files_dropped.emit(target.id, files)
        return False  # nothing to insert here: the upload is the caller's business

    # -- updates -----------------------------------------------------------------------------
    def rows(self) -> list[DatasetDTO]:
        return list(self._rows)

    def row_of(self, dataset_id: uuid.UUID) -> int:
        return next((i for i, d in enumerate(self._rows) if d.id == dataset_id), -1)

    def set_rows(self, rows: Sequence[DatasetDTO]) -> None:
        new = list(rows)
        if [d.id for d in new] == [d.id for d in self._rows]:
            for i, ds in enumerate(new):
                if ds != self._rows[i]:
                    self._rows[i] = ds
                    idx = self.index(i)
                    self.dataChanged.emit(idx, idx)
            return
        wanted = {d.id for d in new}
        for i in range(len(self._rows) - 1, -1, -1):
            if self._rows[i].id not in wanted:
                self.beginRemoveRows(QModelIndex(), i, i)
                del self._rows[i]
                self.endRemoveRows()
        kept = [d.id for d in self._rows]
        if kept != [d.id for d in new if d.id in set(kept)]:
            self.beginResetModel()
            self._rows = new
            self.endResetModel()
            return
        for i, ds in enumerate(new):
            if i < len(self._rows) and self._rows[i].id == ds.id:
                if self._rows[i] != ds:
                    self._rows[i] = ds
                    idx = self.index(i)
                    self.dataChanged.emit(idx, idx)
            else:
                self.beginInsertRows(QModelIndex(), i, i)
                self._rows.insert(i, ds)
                self.endInsertRows()
