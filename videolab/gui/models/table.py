"""A table model over DTO rows keyed by ``id``, updated with minimal signals.

``set_rows`` is how a view shows fresh data: rows that disappeared are removed, new rows are
inserted where they belong and changed rows emit ``dataChanged``; only a reordering resets the
model. ``upsert`` and ``remove`` apply the result of a single operation (after Anki's browser
table, which never resets after an edit).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from videolab.gui.models.roles import DTO_ROLE, ID_ROLE, SORT_ROLE

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex

RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
CENTER = int(Qt.AlignmentFlag.AlignCenter)


@dataclass(frozen=True)
class Column(Generic[T]):
    title: str
    text: Callable[[T], str]
    sort: Callable[[T], Any] | None = None
    align: int = LEFT
    tooltip: Callable[[T], str] | None = None
    extra: dict[int, Callable[[T], Any]] = field(default_factory=dict)


class DtoTableModel(QAbstractTableModel, Generic[T]):
    columns: Sequence[Column[T]] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []

    # -- access ------------------------------------------------------------------------------
    @staticmethod
    def key(row: T) -> uuid.UUID:
        return row.id  # type: ignore[attr-defined]

    def rows(self) -> list[T]:
        return list(self._rows)

    def row_of(self, key: uuid.UUID) -> int:
        for i, row in enumerate(self._rows):
            if self.key(row) == key:
                return i
        return -1

    def dto(self, row: int) -> T:
        return self._rows[row]

    def find(self, key: uuid.UUID) -> T | None:
        i = self.row_of(key)
        return self._rows[i] if i >= 0 else None

    # -- Qt API ------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(self.columns):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.align
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row)
        if role == ID_ROLE:
            return self.key(row)
        if role == DTO_ROLE:
            return row
        if role == SORT_ROLE:
            return column.sort(row) if column.sort is not None else column.text(row)
        if role in column.extra:
            return column.extra[role](row)
        return self.extra_data(row, index.column(), role)

    def extra_data(self, row: T, column: int, role: int) -> Any:
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].title
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return self.columns[section].align
        return None

    # -- updates -----------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[T]) -> None:
        new = list(rows)
        new_keys = [self.key(r) for r in new]
        wanted = set(new_keys)
        for i in range(len(self._rows) - 1, -1, -1):
            if self.key(self._rows[i]) not in wanted:
                self.beginRemoveRows(QModelIndex(), i, i)
                del self._rows[i]
                self.endRemoveRows()
        survivors = [self.key(r) for r in self._rows]
        if survivors != [k for k in new_keys if k in set(survivors)]:
            self.beginResetModel()
            self._rows = new
            self.endResetModel()
            return
        for i, row in enumerate(new):
            if i < len(self._rows) and self.key(self._rows[i]) == new_keys[i]:
                if self._rows[i] != row:
                    self._rows[i] = row
                    self._changed(i)
            else:
                self.beginInsertRows(QModelIndex(), i, i)
                self._rows.insert(i, row)
                self.endInsertRows()

    def upsert(self, row: T, *, at: int = 0) -> int:
        i = self.row_of(self.key(row))
        if i >= 0:
            self._rows[i] = row
            self._changed(i)
            return i
        at = max(0, min(at, len(self._rows)))
        self.beginInsertRows(QModelIndex(), at, at)
        self._rows.insert(at, row)
        self.endInsertRows()
        return at

    def remove(self, key: uuid.UUID) -> None:
        i = self.row_of(key)
        if i >= 0:
            self.beginRemoveRows(QModelIndex(), i, i)
            del self._rows[i]
            self.endRemoveRows()

    def _changed(self, row: int, first: int = 0, last: int | None = None) -> None:
        last = len(self.columns) - 1 if last is None else last
        self.dataChanged.emit(self.index(row, first), self.index(row, last))
