"""What the direct runners (OpenVINO, ONNX Runtime) share: reading an exported YOLO model's
metadata, letterboxing frames and turning raw output into detections with NumPy only.

Neither runner imports torch or Ultralytics, so a job on an exported model runs in a build
that has neither (the CPU bundle) and starts ~3 s sooner everywhere. Everything they need to
read the output comes from the metadata Ultralytics' exporter writes beside or into the model
(task, class names, end-to-end head, batch size); a model without it is not run blind.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from videolab.inference.detections import Detection, check_class_ids, to_detections
from videolab.inference.model_info import BOX_TASKS, ModelInfo, info_from_metadata
from videolab.inference.models import ResolvedModel
from videolab.inference.yolo_postprocess import Head, Letterbox, decode, envelope

STRIDE = 32


def unsupported_reason(meta: Mapping[str, Any]) -> str | None:
    """Why a direct runner cannot read an export with this metadata, or None when it can."""
    task = meta.get("task")
    if task not in BOX_TASKS:
        return f"its task is {task or 'not recorded'}"
    if not isinstance(meta.get("names"), (dict, str)) or not meta.get("names"):
        return "its class names are not recorded"
    batch = str(meta.get("batch", 1) or 1)
    if batch not in ("1", "-1") and not _dynamic(meta):
        return f"it was exported for batches of {batch}"
    return None


def plain_detect(meta: Mapping[str, Any]) -> bool:
    """A detect head with NMS outside the model: what the INT8 accuracy check can read."""
    return meta.get("task") == "detect" and not _truthy(meta.get("end2end"))


def _dynamic(meta: Mapping[str, Any]) -> bool:
    args = meta.get("args")
    if isinstance(args, str):
        return "'dynamic': True" in args
    return isinstance(args, dict) and bool(args.get("dynamic"))


def _truthy(value: Any) -> bool:
    return value.strip().lower() == "true" if isinstance(value, str) else bool(value)


def rect_input(frame_size: tuple[int, int] | None, imgsz: int) -> tuple[int, int]:
    """(h, w) Ultralytics gives a dynamic-shape export: the letterbox padded to a multiple of
    the stride only (its ``auto`` letterbox)."""
    w, h = frame_size or (imgsz, imgsz)
    r = min(imgsz / h, imgsz / w)
    return (
        max(STRIDE, math.ceil(round(h * r) / STRIDE) * STRIDE),
        max(STRIDE, math.ceil(round(w * r) / STRIDE) * STRIDE),
    )


class DirectRunner:
    """Letterbox in, detections out; subclasses run the graph."""

    device = "cpu"
    half = False

    def __init__(self, model: ResolvedModel, meta: Mapping[str, Any], *, backend: str) -> None:
        self.model_info = model
        self.backend = backend
        self.plan: Any = None
        info: ModelInfo = info_from_metadata(model, dict(meta))
        self.task = info.task
        self.names: dict[int, str] = info.class_names
        self.head = Head.for_task(info.task, len(self.names), end2end=info.end2end)
        self.input_hw: tuple[int, int] = (0, 0)
        self._letterboxes: dict[tuple[int, int], Letterbox] = {}

    def warm_up(self, frame: np.ndarray, options: Any) -> None:
        self.detect([frame], options)

    def check_classes(self, classes: tuple[int, ...] | None) -> None:
        check_class_ids(classes, self.names, self.model_info.name)

    def detect(self, frames: Sequence[np.ndarray], options: Any) -> list[list[Detection]]:
        raise NotImplementedError

    def _letterbox(self, frame: np.ndarray) -> Letterbox:
        key = (int(frame.shape[0]), int(frame.shape[1]))
        plan = self._letterboxes.get(key)
        if plan is None:
            plan = self._letterboxes[key] = Letterbox.plan(key, self.input_hw)
        return plan

    def _detections(self, raw: np.ndarray, plan: Letterbox, options: Any) -> list[Detection]:
        boxes, cls, score = decode(
            np.asarray(raw, dtype=np.float32),
            conf=options.conf,
            iou=options.iou,
            max_det=options.max_det,
            classes=options.classes,
            head=self.head,
        )
        if not len(boxes):
            return []
        if self.head.rotated:
            rotated = plan.to_frame_xywhr(boxes)
            return to_detections(envelope(rotated), cls, score, self.names, rotated)
        return to_detections(plan.to_frame(boxes), cls, score, self.names)
