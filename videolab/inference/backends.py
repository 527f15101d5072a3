"""Which engine runs a job's model, decided once per job: auto | torch | openvino | onnx.

- On a CUDA GPU, ``auto`` is PyTorch in half precision with batches of frames.
- On a CPU, ``auto`` exports the .pt weights once with Ultralytics' own exporter to OpenVINO
  (about 3x PyTorch's speed on the CPUs we measured) or, failing that, to ONNX Runtime, caches
  the export (see ``export_cache``) and runs that. If neither export works, PyTorch runs it and
  the reason is logged.
- ``openvino`` / ``onnx`` ask for that engine explicitly; they run on the CPU (the device is
  recorded as ``cpu``) and a failure is an error, not a silent fallback.
- A model that already is an .onnx file or an OpenVINO folder runs on its own engine.

Exports have a fixed input shape. Ultralytics feeds PyTorch a letterboxed frame padded only
to a multiple of 32 (a 640x360 video becomes 640x384), so the export is made for exactly that
shape, computed from the video's frame size, rather than for a 640x640 square that would do
67% more work on padding.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from videolab.domain.errors import Unavailable
from videolab.inference.devices import resolve_device
from videolab.inference.models import ResolvedModel

log = logging.getLogger(__name__)

CPU_EXPORT_ORDER = ("openvino", "onnx")
STRIDE = 32
CUDA_BATCH = 16


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
) -> BackendPlan:
    """Decide the engine for ``model`` and prepare its weights (exporting once if needed).

    ``frame_size`` is the video's (width, height); ``cache_dir`` defaults to the app's export
    cache folder. ``status`` gets a line a person can read while a slow export runs.
    """
    requested = (requested or "auto").lower()
    if model.format != "pt":  # an .onnx file or OpenVINO folder the user chose
        if requested not in ("auto", model.format):
            raise Unavailable(
                f"{model.name} is an {model.format} model; it runs on the {model.format} backend, "
                f"not {requested}."
            )
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
        try:
            entry = cache.get_or_build(model, fmt, shape, status=status)
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


_RUNTIME = {"openvino": "openvino", "onnx": "onnxruntime"}


def runtime_available(fmt: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(_RUNTIME[fmt]) is not None


def default_cache_dir() -> Path:
    from videolab.settings import app_paths

    return app_paths().export_cache_dir
