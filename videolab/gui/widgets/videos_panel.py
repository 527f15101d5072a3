"""The selected dataset's videos, the upload button and the per-file upload queue."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from videolab.domain.dto import DatasetDTO, VideoDTO
from videolab.domain.money import UPLOAD_MILLI_PER_FRAME
from videolab.gui import format as fmt
from videolab.gui.changes import Change
from videolab.gui.context import GuiContext
from videolab.gui.controllers.uploads import UploadController, UploadItem
from videolab.gui.models.datasets import video_count_text
from videolab.gui.models.roles import DTO_ROLE, SORT_ROLE
from videolab.gui.models.uploads import UploadQueueModel
from videolab.gui.models.videos import THUMB_SIZE, VideoTableModel
from videolab.gui.ops import Latest
from videolab.gui.save_dialog import ask_export_path
from videolab.gui.widgets import dialogs, look
from videolab.gui.widgets.delegates import ProgressDelegate
from videolab.gui.widgets.responsive import shrink_to_text

DROP_TITLE = "Drop video files here"
DROP_SUB = f"or use Upload videos… — each frame costs {fmt.tokens(UPLOAD_MILLI_PER_FRAME)}"
VIDEO_FILTER = "Videos (*.mp4 *.mov *.avi *.mkv *.webm *.m4v *.mpg *.mpeg);;All files (*)"


def table(
    model,
    parent: QWidget | None = None,
    *,
    sort_column: int | None = None,
    order: Qt.SortOrder = Qt.SortOrder.DescendingOrder,
) -> QTableView:
    """A read-only, row-selecting table; sortable by clicking headers when ``sort_column``."""
    view = QTableView(parent)
    proxy = QSortFilterProxyModel(view)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    view.setModel(proxy)
    if sort_column is not None:
        view.setSortingEnabled(True)
        view.sortByColumn(sort_column, order)
    view.setWordWrap(False)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.verticalHeader().hide()
    view.horizontalHeader().setHighlightSections(False)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return view


class DropHint(QFrame):
    """What an empty dataset shows: where to drop files."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DropHint")
        colour = look.muted()
        self.setStyleSheet(
            f"#DropHint {{ border: 2px dashed {colour.name()}; border-radius: 12px; }}"
        )
        self.icon = icon = QLabel("⬇")
        icon.setFont(look.scaled_font(icon, 3.0))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = title = QLabel(DROP_TITLE)
        look.heading(title, 1.3)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.sub = QLabel(DROP_SUB)
        self.sub.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.sub.setStyleSheet(f"color: {colour.name()}")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(icon)
        layout.addWidget(title)
        layout.addWidget(self.sub)
        layout.addStretch(1)


