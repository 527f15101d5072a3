"""The results of one job: frame slider and playback, thumbnails, detections of the current
frame, boxes and labels on/off, per-class counts over time, and exports. A tracked job adds
track ids, trails, following one track through its frames, an annotated MP4 and counting
lines and zones drawn on the frame."""

from __future__ import annotations

import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressDialog,
    QPushButton,
    QSizePolicy,
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
from videolab.gui.changes import Change
from videolab.gui.context import GuiContext
from videolab.gui.frames import FrameReader, make_thumbnails, sample
from videolab.gui.models.jobs import job_rate, job_seconds, took
from videolab.gui.models.results import DetectionTableModel, ThumbnailStripModel, media_time
from videolab.gui.models.roles import DTO_ROLE, ID_ROLE
from videolab.gui.ops import Latest, Queue
from videolab.gui.save_dialog import ask_export_path, suggested_name
from videolab.gui.widgets import look
from videolab.gui.widgets.counts_chart import CountsChart
from videolab.gui.widgets.elided import ElidedLines
from videolab.gui.widgets.filmstrip import Filmstrip
from videolab.gui.widgets.frame_view import FrameView
from videolab.gui.widgets.responsive import shrink_to_text
from videolab.gui.widgets.videos_panel import table
from videolab.services.app import VideoLab
from videolab.services.tracks import count_drawn

EXPORTS = (
    ("json", "JSON", "json"),
    ("coco", "COCO", "json"),
    ("csv", "CSV", "csv"),
    ("zip", "ZIP of frames", "zip"),
)
STRIP_SIZE = 40
TRAIL_SECONDS = 1.5


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


def export_mp4(
    app: VideoLab,
    user: UserDTO,
    job_id: uuid.UUID,
    out: Path,
    *,
    progress: Callable[[Any], None],
    cancel: threading.Event,
) -> Path:
    """The annotated MP4 (worker code); progress reports (frames done, total)."""
    report = app.tracks.export_mp4(
        user, job_id, out, progress=lambda done, total: progress((done, total)), cancel=cancel
    )
    return report.path


Points = list[tuple[float, float]]


def load_geometry(
    app: VideoLab, user: UserDTO, job_id: uuid.UUID
) -> tuple[list[Points], list[Points]]:
    """The counting lines and zones saved with a result, as point lists (worker code)."""
    lines, zones = app.tracks.saved_geometry(user, job_id)
    return [list(ln.points) for ln in lines], [list(z.points) for z in zones]


def counts_text(counts: Any) -> str:
    """Line crossings per class and direction, and each zone's busiest moment."""
    rows: list[str] = []
    by_line: dict[str, list[str]] = {}
    for c in counts.lines:
        entry = by_line.setdefault(c.line, [])
        if c.in_count or c.out_count:
            entry.append(f"{c.class_name} {c.in_count} in / {c.out_count} out")
    for name, parts in by_line.items():
        rows.append(f"{name}: {', '.join(parts) if parts else 'no crossings'}")
    busiest: dict[str, tuple[int, int]] = {}
    per_frame: dict[tuple[str, int], int] = {}
    for z in counts.zones:
        per_frame[(z.zone, z.frame)] = per_frame.get((z.zone, z.frame), 0) + z.occupancy
    for (zone, frame), total in per_frame.items():
        if zone not in busiest or total > busiest[zone][0]:
            busiest[zone] = (total, frame)
    for zone, (total, frame) in busiest.items():
        rows.append(f"{zone}: at most {total} object(s) inside (frame {frame})")
    return "\n".join(rows)


def frame_times(result: dict[str, Any]) -> dict[int, float]:
    """Each processed frame's time in the video: its ``time_s`` (the frame's own timestamp,
    right for variable frame rate video too); frame / fps only for a frame without one."""
    fps = float(result.get("video", {}).get("fps") or 0.0)
    times = {}
    for f in result.get("frames", []):
        index = int(f["index"])
        time_s = f.get("time_s")
        times[index] = float(time_s) if time_s is not None else (index / fps if fps else 0.0)
    return times


