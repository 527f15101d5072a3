"""The results of one job: frame slider and playback, thumbnails, detections of the current
frame, boxes and labels on/off, per-class counts over time, and exports."""

from __future__ import annotations

import uuid
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QPushButton,
    QSlider,
    QSplitter,
    QStackedWidget,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from videolab.domain.dto import JobDTO, UserDTO
from videolab.gui import format as fmt
from videolab.gui.context import GuiContext
from videolab.gui.frames import FrameReader, make_thumbnails, sample
from videolab.gui.models.results import DetectionTableModel, ThumbnailStripModel
from videolab.gui.models.roles import ID_ROLE
from videolab.gui.ops import Latest, Queue
from videolab.gui.widgets import look
from videolab.gui.widgets.counts_chart import CountsChart
from videolab.gui.widgets.frame_view import FrameView
from videolab.gui.widgets.videos_panel import table
from videolab.services.app import VideoLab

EXPORTS = (
    ("json", "JSON", "json"),
    ("coco", "COCO", "json"),
    ("csv", "CSV", "csv"),
    ("zip", "ZIP of frames", "zip"),
)
STRIP_SIZE = 40


def load_result(
    app: VideoLab, user: UserDTO, job_id: uuid.UUID
) -> tuple[dict[str, Any], Path | None]:
    """The result JSON and a local copy of the video (worker code)."""
    job = app.jobs.get(user, job_id)
    result = app.jobs.result(user, job_id)
    video = None
    if job.video_id is not None:  # None once the video is deleted
        try:
            video = app.videos.local_copy(user, job.video_id)
        except Exception:  # the frames can still come from the stored ZIP
            video = None
    return result, video


