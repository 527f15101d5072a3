"""Run an Ultralytics model on batches of frames; boxes come back in original pixels."""

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
        from videolab.inference.ultralytics_env import import_ultralytics

        ultralytics = import_ultralytics()
        self.model_info = model
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
            self._yolo = ultralytics.YOLO(path, task="detect")
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

        VideoLab's own OpenVINO exports run on ``openvino_runner`` (no torch, no Ultralytics
        at run time); everything else on Ultralytics' ``YOLO``."""
        from videolab.inference.backends import plan_backend

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
        if plan.backend in ("openvino", "openvino-int8") and model.format == "pt":
            from videolab.inference.openvino_runner import OpenVinoDetector, supports

            xml = next(Path(plan.weights).glob("*.xml"), None)
            if xml is not None and supports(xml):
                direct = OpenVinoDetector(model, xml, backend=plan.backend)
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
        boxes = result.boxes
        if boxes is None or len(boxes) == 0:
            return []
        return to_detections(
            boxes.xyxy.cpu().numpy().astype(float),
            boxes.cls.cpu().numpy().astype(int),
            boxes.conf.cpu().numpy().astype(float),
            self.names,
        )
