"""The jobs table (live status, progress, fps, cost, carbon, times) and the live frame."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from videolab.domain.dto import JobDTO
from videolab.domain.enums import JobStatus
from videolab.gui.context import GuiContext
from videolab.gui.controllers.jobs import JobController
from videolab.gui.models.jobs import JobTableModel, LiveProgress
from videolab.gui.models.roles import DTO_ROLE
from videolab.gui.widgets import look
from videolab.gui.widgets.delegates import ProgressDelegate, StatusDelegate
from videolab.gui.widgets.frame_view import FrameView
from videolab.gui.widgets.videos_panel import table


class LivePreview(QWidget):
    """The latest annotated frame of the running job."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job_id: uuid.UUID | None = None
        self.title = QLabel("Live preview")
        look.heading(self.title, 1.1)
        self.detail = QLabel("Start a detection job to watch it here.")
        self.detail.setStyleSheet(f"color: {look.muted().name()}")
        self.detail.setWordWrap(True)
        self.view = FrameView(placeholder="Waiting for the first frame…")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        layout.addWidget(self.view, 1)

    def follow(self, job: JobDTO) -> None:
        if job.id != self.job_id:
            self.job_id = job.id
            self.view.set_image(None)
        self.title.setText(f"Live — {job.video_name}")
        self.detail.setText(f"{job.status.value.capitalize()} · model {job.params.get('model', '?')}")

    def show_frame(self, job_id: uuid.UUID, frame_index: int, jpeg: bytes) -> None:
        if self.job_id is not None and job_id != self.job_id:
            return
        if self.view.set_jpeg(jpeg):
            self.view.caption = f"frame {frame_index}"

    def show_progress(self, job_id: uuid.UUID, live: LiveProgress) -> None:
        if job_id == self.job_id:
            self.detail.setText(f"Running · {live.done:,} of {live.total:,} frames · "
                                f"{live.fps:.1f} frames/s")


class JobsPanel(QWidget):
    open_results = Signal(object)  # JobDTO

    def __init__(self, ctx: GuiContext, jobs: JobController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.jobs = jobs
        self.model = JobTableModel(self)
        jobs.job_changed.connect(self.job_changed)
        jobs.progress.connect(self._progress)

        title = QLabel("Detection jobs")
        look.heading(title, 1.4)
        self.cancel_button = QPushButton("■  Cancel job")
        self.cancel_button.setToolTip("Stop the selected job (Ctrl+.); you pay only for the "
                                      "frames already processed")
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.results_button = QPushButton("Open results")
        self.results_button.setToolTip("Show the selected job's detections (Enter)")
        self.results_button.clicked.connect(self._open_selected)
        head = QHBoxLayout()
        head.addWidget(title, 1)
        head.addWidget(self.cancel_button)
        head.addWidget(self.results_button)

        self.view = table(self.model, sort_column=8)
        self.view.setItemDelegateForColumn(JobTableModel.COL_STATUS, StatusDelegate(self.view))
        self.view.setItemDelegateForColumn(JobTableModel.COL_PROGRESS, ProgressDelegate(self.view))
        self.view.verticalHeader().setDefaultSectionSize(34)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(JobTableModel.COL_PROGRESS, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(JobTableModel.COL_PROGRESS, 130)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._selection())
        self.view.doubleClicked.connect(lambda _: self._open_selected())
        self.live = LivePreview()
        jobs.preview.connect(self.live.show_frame)
        jobs.progress.connect(self.live.show_progress)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("jobs-splitter")
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.live)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addLayout(head)
        layout.addWidget(self.splitter, 1)
        self._selection()

    def reload(self) -> None:
        try:
            rows = self.ctx.app.jobs.list(self.ctx.user)
        except Exception as exc:
            self.ctx.errors.handle(exc, "Loading jobs")
            return
        self.model.set_rows(sorted(rows, key=lambda j: j.created_at, reverse=True))
        self._selection()

    def job_changed(self, job: JobDTO) -> None:
        if job.status.is_final:
            self.model.clear_live(job.id)
        self.model.upsert(job, at=0)
        if job.status in (JobStatus.PENDING, JobStatus.RUNNING) or job.id == self.live.job_id:
            self.live.follow(job)
        if self.current() is None:
            self.select(job.id)
        self._selection()

    def _progress(self, job_id: uuid.UUID, live: LiveProgress) -> None:
        self.model.set_live(job_id, live)

    def current(self) -> JobDTO | None:
        index = self.view.currentIndex()
        dto = index.data(DTO_ROLE) if index.isValid() else None
        return dto if isinstance(dto, JobDTO) else None

    def select(self, job_id: uuid.UUID) -> None:
        row = self.model.row_of(job_id)
        if row >= 0:
            proxy = self.view.model()
            self.view.setCurrentIndex(proxy.mapFromSource(self.model.index(row, 0)))  # type: ignore[attr-defined]

    def _selection(self) -> None:
        job = self.current()
        self.cancel_button.setEnabled(job is not None and not job.status.is_final)
        self.results_button.setEnabled(job is not None and job.has_result)

    def cancel_selected(self) -> None:
        job = self.current()
        if job is not None and not job.status.is_final:
            self.jobs.cancel(job.id)

    def _open_selected(self) -> None:
        job = self.current()
        if job is not None and job.has_result:
            self.open_results.emit(job)
