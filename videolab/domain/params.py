"""Parameters of a detection job: what the user chose, validated, and stored as JSON.

They live in the domain because three layers need the same rules: the run dialog previews the
cost, the service holds it, and the pipeline processes exactly those frames.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import Any

from videolab.domain.errors import InvalidInput
from videolab.domain.money import inference_cost

BACKENDS = ("auto", "torch", "onnx", "openvino", "openvino-int8")
#: Multi-object trackers a job can run after detection (None: no tracking).
TRACKERS = ("bytetrack", "botsort")
# No "mps": VideoLab runs nothing on Apple's Metal backend, so it is refused up front.
_DEVICE = re.compile(r"^(auto|cpu|cuda|cuda:\d+)$")
# Beyond this Ultralytics spends minutes per frame on a CPU; the model never saw such sizes.
MAX_IMGSZ = 4096


@dataclass(frozen=True)
class DetectionParams:
    """How to run a detector over a video. Frame range is [start, end) with a stride."""

    model: str = "demo"
    conf: float = 0.25
    iou: float = 0.7
    imgsz: int = 640
    classes: tuple[int, ...] | None = None
    max_det: int = 300
    start: int = 0
    end: int | None = None  # exclusive; None means the end of the video
    stride: int = 1
    device: str = "auto"
    backend: str = "auto"
    track: str | None = None  # one of TRACKERS; None: boxes per frame, no identities

    def __post_init__(self) -> None:
        # "CPU" and "cpu" are the same device; spaces around a typed value mean nothing.
        for name in ("device", "backend", "track"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, value.strip().lower())

    def validate(self) -> DetectionParams:
        """Raise InvalidInput naming the first bad parameter; return self when all are fine."""
        if not isinstance(self.model, str) or not self.model.strip():
            raise InvalidInput("Choose a model: 'demo', an Ultralytics name or a model file.")
        _check_fraction("Confidence threshold", self.conf)
        _check_fraction("IoU threshold", self.iou)
        if not _is_int(self.imgsz) or not 32 <= self.imgsz <= MAX_IMGSZ:
            raise InvalidInput(
                f"Image size must be a whole number from 32 to {MAX_IMGSZ}, got {self.imgsz!r}."
            )
        if self.classes is not None:
            if not isinstance(self.classes, tuple) or not self.classes:
                raise InvalidInput("Class filter must be a non-empty list of class ids, or none.")
            if not all(_is_int(c) and c >= 0 for c in self.classes):
                raise InvalidInput(
                    f"Class ids must be whole numbers 0 or more, got {list(self.classes)}."
                )
        if not _is_int(self.max_det) or not 1 <= self.max_det <= 10_000:
            raise InvalidInput(
                f"Maximum detections per frame must be 1-10000, got {self.max_det!r}."
            )
        if not _is_int(self.start) or self.start < 0:
            raise InvalidInput(f"Start frame must be 0 or more, got {self.start!r}.")
        if self.end is not None and (not _is_int(self.end) or self.end <= self.start):
            raise InvalidInput(
                f"End frame must be after the start frame ({self.start}), got {self.end!r}."
            )
        if not _is_int(self.stride) or self.stride < 1:
            raise InvalidInput(f"Stride must be 1 or more (1 = every frame), got {self.stride!r}.")
        if not isinstance(self.device, str) or not _DEVICE.match(self.device):
            raise InvalidInput(f"Device must be auto, cpu, cuda or cuda:N, got {self.device!r}.")
        if self.backend not in BACKENDS:
            raise InvalidInput(
                f"Backend must be one of {', '.join(BACKENDS)}, got {self.backend!r}."
            )
        if self.track is not None and self.track not in TRACKERS:
            raise InvalidInput(
                f"Tracker must be one of {', '.join(TRACKERS)} (or none), got {self.track!r}."
            )
        return self

    def frame_indices(self, frame_count: int) -> range:
        """The video frame indices this job processes, for a video of `frame_count` frames."""
        stop = frame_count if self.end is None else min(self.end, frame_count)
        return range(self.start, stop, self.stride)

    def planned_frames(self, frame_count: int) -> int:
        """How many frames the job processes: what it holds credits for."""
        return len(self.frame_indices(frame_count))

    def estimated_cost(self, frame_count: int) -> int:
        """The hold, in milli-tokens: the one estimate the run dialog and the service share."""
        return inference_cost(self.planned_frames(frame_count))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (classes as a list) that `from_json` turns back into equal params."""
        data = asdict(self)
        data["classes"] = list(self.classes) if self.classes is not None else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DetectionParams:
        """Build params from stored JSON; unknown keys are an error, missing ones get defaults."""
        if not isinstance(data, dict):
            raise InvalidInput("Detection parameters must be a JSON object.")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInput(f"Unknown detection parameter(s): {', '.join(unknown)}.")
        values = dict(data)
        classes = values.get("classes")
        if classes is not None:
            if not isinstance(classes, (list, tuple)):
                raise InvalidInput("Class filter must be a list of class ids.")
            values["classes"] = tuple(classes)
        return cls(**values).validate()


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_fraction(label: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise InvalidInput(f"{label} must be a number from 0 to 1, got {value!r}.")
