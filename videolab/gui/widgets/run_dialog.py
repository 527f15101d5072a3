"""Run detection: model, thresholds, image size, classes, frame range, stride and device,
with the frames to process, the cost and the balance shown before confirming."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from videolab.domain.dto import UserDTO, VideoDTO
from videolab.domain.errors import VideoLabError
from videolab.domain.money import format_tokens
from videolab.domain.params import BACKENDS, TRACKERS, DetectionParams
from videolab.gui.widgets import look
from videolab.shipped import resource

OFFICIAL_MODELS = ("yolo11n.pt", "yolo11s.pt", "yolo11m.pt", "yolov8n.pt", "yolov8s.pt")
DEMO_CLASSES_FILE = resource("models", "demo.json")


def demo_classes() -> list[str]:
    try:
        return list(json.loads(DEMO_CLASSES_FILE.read_text())["config"]["classes"])
    except (OSError, ValueError, KeyError):
        return []


def parse_classes(text: str) -> tuple[int, ...] | None:
    text = text.strip()
    if not text:
        return None
    try:
        return tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        from videolab.domain.errors import InvalidInput

        raise InvalidInput("Classes: write class ids separated by commas, e.g. 0,2.") from None


class RunDialog(QDialog):
    run = Signal(object, object)  # VideoDTO, DetectionParams

    def __init__(
        self,
        video: VideoDTO,
        balance_milli: int,
        parent: QWidget | None = None,
        *,
        initial: DetectionParams | None = None,
    ) -> None:
        super().__init__(parent)
        self.video = video
        self.balance_milli = balance_milli
        self.params: DetectionParams | None = None
        p = initial or DetectionParams()
        self.setWindowTitle("Run detection")
        self.setMinimumWidth(620)

        head = QLabel(f"Detect objects in <b>{video.name}</b>")
        look.heading(head, 1.2)
        info = QLabel(
            f"{video.frame_count:,} frames · {video.width}×{video.height} · {video.fps:.2f} fps"
        )
        info.setStyleSheet(f"color: {look.muted().name()}")

        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.addItem("demo")
        self.model.addItems(OFFICIAL_MODELS)
        self.model.setCurrentText(p.model)
        self.model.setToolTip(
            "'demo' is the shipped shapes detector. Official names are looked "
            "up in your model folder (VideoLab does not download them)."
        )
        browse = QPushButton("Browse…")
        browse.setAutoDefault(False)  # Enter runs the job; it never opens the file dialog
        browse.clicked.connect(self._browse)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model, 1)
        model_row.addWidget(browse)
        self.conf = self._fraction(p.conf, "Keep detections at least this confident")
        self.iou = self._fraction(p.iou, "Boxes overlapping more than this are merged (NMS)")
        self.imgsz = QSpinBox()
        self.imgsz.setRange(32, 4096)
        self.imgsz.setSingleStep(32)
        self.imgsz.setValue(p.imgsz)
        self.imgsz.setSuffix(" px")
        self.classes = QLineEdit(",".join(str(c) for c in p.classes or ()))
        names = demo_classes()
        hint = ", ".join(f"{i} {n}" for i, n in enumerate(names))
        self.classes.setPlaceholderText("all classes" + (f" (demo: {hint})" if hint else ""))

        self.start = QSpinBox()
        self.start.setRange(0, max(0, video.frame_count - 1))
        self.start.setValue(min(p.start, max(0, video.frame_count - 1)))
        self.end = QSpinBox()
        self.end.setRange(0, video.frame_count)
        self.end.setSpecialValueText("end of video")
        self.end.setValue(0 if p.end is None else min(p.end, video.frame_count))
        self.stride = QSpinBox()
        self.stride.setRange(1, max(1, video.frame_count))
        self.stride.setValue(p.stride)
        self.stride.setPrefix("every ")
        self.stride.setSuffix(" frame(s)")
        self.device = QComboBox()
        self.device.addItems(["auto", "cpu", "cuda:0"])
        self.device.setCurrentText(p.device)
        self.backend = QComboBox()
        self.backend.addItems(list(BACKENDS))
        self.backend.setCurrentText(p.backend)
        self.track = QComboBox()
        self.track.addItem("none", None)
        for kind in TRACKERS:
            self.track.addItem(kind, kind)
        self.track.setCurrentIndex(max(0, self.track.findData(p.track)))
        self.track.setToolTip(
            "Follow objects across frames: each box gets a track id, the result counts\n"
            "distinct objects per class, and lines and zones can count them afterwards."
        )
        self.backend.setToolTip(
            "auto: OpenVINO on a CPU (INT8, calibrated on this video, for 400 frames or more),\n"
            "PyTorch in half precision on a GPU.\n"
            "openvino: OpenVINO FP32 · openvino-int8: always INT8 (checked against FP32)\n"
            "onnx: ONNX Runtime · torch: Ultralytics' PyTorch"
        )

        model_box = QGroupBox("Model")
        mf = QFormLayout(model_box)
        mf.addRow("Weights", model_row)
        mf.addRow("Confidence", self.conf)
        mf.addRow("IoU", self.iou)
        mf.addRow("Image size", self.imgsz)
        mf.addRow("Classes", self.classes)
        frames_box = QGroupBox("Frames and hardware")
        ff = QFormLayout(frames_box)
        ff.addRow("From frame", self.start)
        ff.addRow("To frame", self.end)
        ff.addRow("Stride", self.stride)
        ff.addRow("Device", self.device)
        ff.addRow("Backend", self.backend)
        ff.addRow("Tracking", self.track)
        boxes = QHBoxLayout()
        boxes.addWidget(model_box, 3)
        boxes.addWidget(frames_box, 2)

        self.summary = QFrame()
        self.summary.setObjectName("CostSummary")
        grid = QGridLayout(self.summary)
        grid.setContentsMargins(14, 10, 14, 10)
        self.frames_value = QLabel()
        self.cost_value = QLabel()
        self.balance_value = QLabel()
        self.after_value = QLabel()
        for col, (label, value) in enumerate(
            (
                ("Frames to process", self.frames_value),
                ("Cost", self.cost_value),
                ("Your balance", self.balance_value),
                ("After the job", self.after_value),
            )
        ):
            caption = QLabel(label)
            caption.setStyleSheet(f"color: {look.muted().name()}")
            value.setFont(look.scaled_font(value, 1.35, bold=True))
            grid.addWidget(caption, 0, col)
            grid.addWidget(value, 1, col)
        self.problem = QLabel()
        self.problem.setObjectName("RunProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("#RunProblem { color: #d03b3b; font-weight: 600; }")
        # Parented at once: a button's setDefault() only reaches the dialog it is already in;
        # before, the dialog found no default and made "Browse…" the one Enter presses.
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.run_button = self.buttons.addButton(
            "▶  Run detection", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.run_button.setDefault(True)
        self.buttons.accepted.connect(self._confirm)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(info)
        layout.addLayout(boxes)
        layout.addWidget(self.summary)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

        for spin in (self.conf, self.iou, self.imgsz, self.start, self.end, self.stride):
            spin.valueChanged.connect(self.update_estimate)
        self.classes.textChanged.connect(self.update_estimate)
        self.model.currentTextChanged.connect(self.update_estimate)
        self.update_estimate()

    @staticmethod
    def _fraction(value: float, tip: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(0.0, 1.0)
        spin.setSingleStep(0.05)
        spin.setDecimals(2)
        spin.setValue(value)
        spin.setToolTip(tip)
        return spin

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a model", "", "Models (*.pt *.onnx *.xml);;All files (*)"
        )
        if path:
            if path.endswith(".xml"):
                path = str(Path(path).parent)
            self.model.setCurrentText(path)

    def current_params(self) -> DetectionParams:
        end = self.end.value()
        return DetectionParams(
            model=self.model.currentText().strip(),
            conf=round(self.conf.value(), 2),
            iou=round(self.iou.value(), 2),
            imgsz=self.imgsz.value(),
            classes=parse_classes(self.classes.text()),
            start=self.start.value(),
            end=None if end == 0 else end,
            stride=self.stride.value(),
            device=self.device.currentText(),
            backend=self.backend.currentText(),
            track=self.track.currentData(),
        ).validate()

    def set_user(self, user: UserDTO) -> None:
        """The balance was re-read (the dialog opened with the one known then)."""
        if user.tokens_milli != self.balance_milli:
            self.balance_milli = user.tokens_milli
            self.update_estimate()

    def update_estimate(self) -> None:
        self.balance_value.setText(format_tokens(self.balance_milli))
        try:
            params = self.current_params()
        except VideoLabError as exc:
            self._problem(exc.message)
            return
        frames = params.planned_frames(self.video.frame_count)
        cost = params.estimated_cost(self.video.frame_count)
        self.frames_value.setText(f"{frames:,}")
        self.cost_value.setText(format_tokens(cost))
        self.after_value.setText(format_tokens(self.balance_milli - cost))
        if frames == 0:
            self._problem("The frame range and stride select no frame.")
        elif cost > self.balance_milli:
            self._problem(
                f"Not enough credits: this job costs {format_tokens(cost)} tokens and "
                f"your balance is {format_tokens(self.balance_milli)}. Process fewer "
                "frames (a larger stride) or ask an administrator to recharge."
            )
        else:
            self._problem("")
        self.params = params

    def _problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
        self.run_button.setEnabled(not text)
        hue = 0 if text else 140
        bg, _fg = look.hue_colours(hue, saturation=90)
        self.summary.setStyleSheet(
            f"#CostSummary {{ background: {bg.name()}; border-radius: 8px; }}"
        )
        if text:
            self.params = None

    def _confirm(self) -> None:
        self.update_estimate()
        if self.params is None:
            return
        self.run.emit(self.video, self.params)
        self.accept()
