"""Refuse, before a job holds any credit, the parameter combinations that could only fail.

Each check here used to surface only once the job ran (after its hold was posted), as a FAILED
job and a refund; the user was told late and the ledger filled with noise.
"""

from __future__ import annotations

from collections.abc import Mapping

from videolab.domain.errors import InvalidInput, Unavailable
from videolab.domain.params import DetectionParams
from videolab.inference.devices import resolve_device
from videolab.inference.models import ResolvedModel

#: Backends that run only on the CPU.
_CPU_BACKENDS = ("onnx", "openvino", "openvino-int8")


def backend_refusal(model: ResolvedModel, requested: str) -> str | None:
    """Why ``requested`` cannot run ``model``, or None when it can.

    An exported model (.onnx file, OpenVINO folder) runs only on its own runtime; a .pt runs on
    every backend (VideoLab exports it as needed).
    """
    requested = (requested or "auto").lower()
    if model.format == "pt" or requested in ("auto", model.format):
        return None
    return (
        f"{model.name} is an {model.format} model: it runs on the {model.format} backend "
        f"(or auto), not {requested}."
    )


def check_classes(
    params: DetectionParams, model: ResolvedModel, class_names: Mapping[int, str]
) -> None:
    """Refuse a class filter naming classes the model does not have. ``class_names`` are the
    model's own (``model_info.inspect_model``); empty when the file does not say."""
    if not params.classes or not class_names:
        return
    unknown = sorted(c for c in params.classes if c not in class_names)
    if unknown:
        known = ", ".join(f"{i} {name}" for i, name in sorted(class_names.items()))
        raise InvalidInput(
            f"{model.name} has no class {', '.join(map(str, unknown))}; its classes are {known}."
        )


def check_runnable(params: DetectionParams, model: ResolvedModel) -> None:
    """Raise a domain error a person can act on when this job could not run here (without
    reading the model: its format, the backend and the device decide)."""
    refusal = backend_refusal(model, params.backend)
    if refusal is not None:
        raise InvalidInput(refusal)
    if params.device.startswith("cuda") and (
        params.backend in _CPU_BACKENDS or model.format != "pt"
    ):
        raise InvalidInput(
            f"The {params.backend if params.backend != 'auto' else model.format} backend runs on "
            "the CPU; choose device auto or cpu, or a .pt model with backend torch or auto "
            "for the GPU."
        )
    if params.track is not None and not _importable("trackers", "supervision"):
        raise Unavailable(
            "Tracking needs the 'trackers' and 'supervision' packages, which this VideoLab "
            "build does not include; run the job without tracking, or use a source install."
        )
    resolve_device(params.device)  # Unavailable when the GPU asked for is not there


def _importable(*names: str) -> bool:
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in names)
