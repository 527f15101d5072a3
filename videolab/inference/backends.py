"""Which engine runs a job's model, decided once per job: auto | torch | openvino | onnx.

- On a CUDA GPU, ``auto`` is PyTorch in half precision with batches of frames.
- On a CPU, ``auto`` exports the .pt weights once with Ultralytics' own exporter to OpenVINO
  or, failing that, to ONNX Runtime, caches the export (see ``export_cache``) and runs that.
  For a job long enough to repay it (INT8_MIN_FRAMES) the OpenVINO export is also quantized to
  INT8, calibrated on the job's video and checked against FP32 on held-out frames of it (see
  ``quantize``); an INT8 model already made for the video is always used. Measured on 2 cores:
  PyTorch 20, OpenVINO FP32 38, OpenVINO INT8 135 frames/s (model only). If nothing exports,
  PyTorch runs it and the reason is logged.
- ``openvino`` / ``openvino-int8`` / ``onnx`` ask for that engine explicitly; they run on the
  CPU (the device is recorded as ``cpu``) and a failure is an error, not a silent fallback.
- A model that already is an .onnx file or an OpenVINO folder runs on its own engine.

Exports have a fixed input shape. Ultralytics feeds PyTorch a letterboxed frame padded only
to a multiple of 32 (a 640x360 video becomes 640x384), so the export is made for exactly that
shape, computed from the video's frame size, rather than for a 640x640 square that would do
67% more work on padding.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from videolab.domain.errors import Unavailable
from videolab.inference.devices import resolve_device
from videolab.inference.models import ResolvedModel
from videolab.inference.runnable import backend_refusal

log = logging.getLogger(__name__)

CPU_EXPORT_ORDER = ("openvino-int8", "openvino", "onnx")
STRIDE = 32
CUDA_BATCH = 16
# Calibrating INT8 costs ~10 s once per video; at ~25 ms saved per frame on 2 cores that is
# repaid after about 400 frames.
INT8_MIN_FRAMES = 400


class Calibration:
    """Where an INT8 model for this job would be calibrated: the job's video. Its SHA-256
    (hashed only when needed and not given) keys the INT8 cache entry."""

    def __init__(
        self,
        video: Path,
        frame_count: int,
        selected_frames: int,
        video_sha256: str | None = None,
    ) -> None:
        self.video = Path(video)
        self.frame_count = frame_count
        self.selected_frames = selected_frames  # frames this job will process
        self._sha256 = video_sha256

    @property
    def video_sha256(self) -> str:
        if self._sha256 is None:
            from videolab.inference.models import file_sha256

            self._sha256 = file_sha256(self.video)
        return self._sha256

    def frames(self) -> Any:
        """BGR frames spread over the video (see quantize.sample_frames)."""
        from videolab.inference.quantize import sample_frames

        return sample_frames(self.video, self.frame_count)


@dataclass(frozen=True)
class BackendPlan:
    """What will run: engine, device, weights to load and the input size to ask for."""

    backend: str
    device: str
    weights: Path
    imgsz: int | tuple[int, int]
    half: bool
    batch: int
    exported: bool = False  # True when this job had to export (the first job of a model)


def input_shape(
    frame_width: int, frame_height: int, imgsz: int, stride: int = STRIDE
) -> tuple[int, int]:
    """(h, w) of the letterboxed input Ultralytics gives a PyTorch model for such frames."""
    r = min(imgsz / frame_height, imgsz / frame_width)
    h = round(frame_height * r)
    w = round(frame_width * r)
    return (
        max(stride, math.ceil(h / stride) * stride),
        max(stride, math.ceil(w / stride) * stride),
    )


def plan_backend(
    model: ResolvedModel,
    *,
    requested: str = "auto",
    device: str = "auto",
    imgsz: int = 640,
    frame_size: tuple[int, int] | None = None,
    cache_dir: Path | None = None,
    status: Callable[[str], None] | None = None,
    calibration: Calibration | None = None,
    cancel: threading.Event | None = None,
) -> BackendPlan:
    """Decide the engine for ``model`` and prepare its weights (exporting once if needed).

    ``frame_size`` is the video's (width, height); ``cache_dir`` defaults to the app's export
    cache folder. ``status`` gets a line a person can read while a slow export runs. With
    ``cancel``, exports and quantization run in a child process that the event stops
    (Cancelled is raised).
    """
    requested = (requested or "auto").lower()
    if model.format != "pt":  # an .onnx file or OpenVINO folder the user chose
        refusal = backend_refusal(model, requested)
        if refusal is not None:
            raise Unavailable(refusal)
        return BackendPlan(model.format, "cpu", model.path, imgsz, False, 1)

    dev = resolve_device(device)
    if requested == "torch" or (requested == "auto" and dev != "cpu"):
        cuda = dev.startswith("cuda")
        return BackendPlan("torch", dev, model.path, imgsz, cuda, CUDA_BATCH if cuda else 1)

    shape = input_shape(*(frame_size or (imgsz, imgsz)), imgsz)
    from videolab.inference.export_cache import ExportCache, ExportError

    cache = ExportCache(cache_dir if cache_dir is not None else default_cache_dir())
    order = CPU_EXPORT_ORDER if requested == "auto" else (requested,)
    failures = []
    for fmt in order:
        if not runtime_available(fmt):
            failures.append(f"{fmt}: {_RUNTIME[fmt]} is not installed")
            continue
        if fmt == "openvino-int8":
            reason = _int8_skip_reason(cache, model, shape, calibration, explicit=requested == fmt)
            if reason is not None:
                failures.append(f"{fmt}: {reason}")
                continue
            assert calibration is not None
            try:
                entry = _int8_entry(cache, model, shape, calibration, status, cancel)
            except ExportError as exc:
                failures.append(f"{fmt}: {exc}")
                log.warning("INT8 quantization of %s failed: %s", model.name, exc)
                continue
            if entry.rejected:
                failures.append(f"{fmt}: {_verdict(entry.model_path)}")
                continue
            return BackendPlan(fmt, "cpu", entry.model_path, shape, False, 1, entry.built)
        try:
            entry = cache.get_or_build(model, fmt, shape, status=status, cancel=cancel)
        except ExportError as exc:
            failures.append(f"{fmt}: {exc}")
            log.warning("%s export of %s failed: %s", fmt, model.name, exc)
            continue
        return BackendPlan(fmt, "cpu", entry.model_path, shape, False, 1, entry.built)
    if requested != "auto":
        raise Unavailable(
            f"The {requested} backend is not available for {model.name}: {'; '.join(failures)}."
        )
    log.warning(
        "no accelerated CPU backend for %s (%s); using torch", model.name, "; ".join(failures)
    )
    return BackendPlan("torch", dev, model.path, imgsz, False, 1)


_RUNTIME = {"openvino": "openvino", "onnx": "onnxruntime", "openvino-int8": "nncf"}


def runtime_available(fmt: str) -> bool:
    import importlib.util

    needed = ["openvino", "nncf"] if fmt == "openvino-int8" else [_RUNTIME[fmt]]
    return all(importlib.util.find_spec(name) is not None for name in needed)


def _int8_skip_reason(
    cache: Any,
    model: ResolvedModel,
    shape: tuple[int, int],
    calibration: Calibration | None,
    *,
    explicit: bool,
) -> str | None:
    """Why INT8 is not tried for this job, or None to try it."""
    from videolab.inference.export_cache import cache_key

    if calibration is None:
        return "no video to calibrate it on"
    if explicit or calibration.selected_frames >= INT8_MIN_FRAMES:
        return None
    key = cache_key(model.sha256, "openvino-int8", shape, calibration.video_sha256)
    if cache.lookup(key) is not None:
        return None  # made for this video already: free to use (or known to be refused)
    return f"{calibration.selected_frames} frames are too few to repay calibrating INT8"


def _int8_entry(
    cache: Any,
    model: ResolvedModel,
    shape: tuple[int, int],
    calibration: Calibration,
    status: Callable[[str], None] | None,
    cancel: threading.Event | None,
) -> Any:
    from videolab.inference.export_cache import ExportError

    fp32 = cache.get_or_build(model, "openvino", shape, status=status, cancel=cancel)
    from videolab.inference.openvino_runner import int8_checkable

    xml = next(fp32.model_path.glob("*.xml"), None)
    if xml is None or not int8_checkable(xml):
        # The accuracy check reads the raw output as a plain YOLO detect head; an end-to-end
        # model (YOLO26's NMS-free head) or another task would be checked wrongly.
        raise ExportError("INT8 is made only for plain YOLO detection models")

    return cache.get_or_build(
        model,
        "openvino-int8",
        shape,
        status=status,
        build=functools.partial(_build_int8, fp32.model_path, calibration),
        variant=calibration.video_sha256,
        cancel=cancel,
    )


def _build_int8(
    fp32_model: Path,
    calibration: Calibration,
    folder: Path,
    *,
    status: Callable[[str], None] | None = None,
) -> None:
    """Quantize the FP32 export into ``folder`` (module level: it may run in a child process)."""
    from videolab.inference.export_cache import ExportError
    from videolab.inference.quantize import quantize_export

    try:
        frames = calibration.frames()
        if not frames:
            raise ExportError("no frame of the video could be read to calibrate INT8")
        quantize_export(fp32_model, folder, frames, status=status)
    except ExportError:
        raise
    except Exception as exc:
        raise ExportError(f"{type(exc).__name__}: {exc}") from exc


def _verdict(path: Path) -> str:
    import json

    try:
        data = json.loads(path.read_text("utf-8"))
        from videolab.inference.quantize import MIN_CHECK_FRAMES

        if data["check_frames"] < MIN_CHECK_FRAMES:
            return (
                f"refused: the video has too few frames to check its accuracy "
                f"({data['check_frames']} held out, {MIN_CHECK_FRAMES} needed)"
            )
        return (
            f"refused after its accuracy check: it found {data['matched']} of the FP32 model's "
            f"{data['fp32_boxes']} boxes on {data['check_frames']} frames of this video and "
            f"added {data['extra']}"
        )
    except (OSError, ValueError, KeyError, TypeError):
        return "refused after its accuracy check"


def default_cache_dir() -> Path:
    from videolab.settings import app_paths

    return app_paths().export_cache_dir