class VideosPanel(QWidget):
    run_requested = Signal(object)  # VideoDTO
    video_selected = Signal(object)  # VideoDTO | None

    def __init__(
        self, ctx: GuiContext, uploads: UploadController, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.uploads = uploads
        self.dataset: DatasetDTO | None = None
        self.model = VideoTableModel(self)
        self.queue_model = UploadQueueModel(self)
        self._rows: Latest[list[VideoDTO]] = Latest(ctx.ops)
        uploads.item_changed.connect(self._item_changed)
        ctx.ops.changed.connect(self._changed)

        self.title = QLabel("No dataset selected")
        look.heading(self.title, 1.4)
        self.title.setWordWrap(True)  # long names and tag lists wrap, never widen the window
        self.subtitle = QLabel()
        self.subtitle.setWordWrap(True)
        self.subtitle.setStyleSheet(f"color: {look.muted().name()}")
        self.upload_button = QPushButton("⬆  Upload videos…")
        self.upload_button.setToolTip("Choose video files to upload (Ctrl+U)")
        self.upload_button.clicked.connect(self.choose_files)
        self.run_button = QPushButton("▶  Run detection…")
        self.run_button.setToolTip("Detect objects in the selected video (Ctrl+R)")
        self.run_button.clicked.connect(self._run_clicked)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the selected video to a file")
        self.export_button.clicked.connect(self.export_video)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected video with its jobs and results")
        self.delete_button.clicked.connect(self.delete_video)

        self.view = table(self.model, sort_column=6)
        self.view.setIconSize(THUMB_SIZE)
        self.view.verticalHeader().setDefaultSectionSize(THUMB_SIZE.height() + 10)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, self.model.columnCount()):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._selection())
        self.view.doubleClicked.connect(lambda _: self._run_clicked())
        self.drop_hint = DropHint()
        self.loading_hint = QLabel("Loading videos…")
        self.loading_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.loading_hint.setStyleSheet(f"color: {look.muted().name()}")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.drop_hint)
        self.stack.addWidget(self.loading_hint)

        self.queue_view = table(self.queue_model)
        self.queue_view.setItemDelegateForColumn(
            UploadQueueModel.COL_PROGRESS, ProgressDelegate(self.queue_view)
        )
        qh = self.queue_view.horizontalHeader()
        qh.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        qh.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        qh.setSectionResizeMode(UploadQueueModel.COL_PROGRESS, QHeaderView.ResizeMode.Fixed)
        qh.resizeSection(UploadQueueModel.COL_PROGRESS, 170)
        qh.setSectionResizeMode(UploadQueueModel.COL_DETAILS, QHeaderView.ResizeMode.Stretch)
        queue_title = QLabel("Uploads")
        look.heading(queue_title, 1.05)
        self.cancel_uploads = QPushButton("Cancel uploads")
        self.cancel_uploads.setToolTip("Stop the uploads that have not finished; they cost nothing")
        self.cancel_uploads.setEnabled(False)  # nothing runs yet
        self.cancel_uploads.clicked.connect(uploads.cancel_all)
        self.clear_uploads = QPushButton("Clear finished")
        self.clear_uploads.clicked.connect(self.clear_finished)
        queue_head = QHBoxLayout()
        queue_head.addWidget(queue_title)
        queue_head.addStretch(1)
        queue_head.addWidget(self.cancel_uploads)
        queue_head.addWidget(self.clear_uploads)
        self.queue_box = QWidget()
        qlayout = QVBoxLayout(self.queue_box)
        qlayout.setContentsMargins(0, 6, 0, 0)
        qlayout.addLayout(queue_head)
        qlayout.addWidget(self.queue_view)
        self.queue_box.hide()

        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        head.addLayout(titles, 1)
        # The buttons shrink to their texts before the window refuses to get narrower.
        shrink_to_text(self.upload_button, self.run_button, self.export_button, self.delete_button)
        for b in (self.upload_button, self.run_button, self.export_button, self.delete_button):
            head.addWidget(b)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("videos-splitter")
        self.splitter.addWidget(self.stack)
        self.splitter.addWidget(self.queue_box)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addLayout(head)
        layout.addWidget(self.splitter, 1)
        self.set_dataset(None)

    # -- data --------------------------------------------------------------------------------
    def set_dataset(self, dataset: DatasetDTO | None) -> None:
        changed = (dataset.id if dataset else None) != (self.dataset.id if self.dataset else None)
        self.dataset = dataset
        live = dataset is not None and not dataset.is_deleted
        self.upload_button.setEnabled(live)
        if dataset is None:
            self._rows.drop()
            self.title.setText("No dataset selected")
            self.subtitle.setText("Create a dataset on the left, then drop videos on it.")
            self.model.set_rows([])
        else:
            self.title.setText(dataset.name + (" (in the trash)" if dataset.is_deleted else ""))
            if changed:  # another dataset: a placeholder until its videos arrive
                self.model.set_rows([])
                self.reload()
        self._update_stack()
        self._selection()

    def _changed(self, changes: Change) -> None:
        if changes & Change.VIDEOS:
            self.reload()

    def reload(self) -> None:
        if self.dataset is None:
            return
        if self.dataset.is_deleted:  # its videos are hidden until it is restored
            self._rows.drop()
            self.model.set_rows([])
            self._update_stack()
            return
        self._rows.run(
            self.ctx.app.videos.list,
            self.ctx.user,
            self.dataset.id,
            success=self._show,
            failure=self._load_failed,
        )
        self._update_stack()

    @property
    def loading(self) -> bool:
        return self._rows.pending

    def _load_failed(self, exc: BaseException) -> None:
        self.ctx.ops.report(exc, "Loading videos")
        self._update_stack()  # no placeholder left saying "Loading…"

    def _show(self, rows: list[VideoDTO]) -> None:
        self.model.set_rows(sorted(rows, key=lambda v: v.created_at, reverse=True))
        if rows and self.current() is None:
            self.select(self.model.dto(0).id)
        self._update_stack()
        self._selection()

    def _update_stack(self) -> None:
        empty = self.model.rowCount() == 0
        if empty and self._rows.pending:
            self.stack.setCurrentWidget(self.loading_hint)
        else:
            self.stack.setCurrentWidget(self.drop_hint if empty else self.view)
        # Set each time from the dataset shown now, so nothing of a trashed one outlives it.
        trashed = self.dataset is not None and self.dataset.is_deleted
        self.drop_hint.icon.setVisible(not trashed)
        if trashed:
            self.drop_hint.title.setText("This dataset is in the trash")
            self.drop_hint.sub.setText("Restore this dataset to add videos.")
        else:
            self.drop_hint.title.setText(DROP_TITLE)
            self.drop_hint.sub.setText(DROP_SUB)
        n = self.model.rowCount()
        if self.dataset is not None and trashed:  # its videos are hidden, not gone
            tags = " · ".join(f"#{t}" for t in self.dataset.tags) or "no tags"
            self.subtitle.setText(f"{video_count_text(self.dataset.video_count)} · {tags}")
        elif self.dataset is not None and self._rows.pending and empty:
            tags = " · ".join(f"#{t}" for t in self.dataset.tags) or "no tags"
            self.subtitle.setText(f"Loading videos… · {tags}")
        elif self.dataset is not None:
            frames = sum(v.frame_count for v in self.model.rows())
            tags = " · ".join(f"#{t}" for t in self.dataset.tags) or "no tags"
            self.subtitle.setText(f"{n} video{'s' if n != 1 else ''} · {frames:,} frames · {tags}")

    def current(self) -> VideoDTO | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        dto = index.data(DTO_ROLE)
        return dto if isinstance(dto, VideoDTO) else None

    def select(self, video_id: uuid.UUID) -> None:
        row = self.model.row_of(video_id)
        if row >= 0:
            proxy = self.view.model()
            self.view.setCurrentIndex(proxy.mapFromSource(self.model.index(row, 0)))  # type: ignore[attr-defined]

    def _selection(self) -> None:
        video = self.current()
        ok = video is not None and self.dataset is not None and not self.dataset.is_deleted
        for b in (self.run_button, self.export_button, self.delete_button):
            b.setEnabled(ok)
        self.video_selected.emit(video)

    # -- uploads -----------------------------------------------------------------------------
    def choose_files(self) -> None:
        if self.dataset is None or self.dataset.is_deleted:
            self.ctx.notify("Select a dataset first; videos are uploaded into it.", "warning")
            return
        paths, _ = QFileDialog.getOpenFileNames(self, "Upload videos", "", VIDEO_FILTER)
        if paths:
            self.uploads.upload(self.dataset.id, paths, dataset_name=self.dataset.name)

    def _item_changed(self, item: UploadItem) -> None:
        self.queue_model.upsert(item, at=self.queue_model.rowCount())
        self.queue_box.show()
        self._update_queue_buttons()

    def _update_queue_buttons(self) -> None:
        """Cancel while some row is still under way; Clear once some row has finished."""
        rows = self.queue_model.rows()
        self.cancel_uploads.setEnabled(any(not r.finished for r in rows))
        self.clear_uploads.setEnabled(any(r.finished for r in rows))

    def clear_finished(self) -> None:
        for item in self.queue_model.rows():
            if item.finished:
                self.queue_model.remove(item.id)
        self._update_queue_buttons()
        if self.queue_model.rowCount() == 0:
            self.queue_box.hide()

    # -- other actions -----------------------------------------------------------------------
    def _run_clicked(self) -> None:
        video = self.current()
        if video is not None:
            self.run_requested.emit(video)

    def export_video(self) -> None:
        video = self.current()
        if video is None:
            return
        path = ask_export_path(self, self.ctx.app.paths.config_dir, "Export video", video.name)
        if path is None:
            return
        self.ctx.ops.long(
            self.ctx.app.videos.export,
            self.ctx.user,
            video.id,
            path,
            success=lambda out: self.ctx.notify(f"Saved {out}.", "success"),
            context="Export",
        )

    def delete_video(self) -> None:
        video = self.current()
        if video is None:
            return
        if not dialogs.confirm(
            self,
            "Delete video",
            f"Delete '{video.name}' with its jobs and results? "
            "This cannot be undone (credits already spent stay spent).",
            action="Delete",
        ):
            return

        def deleted(_: object) -> None:
            self.model.remove(video.id)  # at once; the reload that follows agrees
            self._update_stack()
            self.ctx.notify(f"'{video.name}' deleted.", "success")

        self.ctx.ops.write(
            self.ctx.app.videos.delete,
            self.ctx.user,
            video.id,
            changes=Change.VIDEOS | Change.DATASETS | Change.JOBS,
            success=deleted,
            context="Delete",
        )
