"""Run detection: model, thresholds, image size, classes, frame range, stride and device,
with the frames to process, the cost and the balance shown before confirming."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QUrl, Signal
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
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from videolab.domain.dto import UserDTO, VideoDTO
from videolab.domain.errors import VideoLabError
from videolab.domain.params import BACKENDS, TRACKERS, DetectionParams
from videolab.gui import format as fmt
from videolab.gui.widgets import look
from videolab.inference.model_catalog import (
    ModelChoice,
    locate,
    missing_help,
    model_choices,
    read_model_info,
)
from videolab.inference.models import DEMO_NAME, is_official_name, model_format

#: Where a listed model comes from ("shipped", "not downloaded", ...), shown in the list.
WHERE_ROLE = Qt.ItemDataRole.UserRole + 1
#: Class names listed in the Classes hint before "…" (COCO models have 80).
HINT_CLASSES = 6


class _ChoiceDelegate(QStyledItemDelegate):
    """The model list shows where each model is ("yolo11n.pt — not downloaded") while the
    editable field keeps the bare name the job uses; absent models are drawn muted."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        where = index.data(WHERE_ROLE)
        if where:
            option.text = f"{option.text}  —  {where}"
            if where == "not downloaded":
                option.palette.setColor(option.palette.ColorRole.Text, look.muted())