def speed_texts(summary: dict[str, Any], job: JobDTO | None) -> list[str]:
    """The job's speed, named for what it measures. The result's ``fps`` is the detection
    rate (frames over the time from the first frame to the last, the model already loaded);
    the Jobs table shows frames over the job's whole run (start to end, loading the model,
    exporting it, saving the result included). Both are shown, each with its name, and the
    second is the Jobs table's own figure."""
    texts = []
    if summary.get("fps"):
        texts.append(f"detection {float(summary['fps']):.1f} frames/s")
    overall = job_rate(job) if job is not None else None
    if overall is not None and job is not None:
        texts.append(
            f"whole job {overall:.1f} frames/s in {took(job_seconds(job))}"
        )
    return texts


class ResultsViewer(QWidget):
    frame_shown = Signal(int)
    exported = Signal(str, str)  # format, path
    counts_shown = Signal(str)  # the counts text, once computed
    loaded = Signal()

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.job: JobDTO | None = None
        self.result: dict[str, Any] = {}
        self.frames: list[int] = []
        #: Each processed frame's time in the video (the result's ``time_s``): the real
        #: timestamps of a variable frame rate video, not frame / fps.
        self.times: dict[int, float] = {}
        self.by_index: dict[int, list[dict[str, Any]]] = {}
        self.reader: FrameReader | None = None
        self.current_frame: int | None = None
        # Long file work, latest wins: opening another job, or scrubbing on, drops the answer
        # to the previous request (the ZIP of annotated frames is materialised and hashed the
        # first time a frame is read from it: never on the GUI thread).
        self._load: Latest[tuple[dict[str, Any], Path | None]] = Latest(ctx.ops, Queue.FILE)
        self._frame: Latest[bytes] = Latest(ctx.ops, Queue.FILE)
        self._thumbs: Latest[int] = Latest(ctx.ops, Queue.FILE)
        # Counting: the saved lines and zones (a query), their counts (long work on the result
        # in memory, with progress; a newer drawing or another job drops the older count).
        self._geometry: Latest[tuple[list[Points], list[Points]]] = Latest(ctx.ops)
        self._counting: Latest[Any] = Latest(ctx.ops, Queue.FILE)
        self._saving = 0  # counting writes under way: a reload then would show older lines
        ctx.ops.changed.connect(self._changed)

        # Cut with "…" rather than widen the page: a long video name set the window's
        # minimum width.
        self.title = ElidedLines(1)
        look.heading(self.title, 1.4)
        self.title.setText("Results")
        # Two lines whose height never depends on the text (what was found; how it ran): a
        # wrapped label grew a turn after its text did and was painted over the title.
        self.summary = ElidedLines(2)
        self.summary.setStyleSheet(f"color: {look.muted().name()}")
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(QLabel("Export:"))
        self.export_buttons: dict[str, QPushButton] = {}
        for key, label, _ext in EXPORTS:
            button = QPushButton(label)
            button.setToolTip(f"Save the result as {label}")
            button.clicked.connect(lambda _=False, k=key: self.export(k))
            head.addWidget(button)
            self.export_buttons[key] = button
        mp4 = QPushButton("MP4")
        mp4.setToolTip(
            "Save the video with its boxes, labels and track ids drawn (H.264, plays anywhere)"
        )
        mp4.clicked.connect(self.export_mp4)
        head.addWidget(mp4)
        self.export_buttons["mp4"] = mp4
        self.mp4_dialog: QProgressDialog | None = None
        self._mp4: Any = None  # the export's worker, while it runs

        self.view = FrameView(placeholder="Choose a finished job in Jobs to see its detections.")
        self.boxes = QCheckBox("Boxes")
        self.boxes.setChecked(True)
        self.labels = QCheckBox("Labels")
        self.boxes.toggled.connect(self._boxes_toggled)
        self.labels.setChecked(True)
        self.labels.toggled.connect(lambda on: self.view.set_overlay(labels=on))
        self.trails = QCheckBox("Trails")
        self.trails.setToolTip(f"Each track's path over the last {TRAIL_SECONDS:g} s")
        self.trails.toggled.connect(lambda _on: self._update_trails())
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
        # A fixed width (sized for the longest text this result can show, set when it
        # loads), so nothing beside it moves as the frame changes.
        self.frame_label = QLabel("–")
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
        # The frame position and the overlay switches on their own row: with Trails beside
        # them the slider had no width left in a 1024-pixel window. The slider takes all the
        # row's width the buttons leave.
        self.slider.setMinimumWidth(160)
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        overlays = QHBoxLayout()
        overlays.addWidget(self.frame_label)
        overlays.addStretch(1)
        overlays.addWidget(self.boxes)
        overlays.addWidget(self.labels)
        overlays.addWidget(self.trails)

        self.strip_model = ThumbnailStripModel(self)
        self.strip = Filmstrip()
        self.strip.setModel(self.strip_model)
        self.strip.clicked.connect(lambda idx: self.show_frame(int(idx.data(ID_ROLE))))

        self.det_model = DetectionTableModel(self)
        self.det_view = table(self.det_model, sort_column=1)
        dh = self.det_view.horizontalHeader()
        dh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        dh.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.det_view.selectionModel().currentRowChanged.connect(self._detection_selected)
        self.det_title = QLabel("Detections")
        look.heading(self.det_title, 1.05)
        # A tracked result: selecting a box selects its track, listed and stepped through here.
        self.selected_track: int | None = None
        self.track_frames: list[int] = []
        self.track_label = QLabel("Select a box with a track id to follow its object.")
        self.track_label.setWordWrap(True)
        self.track_prev = QPushButton("◀ Track")
        self.track_prev.setToolTip("Previous frame where the selected track appears")
        self.track_prev.clicked.connect(lambda: self.step_track(-1))
        self.track_next = QPushButton("Track ▶")
        self.track_next.setToolTip("Next frame where the selected track appears")
        self.track_next.clicked.connect(lambda: self.step_track(1))
        track_row = QHBoxLayout()
        track_row.addWidget(self.track_label, 1)
        track_row.addWidget(self.track_prev)
        track_row.addWidget(self.track_next)
        self.chart = CountsChart()
        self.chart.frame_clicked.connect(self.show_frame)
        chart_title = QLabel("Detections per class over time")
        look.heading(chart_title, 1.05)
        # Counting lines and zones (tracked results), computed from the stored tracks.
        self.count_lines: list[Points] = []
        self.count_zones: list[Points] = []
        self.draw_line = QPushButton("Draw line")
        self.draw_line.setToolTip("Click two points on the frame: objects crossing it are counted")
        self.draw_line.clicked.connect(lambda: self.view.start_drawing("line"))
        self.draw_zone = QPushButton("Draw zone")
        self.draw_zone.setToolTip("Click the corners of a zone, double-click to close it")
        self.draw_zone.clicked.connect(lambda: self.view.start_drawing("zone"))
        self.clear_counting = QPushButton("Clear")
        self.clear_counting.clicked.connect(self._clear_counting)
        self.stop_counting = QPushButton("Stop")
        self.stop_counting.setToolTip("Stop counting (the lines and zones stay saved)")
        self.stop_counting.setEnabled(False)
        self.stop_counting.clicked.connect(self._stop_counting)
        self.counts_label = QLabel("Counting lines and zones need a tracked job.")
        self.counts_label.setWordWrap(True)
        counting_row = QHBoxLayout()
        for button in (self.draw_line, self.draw_zone, self.clear_counting, self.stop_counting):
            counting_row.addWidget(button)
        # Rows of buttons shrink to their texts: a 900-px window has room for both panes.
        shrink_to_text(
            self.draw_line, self.draw_zone, self.clear_counting, self.stop_counting,
            self.track_prev, self.track_next, *self.export_buttons.values(),
        )
        counting_row.addStretch(1)
        self.view.shape_drawn.connect(self._shape_drawn)
        for button in (self.draw_line, self.draw_zone, self.clear_counting):
            button.setEnabled(False)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.view, 1)
        ll.addLayout(controls)
        ll.addLayout(overlays)
        ll.addWidget(self.strip)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(6, 0, 0, 0)
        rl.addWidget(self.det_title)
        rl.addWidget(self.det_view, 2)
        rl.addLayout(track_row)
        rl.addWidget(chart_title)
        rl.addWidget(self.chart, 2)
        rl.addLayout(counting_row)
        rl.addWidget(self.counts_label)
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
        layout.addWidget(self.summary)
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
        self.summary.set_lines(["Loading…"])
        self._set_enabled(False)
        self._frame.drop()
        self._geometry.drop()
        self._counting.drop()
        self._load.run(
            load_result, self.ctx.app, self.ctx.user, job.id, success=self._loaded,
            context="Opening the results",
        )

    def _loaded(self, value: tuple[dict[str, Any], Path | None]) -> None:
        result, video_path = value
        self.result = result
        frames = result.get("frames", [])
        self.by_index = {int(f["index"]): list(f.get("detections", [])) for f in frames}
        self.times = frame_times(result)
        self.frames = sorted(self.by_index)
        self._size_frame_label()
        self.reader = FrameReader(video_path) if video_path is not None else None
        self._summarise()
        self._chart()
        self.select_track(None)
        self._open_counting()
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(self.frames) - 1))
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self._set_enabled(bool(self.frames))
        self._thumbnails(video_path)  # the strip first: showing a frame selects its tile
        if self.frames:
            self.show_frame(self.frames[0])
        self.loaded.emit()

    def _summarise(self) -> None:
        summary = self.result.get("summary", {})
        per_class = summary.get("per_class", {})
        counts = ", ".join(f"{n:,} {name}" for name, n in per_class.items()) or "no detections"
        carbon = self.result.get("carbon") or {}
        found = [f"{summary.get('processed_frames', len(self.frames)):,} frames", counts]
        if "unique_per_class" in summary:  # a tracked job: distinct objects, not boxes
            found.append(f"objects: {fmt.objects(summary['unique_per_class'])}")
        ran = [f"model {self.result.get('model', {}).get('name', '?')}"]
        if summary.get("device"):
            ran.append(f"{summary.get('device')} / {summary.get('backend', '?')}")
        ran.extend(speed_texts(summary, self.job))
        if carbon.get("grams") is not None:
            ran.append(fmt.carbon(float(carbon["grams"])))
        self.summary.set_lines([" · ".join(found), " · ".join(ran)])

    def _chart(self) -> None:
        names = self.result.get("model", {}).get("classes", {})
        per_frame: dict[int, Counter[int]] = {
            f: Counter(int(d.get("class_id", 0)) for d in self.by_index[f]) for f in self.frames
        }
        ids = sorted({cid for counter in per_frame.values() for cid in counter})
        series = {
            str(names.get(str(cid), cid)): (cid, [per_frame[f][cid] for f in self.frames])
            for cid in ids
        }
        self.chart.set_data(self.frames, series)

    def frame_text(self, frame: int) -> str:
        """Where the viewer is: the frame number (0-based, as in the result JSON, the ZIP's
        file names, the run dialog and the CLI), its time in the video, and the range."""
        first, last = (self.frames[0], self.frames[-1]) if self.frames else (frame, frame)
        time_s = media_time(self.times.get(frame, 0.0))
        return f"frame {frame:,} of {first:,}–{last:,} · {time_s}"

    def _size_frame_label(self) -> None:
        """Fix the frame label's width to its longest text for this result (the last frame
        at the latest time, digits drawn at their widest), so it never changes width."""
        fm = QFontMetrics(self.frame_label.font())
        if not self.frames:
            self.frame_label.setFixedWidth(fm.horizontalAdvance("frame 0 of 0–0 · 0.00 s") + 8)
            return
        # The last frame is the latest, with the most digits; each digit as wide as the
        # widest (proportional fonts).
        widest = re.sub(r"\d", "8", self.frame_text(self.frames[-1]))
        self.frame_label.setFixedWidth(fm.horizontalAdvance(widest) + 8)

    def _thumbnails(self, video_path: Path | None) -> None:
        chosen = sample(self.frames, STRIP_SIZE)
        self.strip_model.set_frames(chosen, self.times)
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
        self._update_trails()
        self.det_model.set_detections(detections)
        self.det_title.setText(f"Detections in frame {frame} ({len(detections)})")
        pos = self.frames.index(frame)
        self.slider.blockSignals(True)
        self.slider.setValue(pos)
        self.slider.blockSignals(False)
        self.frame_label.setText(self.frame_text(frame))
        self.chart.set_cursor(frame)
        row = self.strip_model.row_at_or_before(frame)
        if row >= 0:
            self.strip.setCurrentIndex(self.strip_model.index(row))
            self.strip.scrollTo(self.strip_model.index(row))
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
        row = self.det_view.model().mapToSource(current).row()  # type: ignore[attr-defined]
        self.view.set_highlight(row)
        track_id = self.det_model.index(row, 0).data(DTO_ROLE).get("track_id")
        if track_id is not None:
            self.select_track(int(track_id))

    # -- tracks ------------------------------------------------------------------------------
    def trail_points(self, frame: int) -> list[tuple[int, list[tuple[float, float]]]]:
        """For each track in ``frame``: its class id and box centres over the processed frames
        of the last TRAIL_SECONDS up to ``frame`` (by their times in the video), oldest first."""
        now = self.times.get(frame, 0.0)
        recent = [
            f for f in self.frames if f <= frame and now - TRAIL_SECONDS <= self.times[f] <= now
        ]
        trails = []
        for det in self.by_index.get(frame, []):
            track_id = det.get("track_id")
            if track_id is None:
                continue
            boxes = [d["box_xyxy"] for f in recent for d in self.by_index[f]
                     if d.get("track_id") == track_id]
            points = [((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for b in boxes]
            trails.append((int(det.get("class_id", 0)), points))
        return trails

    def _update_trails(self) -> None:
        frame = self.current_frame
        on = self.trails.isChecked() and frame is not None and bool(self.view.detections)
        self.view.set_trails(self.trail_points(frame) if on and frame is not None else [])

    def select_track(self, track_id: int | None) -> None:
        """Follow ``track_id``: list the frames it appears in and enable stepping through them."""
        self.selected_track = track_id
        self.track_frames = [
            f for f in self.frames
            if track_id is not None and any(d.get("track_id") == track_id for d in self.by_index[f])
        ]
        on = bool(self.track_frames)
        self.track_prev.setEnabled(on)
        self.track_next.setEnabled(on)
        if not on:
            self.track_label.setText("Select a box with a track id to follow its object.")
            return
        shown = ", ".join(map(str, self.track_frames[:12]))
        more = f", … {self.track_frames[-1]}" if len(self.track_frames) > 12 else ""
        self.track_label.setText(
            f"Track #{track_id}: {len(self.track_frames)} frames — {shown}{more}"
        )

    def step_track(self, delta: int) -> None:
        """Show the previous (-1) or next (+1) frame of the selected track, its box highlighted."""
        if not self.track_frames:
            return
        current = self.current_frame if self.current_frame is not None else -1
        if delta > 0:
            later = [f for f in self.track_frames if f > current]
            target = later[0] if later else self.track_frames[-1]
        else:
            earlier = [f for f in self.track_frames if f < current]
            target = earlier[-1] if earlier else self.track_frames[0]
        self.show_frame(target)
        rows = [i for i, d in enumerate(self.by_index[target])
                if d.get("track_id") == self.selected_track]
        if rows:
            self.view.set_highlight(rows[0])

    # -- counting ------------------------------------------------------------------------------
    def _open_counting(self) -> None:
        tracked = "tracks" in self.result
        self._counting.drop()
        self._geometry.drop()
        self.stop_counting.setEnabled(False)
        for button in (self.draw_line, self.draw_zone, self.clear_counting):
            button.setEnabled(tracked and self.job is not None)
        self.count_lines, self.count_zones = [], []
        self.view.set_geometry([], [])
        self.counts_label.setText(
            "Draw a line or a zone to count objects." if tracked
            else "Counting lines and zones need a tracked job."
        )
        self._load_geometry()

    def _load_geometry(self) -> None:
        if "tracks" not in self.result or self.job is None:
            return
        self._geometry.run(
            load_geometry, self.ctx.app, self.ctx.user, self.job.id,
            success=self._geometry_loaded, context="Loading the counting lines",
        )

    def _changed(self, changes: Change) -> None:
        # Lines saved by another screen or client (announced, or View > Refresh): show them.
        # Our own save lands here too and finds the lines it drew: nothing is counted again.
        if changes & Change.RESULTS and not self._saving:
            self._load_geometry()

    def _geometry_loaded(self, value: tuple[list[Points], list[Points]]) -> None:
        if self._saving:  # a newer drawing is being saved: it wins
            return
        lines, zones = value
        if (lines, zones) == (self.count_lines, self.count_zones):
            return
        self.count_lines, self.count_zones = lines, zones
        self.view.set_geometry(self.count_lines, self.count_zones)
        self._recount()

    def _shape_drawn(self, kind: str, points: Points) -> None:
        (self.count_lines if kind == "line" else self.count_zones).append(points)
        self._drawing_changed()

    def _clear_counting(self) -> None:
        self.count_lines, self.count_zones = [], []
        self._drawing_changed()

    def _drawing_changed(self) -> None:
        """Save the lines and zones with the result (a write that announces RESULTS) and
        count them from the result in memory (long work)."""
        self.view.set_geometry(self.count_lines, self.count_zones)
        if self.job is None:
            return
        self._saving += 1
        self.ctx.ops.write(
            self.ctx.app.tracks.save_points, self.ctx.user, self.job.id,
            [list(p) for p in self.count_lines], [list(p) for p in self.count_zones],
            changes=Change.RESULTS, success=lambda _none: self._saved(),
            failure=self._save_failed, context="Saving the counting lines",
        )
        self._recount()

    def _saved(self) -> None:
        self._saving -= 1

    def _save_failed(self, exc: BaseException) -> None:
        self._saving -= 1
        self.ctx.ops.report(exc, "Saving the counting lines")

    def _recount(self) -> None:
        self.counts_label.setText("Counting…")
        self.stop_counting.setEnabled(True)
        self._counting.run(
            count_drawn, self.result,
            [list(p) for p in self.count_lines], [list(p) for p in self.count_zones],
            success=self._counted, failure=self._count_failed,
            progress=self._count_progress, context="Counting",
        )

    def _count_progress(self, value: tuple[int, int]) -> None:
        done, total = value
        self.counts_label.setText(f"Counting… {done:,} of {total:,} frames")

    def _stop_counting(self) -> None:
        self._counting.drop()  # the worker stops at its next frame; its answer is not shown
        self.stop_counting.setEnabled(False)
        self.counts_label.setText("Counting stopped; the lines and zones are saved.")

    def _counted(self, counts: Any) -> None:
        self.stop_counting.setEnabled(False)
        text = counts_text(counts) or "Draw a line or a zone to count objects."
        self.counts_label.setText(text)
        self.counts_shown.emit(text)

    def _count_failed(self, exc: BaseException) -> None:
        self.stop_counting.setEnabled(False)
        self.counts_label.setText("Counting failed.")
        self.ctx.ops.report(exc, "Counting")

    # -- export ------------------------------------------------------------------------------
    def export(self, key: str) -> None:
        if self.job is None:
            return
        ext = next(e for k, _label, e in EXPORTS if k == key)
        path = ask_export_path(
            self, self.ctx.app.paths.config_dir, f"Export {key.upper()}",
            suggested_name(self.job.video_name, key), f"{ext.upper()} (*.{ext})",
        )
        if path is None:
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

    def export_mp4(self) -> None:
        if self.job is None or self._mp4 is not None:
            return
        path = ask_export_path(
            self, self.ctx.app.paths.config_dir, "Export MP4",
            suggested_name(self.job.video_name, "mp4"), "MP4 video (*.mp4)",
        )
        if path is None:
            return
        dialog = QProgressDialog("Writing the annotated video…", "Cancel", 0, 100, self)
        dialog.setWindowTitle("Export MP4")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        self.mp4_dialog = dialog
        self._mp4 = self.ctx.ops.long(
            export_mp4,
            self.ctx.app,
            self.ctx.user,
            self.job.id,
            Path(path),
            success=partial(self._exported, "mp4"),
            progress=self._mp4_progress,
            finished=self._mp4_finished,
            context="Export MP4",  # a cancel is reported as information, not an error
        )
        dialog.canceled.connect(self._mp4.cancel)  # the export stops and leaves no file

    def _mp4_progress(self, value: tuple[int, int]) -> None:
        done, total = value
        if self.mp4_dialog is not None:
            self.mp4_dialog.setMaximum(total)
            self.mp4_dialog.setValue(done)

    def _mp4_finished(self) -> None:
        self._mp4 = None
        if self.mp4_dialog is not None:
            self.mp4_dialog.canceled.disconnect()
            self.mp4_dialog.reset()
            self.mp4_dialog.deleteLater()
            self.mp4_dialog = None

    def _exported(self, key: str, path: Path) -> None:
        self.ctx.notify(f"Exported {key.upper()} to {path}.", "success")
        self.exported.emit(key, str(path))
