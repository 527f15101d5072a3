"""The datasets panel: search, tag filter, the list with tag chips, and the trash (restore,
delete permanently, empty it)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from videolab.domain.dto import DatasetDTO, TagDTO
from videolab.domain.errors import VideoLabError
from videolab.gui.changes import Change
from videolab.gui.context import GuiContext
from videolab.gui.errors import BannerAction
from videolab.gui.models.datasets import DatasetListModel, video_count_text
from videolab.gui.models.roles import DTO_ROLE
from videolab.gui.ops import Latest
from videolab.gui.widgets import dialogs, look
from videolab.gui.widgets.dataset_dialogs import DatasetDialog, RenameDialog, SubmitDialog
from videolab.gui.widgets.delegates import DatasetDelegate
from videolab.gui.widgets.responsive import shrink_to_text

ALL_TAGS = "All tags"


class DatasetsPanel(QWidget):
    selected = Signal(object)  # DatasetDTO | None
    files_dropped = Signal(object, list)  # dataset id, paths

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.trash_mode = False
        self.dialog: QDialog | None = None
        self.all_tags: list[str] = []
        self._rows: Latest[list[DatasetDTO]] = Latest(ctx.ops)
        self._tags: Latest[list[TagDTO]] = Latest(ctx.ops)
        self._select_when_loaded: uuid.UUID | None = None
        ctx.ops.changed.connect(self._changed)
        self.model = DatasetListModel(self)
        self.model.files_dropped.connect(self.files_dropped)

        title = QLabel("Datasets")
        look.heading(title, 1.3)
        self.new_button = QToolButton()
        self.new_button.setText("+ New")
        self.new_button.setToolTip("New dataset (Ctrl+N)")
        self.new_button.clicked.connect(self.create_dataset)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by name…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.reload)
        self.tag_filter = QComboBox()
        self.tag_filter.setToolTip("Show only datasets with this tag")
        self.tag_filter.currentIndexChanged.connect(self.reload)

        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(DatasetDelegate(self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setUniformItemSizes(True)
        self.view.setSpacing(2)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setAcceptDrops(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.view.setDropIndicatorShown(True)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().currentChanged.connect(lambda *_: self._emit_selected())
        self.view.doubleClicked.connect(lambda _: self.rename_dataset())

        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet(f"color: {look.muted().name()}; padding: 24px;")

        self.live_button = QPushButton("Datasets")
        self.trash_button = QPushButton("Trash")
        group = QButtonGroup(self)
        for i, b in enumerate((self.live_button, self.trash_button)):
            b.setCheckable(True)
            b.setFlat(False)
            group.addButton(b, i)
        self.live_button.setChecked(True)
        group.idClicked.connect(lambda i: self.set_trash_mode(i == 1))
        self.restore_button = QPushButton("Restore")
        self.restore_button.setToolTip("Bring the selected dataset back from the trash")
        self.restore_button.clicked.connect(self.restore_dataset)
        self.purge_button = QPushButton("Delete permanently…")
        self.purge_button.setToolTip(
            "Delete the selected dataset and its videos for good (its jobs and credits stay)"
        )
        self.purge_button.clicked.connect(self.purge_dataset)
        self.empty_button = QPushButton("Empty trash…")
        self.empty_button.setToolTip("Delete every dataset in the trash for good")
        self.empty_button.clicked.connect(self.empty_trash)
        # The trash's actions on two rows, all three together: one row beside the toggles
        # squeezed them in a 900-px window's sidebar (190 px).
        self.trash_bar = QWidget()
        trash_grid = QGridLayout(self.trash_bar)
        trash_grid.setContentsMargins(0, 0, 0, 0)
        trash_grid.addWidget(self.restore_button, 0, 0)
        trash_grid.addWidget(self.empty_button, 0, 1)
        trash_grid.addWidget(self.purge_button, 1, 0, 1, 2)
        shrink_to_text(self.restore_button, self.empty_button, self.purge_button)
        self.trash_bar.hide()
        self.empty_button.hide()

        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.new_button)
        toggles = QHBoxLayout()
        toggles.setSpacing(0)
        toggles.addWidget(self.live_button)
        toggles.addWidget(self.trash_button)
        toggles.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 6, 10)
        layout.addLayout(head)
        layout.addWidget(self.search)
        layout.addWidget(self.tag_filter)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.trash_bar)
        layout.addLayout(toggles)

        self.rename_action = QAction("Rename…", self)
        self.rename_action.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.rename_action.triggered.connect(self.rename_dataset)
        self.tags_action = QAction("Edit tags…", self)
        self.tags_action.triggered.connect(self.edit_tags)
        self.delete_action = QAction("Move to trash", self)
        self.delete_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete_action.triggered.connect(self.delete_dataset)
        self.restore_action = QAction("Restore", self)
        self.restore_action.triggered.connect(self.restore_dataset)
        self.purge_action = QAction("Delete permanently…", self)
        self.purge_action.triggered.connect(self.purge_dataset)
        self.empty_action = QAction("Empty trash…", self)
        self.empty_action.triggered.connect(self.empty_trash)
        for action in (self.rename_action, self.delete_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.view.addAction(action)
        self._update_empty()

    # -- data --------------------------------------------------------------------------------
    def _changed(self, changes: Change) -> None:
        if changes & Change.TAGS:
            self.load_tags()
        if changes & (Change.DATASETS | Change.TAGS | Change.VIDEOS):
            self.reload()

    def load_tags(self) -> None:
        self._tags.run(
            self.ctx.app.tags.list, self.ctx.user, success=self._show_tags, context="Loading tags"
        )

    def _show_tags(self, tags: list[TagDTO]) -> None:
        names = [t.name for t in tags]
        current = self.tag_filter.currentText()
        self.tag_filter.blockSignals(True)
        self.tag_filter.clear()
        self.tag_filter.addItem(ALL_TAGS)
        self.tag_filter.addItems(names)
        index = self.tag_filter.findText(current)
        self.tag_filter.setCurrentIndex(max(0, index))
        self.tag_filter.blockSignals(False)
        self.all_tags = names
        if index < 0 and current not in ("", ALL_TAGS):  # the filtered tag is gone
            self.reload()

    def reload(self) -> None:
        """Ask for the list as filtered now; the previous list stays until the answer lands,
        and an answer to an older filter (the person typed on) is dropped."""
        tag = self.tag_filter.currentText()
        self._rows.run(
            self.ctx.app.datasets.list,
            self.ctx.user,
            tag=None if tag in ("", ALL_TAGS) else tag,
            search=self.search.text().strip() or None,
            deleted=self.trash_mode,
            success=self._show,
            failure=self._load_failed,
        )

    @property
    def loading(self) -> bool:
        return self._rows.pending

    def _load_failed(self, exc: BaseException) -> None:
        self.ctx.ops.report(exc, "Loading datasets")
        self._update_empty()  # no placeholder left saying "Loading…"

    def _show(self, rows: list[DatasetDTO]) -> None:
        before = self.current()
        wanted, self._select_when_loaded = self._select_when_loaded, None
        self.model.set_rows(rows)
        if wanted is not None and self.model.row_of(wanted) >= 0:
            self.select(wanted)
        elif before is not None and self.model.row_of(before.id) >= 0:
            self.select(before.id)
        elif rows and self.current() is None:
            self.select(rows[0].id)
        self._update_empty()
        self._emit_selected()

    def _update_empty(self) -> None:
        empty = self.model.rowCount() == 0
        if self._rows.pending:
            self.empty.setText("Loading the trash…" if self.trash_mode else "Loading datasets…")
        elif self.trash_mode:
            self.empty.setText("The trash is empty.")
        elif self.search.text() or self.tag_filter.currentIndex() > 0:
            self.empty.setText("No dataset matches.")
        else:
            self.empty.setText("No datasets yet.\nCreate one with + New, then drop videos on it.")
        self.empty.setVisible(empty)
        self.view.setVisible(not empty)

    def current(self) -> DatasetDTO | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        dto = index.data(DTO_ROLE)
        return dto if isinstance(dto, DatasetDTO) else None

    def select(self, dataset_id: uuid.UUID) -> None:
        row = self.model.row_of(dataset_id)
        if row >= 0:
            self.view.selectionModel().setCurrentIndex(
                self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
            )

    def _emit_selected(self) -> None:
        ds = self.current()
        self.restore_button.setEnabled(ds is not None)
        self.purge_button.setEnabled(ds is not None)
        self.empty_button.setEnabled(self.model.rowCount() > 0)
        self.selected.emit(ds)

    def set_trash_mode(self, trash: bool) -> None:
        if trash == self.trash_mode:
            return
        self.trash_mode = trash
        self.trash_button.setChecked(trash)
        self.live_button.setChecked(not trash)
        self.trash_bar.setVisible(trash)
        self.empty_button.setVisible(trash)
        # Delete (key and menu) in the trash deletes for good, after its own confirmation.
        self.delete_action.setText("Delete permanently…" if trash else "Move to trash")
        self.new_button.setEnabled(not trash)
        self.view.selectionModel().clearCurrentIndex()
        self.reload()
        self.model.set_rows([])  # another list: a light placeholder, not the old one, meanwhile
        self._update_empty()
        self._emit_selected()

    # -- actions -----------------------------------------------------------------------------
    def _write(
        self,
        fn: Callable[..., Any],
        *args: Any,
        done: str = "",
        select: bool = False,
        action: BannerAction | None = None,
        dialog: SubmitDialog | None = None,
    ) -> None:
        """Run a change; with ``dialog``, it closes once the change is saved and a refusal is
        shown in it, beside the field, for the person to correct."""

        def finished(result: object) -> None:
            if select and isinstance(result, DatasetDTO):
                self._select_when_loaded = result.id  # the list reloads on DATASETS
            if dialog is not None:
                dialog.succeeded()
            if done:
                self.ctx.notify(done, "success", action)

        def failed(exc: BaseException) -> None:
            assert dialog is not None
            if isinstance(exc, VideoLabError):
                dialog.refused(exc.message)
            else:  # a bug: the one error path logs it with its traceback
                dialog.refused("")
                self.ctx.ops.report(exc)

        self.ctx.ops.write(
            fn,
            self.ctx.user,
            *args,
            changes=Change.DATASETS,
            success=finished,
            failure=None if dialog is None else failed,
        )

    def create_dataset(self) -> None:
        if self.trash_mode:
            self.set_trash_mode(False)
        dialog = DatasetDialog(self, self.all_tags)
        dialog.submitted.connect(
            lambda: self._write(
                self.ctx.app.datasets.create,
                dialog.name(),
                dialog.tags(),
                done=f"Dataset '{dialog.name()}' created.",
                select=True,
                dialog=dialog,
            )
        )
        dialog.open()
        self.dialog = dialog

    def add_dataset(self, name: str, tags: list[str]) -> None:
        """Create a dataset without a dialog (what the dialog's OK asks for)."""
        self._write(
            self.ctx.app.datasets.create, name, tags, done=f"Dataset '{name}' created.", select=True
        )

    def rename_dataset(self) -> None:
        ds = self.current()
        if ds is None or self.trash_mode:
            return
        dialog = RenameDialog(self, ds.name)
        dialog.submitted.connect(
            lambda: self._write(
                self.ctx.app.datasets.rename,
                ds.id,
                dialog.value(),
                done="Dataset renamed.",
                dialog=dialog,
            )
        )
        dialog.open()
        self.dialog = dialog

    def edit_tags(self) -> None:
        ds = self.current()
        if ds is None or self.trash_mode:
            return
        dialog = DatasetDialog(
            self,
            self.all_tags,
            name=ds.name,
            tags=ds.tags,
            title="Edit tags",
            ok_text="Save",
            edit_name=False,
        )
        dialog.submitted.connect(
            lambda: self._write(
                self.ctx.app.datasets.set_tags,
                ds.id,
                dialog.tags(),
                done="Tags saved.",
                dialog=dialog,
            )
        )
        dialog.open()
        self.dialog = dialog

    def delete_dataset(self) -> None:
        ds = self.current()
        if ds is None:
            return
        if self.trash_mode:  # Delete in the trash: for good, after its own confirmation
            self.purge_dataset()
            return
        text = (
            f"Move '{ds.name}' and its {video_count_text(ds.video_count)} to the trash?\n"
            "You can restore it from the trash later."
        )
        if dialogs.confirm(self, "Move to trash", text, action="Move to trash"):
            undo = BannerAction("Undo", lambda: self._undo_trash(ds))
            self._write(
                self.ctx.app.datasets.delete,
                ds.id,
                done=f"'{ds.name}' moved to the trash.",
                action=undo,
            )

    def _undo_trash(self, ds: DatasetDTO) -> None:
        self._write(
            self.ctx.app.datasets.restore,
            ds.id,
            done=f"'{ds.name}' restored from the trash.",
            select=True,
        )

    def restore_dataset(self) -> None:
        ds = self.current()
        if ds is None or not self.trash_mode:
            return
        self._write(self.ctx.app.datasets.restore, ds.id, done=f"'{ds.name}' restored.")

    def purge_dataset(self) -> None:
        ds = self.current()
        if ds is None or not self.trash_mode:
            return
        lost = (
            f"Its {video_count_text(ds.video_count)} and their stored files are deleted and "
            "cannot be restored."
            if ds.video_count
            else "It has no videos; it cannot be restored."
        )
        text = (
            f"Delete '{ds.name}' permanently?\n\n{lost} Its jobs, their results and your "
            "credit history stay (see Jobs)."
        )
        if dialogs.confirm(self, "Delete permanently", text, action="Delete permanently"):
            self._write(
                self.ctx.app.datasets.purge, ds.id, done=f"'{ds.name}' deleted permanently."
            )

    def empty_trash(self) -> None:
        rows = self.model.rows() if self.trash_mode else []
        if not rows:
            return
        videos = sum(d.video_count for d in rows)
        names = ", ".join(f"'{d.name}'" for d in rows[:3]) + (", …" if len(rows) > 3 else "")
        text = (
            f"Empty the trash?\n\n"
            f"{len(rows)} dataset(s) ({names}) and their {video_count_text(videos)} are deleted "
            "with their stored files and cannot be restored. Their jobs, the jobs' results and "
            "your credit history stay (see Jobs)."
        )
        if dialogs.confirm(self, "Empty trash", text, action="Empty trash"):
            self._write(
                self.ctx.app.datasets.empty_trash,
                done=f"Trash emptied: {len(rows)} dataset(s) deleted permanently.",
            )

    def _context_menu(self, pos: QPoint) -> None:
        if self.current() is None:
            return
        menu = QMenu(self)
        if self.trash_mode:
            menu.addAction(self.restore_action)
            menu.addSeparator()
            menu.addAction(self.purge_action)
            menu.addAction(self.empty_action)
        else:
            menu.addAction(self.rename_action)
            menu.addAction(self.tags_action)
            menu.addSeparator()
            menu.addAction(self.delete_action)
        menu.popup(self.view.viewport().mapToGlobal(pos))
