"""The jobs table (live status, progress, fps, cost, carbon, times) and the live frame."""

from __future__ import annotations

import uuid
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from videolab.domain.dto import JobDTO
from videolab.domain.enums import JobStatus
from videolab.gui import format as fmt
from videolab.gui.changes import Change
from videolab.gui.context import GuiContext
from videolab.gui.controllers.jobs import JobController
from videolab.gui.models.jobs import JobTableModel, LiveProgress, status_word
from videolab.gui.models.roles import DTO_ROLE
from videolab.gui.ops import Latest
from videolab.gui.widgets import look
from videolab.gui.widgets.delegates import ProgressDelegate, StatusDelegate
from videolab.gui.widgets.frame_view import FrameView
from videolab.gui.widgets.videos_panel import table

#: How often the table re-reads jobs that run in a process this window did not start.
FOLLOW_OTHERS_MS = 2000


class LivePreview(QWidget):
    """The latest annotated frame of the running job, beside what the job was asked to do."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job_id: uuid.UUID | None = None
        #: What the followed job's process is doing before its first frame ("" after it).
        self.phase = ""
        self.title = QLabel("Live preview")
        look.heading(self.title, 1.1)
        self.detail = QLabel("Start a detection job to watch it here.")
        self.detail.setStyleSheet(f"color: {look.muted().name()}")
        self.detail.setWordWrap(True)
        self.view = FrameView(
            placeholder="The latest annotated frame of a running job appears here."
        )
        self.facts = QFormLayout()
        self.facts.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.fact_labels: dict[str, QLabel] = {}
        for name in ("Model", "Thresholds", "Image size", "Frames", "Device", "Cost", "Started"):
            value = QLabel("–")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fact_labels[name] = value
            caption = QLabel(name)
            caption.setStyleSheet(f"color: {look.muted().name()}")
            self.facts.addRow(caption, value)
        facts_box = QWidget()
        facts_box.setFixedWidth(250)
        fl = QVBoxLayout(facts_box)
        fl.setContentsMargins(12, 0, 0, 0)
        fl.addWidget(self.title)
        fl.addWidget(self.detail)
        fl.addSpacing(8)
        fl.addLayout(self.facts)
        fl.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(facts_box)

    def follow(self, job: JobDTO) -> None:
        if job.id != self.job_id:
            self.job_id = job.id
            self.phase = ""
            self.view.set_image(None)
            self.view.caption = ""
        self.title.setText(job.video_name)
        if self.phase and not job.status.is_final:  # a re-read must not hide "Calibrating…"
            self.detail.setText(f"{self.phase}…")
        else:
            self.detail.setText(status_word(job.status) + (f" — {job.error}" if job.error else ""))
        p = job.params
        end = p.get("end")
        facts = {
            "Model": str(Path(str(p.get("model", "?"))).name),
            "Thresholds": f"conf {p.get('conf', '?')} · IoU {p.get('iou', '?')}",
            "Image size": f"{p.get('imgsz', '?')} px",
            "Frames": f"{p.get('start', 0)}–{end if end is not None else 'end'}, "
            f"every {p.get('stride', 1)} ({job.frames_total:,})",
            "Device": " / ".join(
                x
                for x in (
                    job.device or str(p.get("device", "auto")),
                    job.backend or str(p.get("backend", "auto")),
                )
                if x
            ),
            "Cost": job.money_text(fmt.amount),
            "Started": fmt.date_time(job.started_at) or "waiting",
        }
        for name, text in facts.items():
            self.fact_labels[name].setText(text)

    def show_frame(self, job_id: uuid.UUID, frame_index: int, jpeg: bytes) -> None:
        if self.job_id is not None and job_id != self.job_id:
            return
        if self.view.set_jpeg(jpeg):
            self.view.caption = f"frame {frame_index}"

    def show_progress(self, job_id: uuid.UUID, live: LiveProgress) -> None:
        if job_id != self.job_id:
            return
        self.phase = live.phase
        if live.phase:  # before the first frame: exporting, calibrating, loading the model
            self.detail.setText(f"{live.phase}…")
        else:
            self.detail.setText(
                f"Running · {live.done:,} of {live.total:,} frames · {live.fps:.1f} frames/s"
            )


class JobsPanel(QWidget):
    open_results = Signal(object)  # JobDTO

    def __init__(self, ctx: GuiContext, jobs: JobController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.jobs = jobs
        self.model = JobTableModel(self)
        jobs.job_changed.connect(self.job_changed)
        jobs.progress.connect(self._progress)
        # A job just started is the one to watch and to cancel: select it, whatever row was.
        jobs.submitted.connect(lambda job: self.select(job.id))

        title = QLabel("Detection jobs")
        look.heading(title, 1.4)
        self.cancel_button = QPushButton("■  Cancel job")
        self.cancel_button.setToolTip(
            "Stop the selected job (Ctrl+.); you pay only for the frames already processed"
        )
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

        self.placeholder = QLabel("Loading jobs…")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet(f"color: {look.muted().name()}")
        self.table_stack = QStackedWidget()
        self.table_stack.addWidget(self.placeholder)
        self.table_stack.addWidget(self.view)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("jobs-splitter")
        self.splitter.addWidget(self.table_stack)
        self.splitter.addWidget(self.live)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([260, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addLayout(head)
        layout.addWidget(self.splitter, 1)
        # No timer polls the table: this window's job processes announce when a job starts
        # and ends, and writes announce JOBS (see videolab.gui.changes).
        self._rows: Latest[list[JobDTO]] = Latest(ctx.ops)
        ctx.ops.changed.connect(self._changed)
        # The exception: a job no process of this window reports on (kept running when the
        # app quit, or run from the command line) is re-read every few seconds until it ends.
        self._follow = QTimer(self)
        self._follow.setSingleShot(True)
        self._follow.setInterval(FOLLOW_OTHERS_MS)
        self._follow.timeout.connect(self.reload)
        self._selection()

    def _changed(self, changes: Change) -> None:
        if changes & Change.JOBS:
            self.reload()

    def reload(self) -> None:
        self._rows.run(
            self.ctx.app.jobs.list, self.ctx.user, success=self._show, failure=self._load_failed
        )

    def _load_failed(self, exc: BaseException) -> None:
        self.ctx.ops.report(exc, "Loading jobs")
        self.table_stack.setCurrentWidget(self.view)  # no placeholder left saying "Loading…"

    @property
    def loading(self) -> bool:
        return self._rows.pending

    def _show(self, rows: list[JobDTO]) -> None:
        self.model.set_rows(sorted(rows, key=lambda j: j.created_at, reverse=True))
        for job in rows:
            if job.status.is_final:
                self.model.clear_live(job.id)
            if job.id == self.live.job_id:
                self.live.follow(job)
        if self.live.job_id is None:  # e.g. a job kept running when the app last quit
            running = next((j for j in rows if not j.status.is_final), None)
            if running is not None:
                self.live.follow(running)
        self.table_stack.setCurrentWidget(self.view)
        if any(not j.status.is_final and j.id not in self.jobs.workers for j in rows):
            self._follow.start()
        if rows and self.current() is None:
            self.select(self.model.dto(0).id)
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
            self._selection()

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
