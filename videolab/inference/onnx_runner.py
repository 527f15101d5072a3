"""Run an exported YOLO model (.onnx) directly on ONNX Runtime, without torch or Ultralytics.

The frame is letterboxed in NumPy/OpenCV and the raw output read by ``direct_runner`` exactly
as Ultralytics' predict reads it (tests/performance/test_tasks.py compares them), for detect,
segment, pose and OBB models. ONNX Runtime parallelises inside one inference, so frames go one
at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from videolab.domain.errors import Unavailable
from videolab.inference.detections import Detection
from videolab.inference.direct_runner import DirectRunner, unsupported_reason
from videolab.inference.model_info import onnx_metadata
from videolab.inference.models import ResolvedModel

log = logging.getLogger(__name__)

# ONNX Runtime's own log: errors only (its warnings about unused initialisers and the like go
# to stderr, which belongs to VideoLab's messages).
_ORT_LOG_ERROR = 3


def supports(model_onnx: Path) -> bool:
    return unsupported_reason(onnx_metadata(model_onnx)) is None


class OnnxDetector(DirectRunner):
    """An ONNX Runtime session on the CPU; the same interface as ``detector.Detector``."""

    batch_size = 1

    def __init__(
        self,
        model: ResolvedModel,
        model_onnx: Path,
        *,
        backend: str = "onnx",
        dynamic_input_hw: tuple[int, int] | None = None,
    ) -> None:
        import onnxruntime as ort

        from videolab.inference.devices import cpu_threads

        super().__init__(model, onnx_metadata(model_onnx), backend=backend)
        try:
            options = ort.SessionOptions()
            options.log_severity_level = _ORT_LOG_ERROR
            options.intra_op_num_threads = cpu_threads()
            self._session = ort.InferenceSession(
                str(model_onnx), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise Unavailable(
                f"The model {model.name} could not be loaded by ONNX Runtime: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        spec = self._session.get_inputs()[0]
        shape = list(spec.shape)
        if len(shape) != 4:
            raise Unavailable(f"{model_onnx.name} does not take images (input {shape})")
        h, w = shape[2], shape[3]
        if isinstance(h, int) and isinstance(w, int):
            self.input_hw = (h, w)
        else:
            self.input_hw = dynamic_input_hw or (640, 640)
        self._input = spec.name
        self._dtype = np.float16 if "float16" in spec.type else np.float32

    def detect(self, frames: Sequence[np.ndarray], options: Any) -> list[list[Detection]]:
        out = []
        for frame in frames:
            plan = self._letterbox(frame)
            rgb = cv2.cvtColor(plan.apply(frame), cv2.COLOR_BGR2RGB)
            x = np.ascontiguousarray(rgb.transpose(2, 0, 1)[None], dtype=np.float32) / 255.0
            raw = self._session.run(None, {self._input: x.astype(self._dtype)})[0]
            out.append(self._detections(raw[0], plan, options))
        return out