class ResultsViewer(QWidget):
    frame_shown = Signal(int)
    exported = Signal(str, str)  # format, path
    loaded = Signal()

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.job: JobDTO | None = None
        self.result: dict[str, Any] = {}
        self.frames: list[int] = []
        self.by_index: dict[int, list[dict[str, Any]]] = {}
        self.reader: FrameReader | None = None
        self.current_frame: int | None = None
        # Long file work, latest wins: opening another job, or scrubbing on, drops the answer
        # to the previous request (the ZIP of annotated frames is materialised and hashed the
        # first time a frame is read from it: never on the GUI thread).
        self._load: Latest[tuple[dict[str, Any], Path | None]] = Latest(ctx.ops, Queue.FILE)
        self._frame: Latest[bytes] = Latest(ctx.ops, Queue.FILE)
        self._thumbs: Latest[int] = Latest(ctx.ops, Queue.FILE)

        self.title = QLabel("Results")
        look.heading(self.title, 1.4)
        self.summary = QLabel()
        self.summary.setStyleSheet(f"color: {look.muted().name()}")
        self.summary.setWordWrap(True)
        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(self.title)
        titles.addWidget(self.summary)
        head.addLayout(titles, 1)
        head.addWidget(QLabel("Export:"))
        self.export_buttons: dict[str, QPushButton] = {}
        for key, label, _ext in EXPORTS:
            button = QPushButton(label)
            button.setToolTip(f"Save the result as {label}")
            button.clicked.connect(lambda _=False, k=key: self.export(k))
            head.addWidget(button)
            self.export_buttons[key] = button

        self.view = FrameView(placeholder="Choose a finished job in Jobs to see its detections.")
        self.boxes = QCheckBox("Boxes")
        self.boxes.setChecked(True)
        self.labels = QCheckBox("Labels")
        self.boxes.toggled.connect(self._boxes_toggled)
        self.labels.setChecked(True)
        self.labels.toggled.connect(lambda on: self.view.set_overlay(labels=on))
        sp = QStyle.StandardPixmap
        self.first_button = self._tool(
            sp.SP_MediaSkipBackward, "First frame (Home)", lambda: self.step_to(0)
        )
        self.prev_button = self._tool(
            sp.SP_MediaSeekBackward, "Previous frame (Left)", lambda: self.step(-1)
        )
        self.play_button = self._tool(sp.SP_MediaPlay, "Play / pause (Space)", self.toggle_play)
        self.next_button = self._tool(
            sp.SP_MediaSeekForward, "Next frame (Right)", lambda: self.step(1)
        )
        self.last_button = self._tool(
            sp.SP_MediaSkipForward, "Last frame (End)", lambda: self.step_to(-1)
        )
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.valueChanged.connect(self._slider_moved)
        self.frame_label = QLabel("–")
        self.frame_label.setMinimumWidth(150)
        controls = QHBoxLayout()
        for w in (
            self.first_button,
            self.prev_button,
            self.play_button,
            self.next_button,
            self.last_button,
        ):
            controls.addWidget(w)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.frame_label)
        controls.addWidget(self.boxes)
        controls.addWidget(self.labels)

        self.strip_model = ThumbnailStripModel(self)
        self.strip = QListView()
        self.strip.setModel(self.strip_model)
        self.strip.setViewMode(QListView.ViewMode.IconMode)
        self.strip.setFlow(QListView.Flow.LeftToRight)
        self.strip.setWrapping(False)
        self.strip.setIconSize(QSize(96, 54))
        self.strip.setSpacing(4)
        self.strip.setFixedHeight(100)
        self.strip.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.strip.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.strip.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.strip.clicked.connect(lambda idx: self.show_frame(int(idx.data(ID_ROLE))))

        self.det_model = DetectionTableModel(self)
        self.det_view = table(self.det_model, sort_column=1)
        dh = self.det_view.horizontalHeader()
        dh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        dh.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.det_view.selectionModel().currentRowChanged.connect(self._detection_selected)
        self.det_title = QLabel("Detections")
        look.heading(self.det_title, 1.05)
        self.chart = CountsChart()
        self.chart.frame_clicked.connect(self.show_frame)
        chart_title = QLabel("Detections per class over time")
        look.heading(chart_title, 1.05)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.view, 1)
        ll.addLayout(controls)
        ll.addWidget(self.strip)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(6, 0, 0, 0)
        rl.addWidget(self.det_title)
        rl.addWidget(self.det_view, 2)
        rl.addWidget(chart_title)
        rl.addWidget(self.chart, 2)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("results-splitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        self.empty = QLabel(
            "No results open.\nFinished jobs are listed under Jobs; "
            "double-click one to open its results here."
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet(f"color: {look.muted().name()}")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.splitter)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addLayout(head)
        layout.addWidget(self.stack, 1)

        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        for qt_key, fn in (
            (Qt.Key.Key_Space, self.toggle_play),
            (Qt.Key.Key_Left, lambda: self.step(-1)),
            (Qt.Key.Key_Right, lambda: self.step(1)),
            (Qt.Key.Key_Home, lambda: self.step_to(0)),
            (Qt.Key.Key_End, lambda: self.step_to(-1)),
        ):
            shortcut = QShortcut(QKeySequence(qt_key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(fn)
        self._set_enabled(False)

    def _tool(self, icon: QStyle.StandardPixmap, tip: str, fn) -> QToolButton:
        button = QToolButton()
        button.setIcon(self.style().standardIcon(icon))
        button.setAutoRaise(True)
        button.setToolTip(tip)
        button.setMinimumWidth(32)
        button.clicked.connect(fn)
        return button

    def _boxes_toggled(self, on: bool) -> None:
        self.view.set_overlay(boxes=on)
        self.labels.setEnabled(on)

    def _set_enabled(self, on: bool) -> None:
        for w in (
            *self.export_buttons.values(),
            self.first_button,
            self.prev_button,
            self.play_button,
            self.next_button,
            self.last_button,
            self.slider,
            self.boxes,
            self.labels,
        ):
            w.setEnabled(on)
        self.stack.setCurrentWidget(self.splitter if on or self.job else self.empty)

    # -- loading -----------------------------------------------------------------------------
    def open_job(self, job: JobDTO) -> None:
        self.stop()
        self.close_reader()
        self.job = job
        self.title.setText(f"Results — {job.video_name}")
        self.summary.setText("Loading…")
        self._set_enabled(False)
        self._frame.drop()
        self._load.run(
            load_result, self.ctx.app, self.ctx.user, job.id, success=self._loaded,
            context="Opening the results",
        )

    def _loaded(self, value: tuple[dict[str, Any], Path | None]) -> None:
        result, video_path = value
        self.result = result
        frames = result.get("frames", [])
        self.by_index = {int(f["index"]): list(f.get("detections", [])) for f in frames}
        self.frames = sorted(self.by_index)
        self.reader = FrameReader(video_path) if video_path is not None else None
        self._summarise()
        self._chart()
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(self.frames) - 1))
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self._set_enabled(bool(self.frames))
        if self.frames:
            self.show_frame(self.frames[0])
        self._thumbnails(video_path)
        self.loaded.emit()

    def _summarise(self) -> None:
        summary = self.result.get("summary", {})
        per_class = summary.get("per_class", {})
        counts = ", ".join(f"{n} {name}" for name, n in per_class.items()) or "no detections"
        carbon = self.result.get("carbon") or {}
        parts = [
            f"{summary.get('processed_frames', len(self.frames)):,} frames",
            counts,
            f"model {self.result.get('model', {}).get('name', '?')}",
        ]
        if summary.get("device"):
            parts.append(f"{summary.get('device')} / {summary.get('backend', '?')}")
        if summary.get("fps"):
            parts.append(f"{float(summary['fps']):.1f} frames/s")
        if carbon.get("grams") is not None:
            parts.append(fmt.carbon(float(carbon["grams"])))
        self.summary.setText(" · ".join(parts))

    def _chart(self) -> None:
        names = self.result.get("model", {}).get("classes", {})
        series: dict[str, tuple[int, list[int]]] = {}
        ids = sorted({int(d.get("class_id", 0)) for dets in self.by_index.values() for d in dets})
        for cid in ids:
            name = str(names.get(str(cid), cid))
            values = [
                sum(1 for d in self.by_index[f] if int(d.get("class_id", -1)) == cid)
                for f in self.frames
            ]
            series[name] = (cid, values)
        self.chart.set_data(self.frames, series)

    def _thumbnails(self, video_path: Path | None) -> None:
        chosen = sample(self.frames, STRIP_SIZE)
        self.strip_model.set_frames(chosen)
        if video_path is None or not chosen:
            return
        self._thumbs.run(
            make_thumbnails, video_path, chosen, success=lambda _n: None,
            progress=self._thumbnail, context="Thumbnails",
        )

    def _thumbnail(self, value: tuple[int, bytes]) -> None:
        frame, jpeg = value
        image = QImage.fromData(jpeg)
        if not image.isNull():
            self.strip_model.set_thumbnail(frame, QPixmap.fromImage(image))

    def close_reader(self) -> None:
        self._thumbs.drop()
        self._frame.drop()
        if self.reader is not None:
            self.reader.close()
            self.reader = None

    # -- navigation --------------------------------------------------------------------------
    def show_frame(self, frame: int) -> None:
        if frame not in self.by_index:
            return
        self.current_frame = frame
        detections = self.by_index[frame]
        image = self.reader.image(frame) if self.reader is not None else None
        if image is None and self.job is not None:
            # No local video: the annotated frame comes from the stored ZIP, off the GUI
            # thread; the previous frame stays on screen until it lands.
            self._frame.run(
                self.ctx.app.jobs.frame_image, self.ctx.user, self.job.id, frame,
                success=self._zip_frame, context="Reading the frame",
            )
        else:
            self._frame.drop()
            self.view.set_image(image, detections)
        self.det_model.set_detections(detections)
        self.det_title.setText(f"Detections in frame {frame} ({len(detections)})")
        pos = self.frames.index(frame)
        self.slider.blockSignals(True)
        self.slider.setValue(pos)
        self.slider.blockSignals(False)
        fps = float(self.result.get("video", {}).get("fps") or 0)
        time_s = frame / fps if fps else 0.0
        self.frame_label.setText(f"frame {frame} · {time_s:.2f} s · {pos + 1}/{len(self.frames)}")
        self.chart.set_cursor(frame)
        row = self.strip_model.row_of(frame)
        if row >= 0:
            self.strip.setCurrentIndex(self.strip_model.index(row))
        self.frame_shown.emit(frame)

    def _zip_frame(self, jpeg: bytes) -> None:
        image = QImage.fromData(jpeg)
        self.view.set_image(None if image.isNull() else image, [])  # boxes are drawn in

    def _slider_moved(self, pos: int) -> None:
        if 0 <= pos < len(self.frames):
            self.show_frame(self.frames[pos])

    def step(self, delta: int) -> None:
        if not self.frames:
            return
        pos = self.frames.index(self.current_frame) if self.current_frame in self.by_index else 0
        self.show_frame(self.frames[max(0, min(len(self.frames) - 1, pos + delta))])

    def step_to(self, pos: int) -> None:
        if self.frames:
            self.show_frame(self.frames[pos])

    def toggle_play(self) -> None:
        if self.timer.isActive():
            self.stop()
            return
        if not self.frames:
            return
        if self.current_frame == self.frames[-1]:
            self.show_frame(self.frames[0])
        fps = float(self.result.get("video", {}).get("fps") or 25.0)
        stride = int(self.result.get("params", {}).get("stride") or 1)
        self.timer.start(max(40, int(1000 * stride / fps)))
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPause))

    def stop(self) -> None:
        self.timer.stop()
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))

    def _tick(self) -> None:
        if not self.frames or self.current_frame == self.frames[-1]:
            self.stop()
            return
        self.step(1)

    def _detection_selected(self, current: Any, _previous: Any) -> None:
        if not current.isValid():
            self.view.set_highlight(None)
            return
        self.view.set_highlight(self.det_view.model().mapToSource(current).row())  # type: ignore[attr-defined]

    # -- export ------------------------------------------------------------------------------
    def export(self, key: str) -> None:
        if self.job is None:
            return
        ext = next(e for k, _label, e in EXPORTS if k == key)
        stem = Path(self.job.video_name).stem
        suggested = f"{stem}-{key}.{ext}"
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export {key.upper()}", suggested, f"{ext.upper()} (*.{ext})"
        )
        if not path:
            return
        self.ctx.ops.long(
            self.ctx.app.jobs.export_result,
            self.ctx.user,
            self.job.id,
            key,
            Path(path),
            success=partial(self._exported, key),
            context="Export",
        )

    def _exported(self, key: str, path: Path) -> None:
        self.ctx.notify(f"Exported {key.upper()} to {path}.", "success")
        self.exported.emit(key, str(path))
