"""Run a model on batches of frames; boxes come back in original pixels.

``Detector.for_job`` picks what runs a job: the direct runners (OpenVINO, ONNX Runtime; no
torch) for every exported model they can read, Ultralytics' ``YOLO`` for the rest (.pt
weights on torch, exports the direct runners cannot read). Ultralytics always runs a model
as the task it was trained for: a segmentation or pose model's boxes are its ``boxes``, an
oriented-box model's are its ``obb`` (kept rotated, with the axis-aligned envelope).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from videolab.domain.errors import Unavailable
from videolab.inference.detections import Detection, check_class_ids, to_detections
from videolab.inference.devices import cpu_threads, resolve_device
from videolab.inference.models import ResolvedModel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PredictOptions:
    conf: float = 0.25
    iou: float = 0.7
    imgsz: int = 640
    classes: tuple[int, ...] | None = None
    max_det: int = 300


class Detector:
    """A loaded model on a device. ``backend`` names what actually runs it."""

    def __init__(
        self,
        model: ResolvedModel,
        *,
        device: str = "auto",
        weights: str | None = None,
        backend: str | None = None,
        imgsz: int | tuple[int, int] | None = None,
        batch_size: int | None = None,
    ) -> None:
        from videolab.inference.model_info import check_job_model
        from videolab.inference.ultralytics_env import import_ultralytics

        info = check_job_model(model)  # a classifier has no boxes: refused, never run
        ultralytics = import_ultralytics()
        self.model_info = model
        self.task = info.task
        self.device = resolve_device(device)
        path = weights or str(model.path)
        self.backend = (
            backend or {"pt": "torch", "onnx": "onnx", "openvino": "openvino"}[model.format]
        )
        # Half precision is a PyTorch-on-CUDA thing; exported CPU models are fp32.
        self.half = self.device.startswith("cuda") and self.backend == "torch"
        # A fixed-shape export is asked for exactly its shape; None means options.imgsz.
        self.imgsz = imgsz
        self.batch_size = batch_size or (16 if self.device.startswith("cuda") else 1)
        try:
            self._yolo = ultralytics.YOLO(path, task=info.task)
        except Exception as exc:
            raise Unavailable(
                f"The model {model.name} could not be loaded: {type(exc).__name__}: {exc}"
            ) from exc
        names = getattr(self._yolo, "names", None) or {}
        self.names: dict[int, str] = {int(k): str(v) for k, v in dict(names).items()}
        self._threads_set = False
        self.plan: Any = None

    @classmethod
    def for_job(
        cls,
        model: ResolvedModel,
        *,
        device: str = "auto",
        backend: str = "auto",
        imgsz: int = 640,
        frame_size: tuple[int, int] | None = None,
        cache_dir: Path | None = None,
        status: Callable[[str], None] | None = None,
        calibration: Any = None,
        cancel: threading.Event | None = None,
    ) -> Any:
        """The detector a job uses: the backend chosen (and exported once, cached) by
        ``backends.plan_backend``. ``frame_size`` is the video's (width, height); ``cancel``
        stops an export or quantization under way (Cancelled).

        Exported models (VideoLab's cached exports and the user's own) run on the direct
        runners (no torch, no Ultralytics at run time); .pt weights on Ultralytics' ``YOLO``."""
        from videolab.inference.backends import plan_backend
        from videolab.inference.model_info import check_job_model

        check_job_model(model)  # before any export: a classifier is refused, not exported
        plan = plan_backend(
            model,
            requested=backend,
            device=device,
            imgsz=imgsz,
            frame_size=frame_size,
            cache_dir=cache_dir,
            status=status,
            calibration=calibration,
            cancel=cancel,
        )
        if status is not None:
            status(f"Loading the model ({plan.backend} on {plan.device})")
        if plan.backend != "torch":
            direct = direct_detector(model, plan, frame_size, imgsz)
            if direct is not None:
                direct.plan = plan
                return direct
        detector = cls(
            model,
            device=plan.device,
            weights=str(plan.weights),
            backend=plan.backend,
            imgsz=plan.imgsz if plan.backend != "torch" else None,
            batch_size=plan.batch,
        )
        detector.plan = plan
        return detector

    def warm_up(self, frame: np.ndarray, options: PredictOptions) -> None:
        """One untimed inference: Ultralytics builds its predictor, OpenVINO compiles, CUDA
        picks kernels. Keeps the first progress report honest."""
        self.detect([frame], options)

    def _tune_threads(self) -> None:
        # Ultralytics' device selection sets torch to cores-1 threads on its first predict.
        if self.device == "cpu" and not self._threads_set:
            import torch

            torch.set_num_threads(cpu_threads())
            self._threads_set = True

    def check_classes(self, classes: tuple[int, ...] | None) -> None:
        check_class_ids(classes, self.names, self.model_info.name)

    def detect(
        self, frames: Sequence[np.ndarray], options: PredictOptions
    ) -> list[list[Detection]]:
        if not frames:
            return []
        results = self._yolo.predict(
            list(frames),
            conf=options.conf,
            iou=options.iou,
            imgsz=self.imgsz if self.imgsz is not None else options.imgsz,
            classes=list(options.classes) if options.classes is not None else None,
            max_det=options.max_det,
            device=self.device,
            half=self.half,
            verbose=False,
            batch=len(frames),
        )
        self._tune_threads()
        return [self._convert(r) for r in results]

    def _convert(self, result: Any) -> list[Detection]:
        obb = getattr(result, "obb", None)
        if obb is not None:
            if len(obb) == 0:
                return []
            return to_detections(
                obb.xyxy.cpu().numpy().astype(float),
                obb.cls.cpu().numpy().astype(int),
                obb.conf.cpu().numpy().astype(float),
                self.names,
                obb.xywhr.cpu().numpy().astype(float),
            )
        boxes = result.boxes
        if boxes is None or len(boxes) == 0:
            return []
        return to_detections(
            boxes.xyxy.cpu().numpy().astype(float),
            boxes.cls.cpu().numpy().astype(int),
            boxes.conf.cpu().numpy().astype(float),
            self.names,
        )