def classes_hint(names: dict[int, str]) -> str:
    """The Classes field's placeholder: 'all classes (0 square, 1 disc, 2 triangle)'."""
    if not names:
        return "all classes"
    listed = [f"{i} {names[i]}" for i in sorted(names)]
    if len(listed) <= HINT_CLASSES:
        return f"all classes ({', '.join(listed)})"
    return f"all {len(listed)} classes ({', '.join(listed[:HINT_CLASSES])}, …)"


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
        models_dir: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.video = video
        self.models_dir = models_dir
        #: The class names of the model chosen now ({} when unknown).
        self.class_names: dict[int, str] = {}
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
        self.model.setItemDelegate(_ChoiceDelegate(self.model))
        self.choices: list[ModelChoice] = model_choices(models_dir)
        for choice in self.choices:
            self.model.addItem(choice.name, choice.spec)
            self.model.setItemData(self.model.count() - 1, choice.where, WHERE_ROLE)
        listed = self.model.findData(p.model)
        self.model.setCurrentText(self.model.itemText(listed) if listed >= 0 else p.model)
        # The list is wider than the field: "yolo11n.pt  —  not downloaded" must never be
        # elided to "yolo11n.pt … downloaded".
        metrics = self.model.fontMetrics()
        widest = max(
            (metrics.horizontalAdvance(f"{c.name}  —  {c.where}") for c in self.choices),
            default=0,
        )
        self.model.view().setMinimumWidth(widest + 48)  # item margins and a scroll bar
        folder = str(models_dir) if models_dir is not None else "your model folder"
        self.model.setToolTip(
            "'demo' is the shipped shapes detector. Official names such as yolo11n.pt are "
            f"looked up in {folder}: VideoLab does not download them. Any .pt or .onnx file "
            "or OpenVINO folder can be chosen with Browse…."
        )
        self.model_note = QLabel()
        self.model_note.setObjectName("ModelNote")
        self.model_note.setWordWrap(True)
        self.model_note.setOpenExternalLinks(True)
        self.model_note.setStyleSheet(f"#ModelNote {{ color: {look.muted().name()}; }}")
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
        mf.addRow("", self.model_note)
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
        self.model.currentTextChanged.connect(self._model_changed)
        self._model_changed()

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

    def _model_changed(self) -> None:
        """Read the chosen model's classes (from its file, without torch) for the hint."""
        path = locate(self.chosen_spec(), self.models_dir)
        info = read_model_info(path) if path is not None else None
        self.class_names = dict(info.class_names) if info is not None else {}
        self.classes.setPlaceholderText(classes_hint(self.class_names))
        self.classes.setToolTip(
            "\n".join(f"{i}  {n}" for i, n in sorted(self.class_names.items()))
            or "Class ids separated by commas, e.g. 0,2"
        )
        self.update_estimate()

    def chosen_spec(self) -> str:
        """The model parameter: a listed model's spec (a file of the model folder by its
        path), else what was typed."""
        text = self.model.currentText().strip()
        listed = self.model.findText(text, Qt.MatchFlag.MatchExactly)
        return str(self.model.itemData(listed)) if listed >= 0 else text

    def model_problem(self) -> str:
        """Why the chosen model cannot run (shown before Run is possible); "" when it can."""
        spec = self.chosen_spec()
        if not spec:
            return "Choose a model: 'demo', a model from your model folder, or a file."
        path = locate(spec, self.models_dir)
        if path is not None:
            try:
                model_format(path)  # a .txt or a plain folder is no model
            except VideoLabError as exc:
                return exc.message
            return ""
        if spec == DEMO_NAME:
            return "The demo model is missing from this installation; reinstall VideoLab."
        if is_official_name(spec):
            return missing_help(spec, self.models_dir)
        return f"Model file {spec} does not exist."

    def _model_note(self) -> None:
        spec = self.chosen_spec()
        path = locate(spec, self.models_dir)
        if path is None:
            note = ""
            if self.models_dir is not None and is_official_name(spec):
                url = QUrl.fromLocalFile(str(self.models_dir)).toString()
                note = f'<a href="{url}">Open your model folder</a>'
        elif spec == DEMO_NAME:
            note = "The shipped demo: it finds simple shapes."
        elif self.models_dir is not None and path.resolve().is_relative_to(
            self.models_dir.resolve()
        ):
            note = "In your model folder."
        else:
            note = escape(str(path))
        self.model_note.setText(note)
        self.model_note.setVisible(bool(note))

    def _class_problem(self, params: DetectionParams) -> str:
        if not params.classes or not self.class_names:
            return ""
        unknown = [c for c in params.classes if c not in self.class_names]
        if not unknown:
            return ""
        ids = sorted(self.class_names)
        return (
            f"Class {unknown[0]} is not one of this model's classes ({ids[0]}–{ids[-1]}); "
            "hover over the Classes field to see them."
        )

    def current_params(self) -> DetectionParams:
        end = self.end.value()
        return DetectionParams(
            model=self.chosen_spec(),
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
        self._model_note()
        self.balance_value.setText(fmt.amount(self.balance_milli))
        try:
            params = self.current_params()
        except VideoLabError as exc:
            self._problem(exc.message)
            return
        frames = params.planned_frames(self.video.frame_count)
        cost = params.estimated_cost(self.video.frame_count)
        self.frames_value.setText(f"{frames:,}")
        self.cost_value.setText(fmt.amount(cost))
        self.after_value.setText(fmt.amount(self.balance_milli - cost))
        if problem := self.model_problem() or self._class_problem(params):
            self._problem(problem)
        elif frames == 0:
            self._problem("The frame range and stride select no frame.")
        elif cost > self.balance_milli:
            self._problem(
                f"Not enough credits: this job costs {fmt.tokens(cost)} and "
                f"your balance is {fmt.tokens(self.balance_milli)}. Process fewer "
                "frames (a larger stride) or ask an administrator to recharge."
            )
        else:
            self._problem("")
            self.params = params

    def _problem(self, text: str) -> None:
        shown = not self.problem.isHidden()
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
        if shown and not text:
            self._fit_height()
        self.run_button.setEnabled(not text)
        hue = 0 if text else 140
        bg, _fg = look.hue_colours(hue, saturation=90)
        self.summary.setStyleSheet(
            f"#CostSummary {{ background: {bg.name()}; border-radius: 8px; }}"
        )
        if text:
            self.params = None

    def _fit_height(self) -> None:
        """Give back the height the message took: a dialog keeps its size when a child hides,
        which left a blank gap above the buttons once the message cleared."""
        layout = self.layout()
        if layout is None or not self.isVisible():
            return
        layout.activate()
        self.resize(self.width(), max(self.minimumSizeHint().height(), layout.sizeHint().height()))

    def _confirm(self) -> None:
        self.update_estimate()
        if self.params is None:
            return
        self.run.emit(self.video, self.params)
        self.accept()