def onnxruntime_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


def direct_detector(
    model: ResolvedModel,
    plan: Any,
    frame_size: tuple[int, int] | None,
    imgsz: int,
) -> Any:
    """The direct runner (no torch) for an exported model, or None when it cannot read it
    and Ultralytics can; Unavailable when neither can."""
    from videolab.inference.direct_runner import rect_input, unsupported_reason
    from videolab.inference.model_info import onnx_metadata
    from videolab.inference.models import torch_available
    from videolab.inference.openvino_runner import read_metadata

    weights = Path(plan.weights)
    dynamic_hw = rect_input(frame_size, imgsz)
    if plan.backend == "onnx":
        meta = onnx_metadata(weights)
        reason = unsupported_reason(meta)
        if reason is None and onnxruntime_available():
            from videolab.inference.onnx_runner import OnnxDetector

            return OnnxDetector(model, weights, backend=plan.backend, dynamic_input_hw=dynamic_hw)
        if reason is None:
            # The cpu bundle ships OpenVINO and not ONNX Runtime (36 MB): OpenVINO reads .onnx
            # files as well, and the same direct runner reads its output.
            from videolab.inference.openvino_runner import OpenVinoDetector

            log.info("%s runs on OpenVINO: ONNX Runtime is not installed", model.name)
            return OpenVinoDetector(model, weights, backend=plan.backend,
                                    dynamic_input_hw=dynamic_hw, metadata=meta)
    else:
        xml = next(weights.glob("*.xml"), None)
        if xml is None:
            raise Unavailable(f"The OpenVINO model {weights.name} has no .xml file.")
        reason = unsupported_reason(read_metadata(xml.parent))
        if reason is None:
            from videolab.inference.openvino_runner import OpenVinoDetector

            return OpenVinoDetector(model, xml, backend=plan.backend, dynamic_input_hw=dynamic_hw)
    if torch_available():
        log.info(
            "%s runs on Ultralytics: the direct runner cannot read it (%s)", model.name, reason
        )
        return None
    raise Unavailable(f"{model.name} cannot run in this VideoLab build: {reason}.")
