"""Turn what the user typed as a model ("demo", "yolo11n.pt", a file) into weights on disk.

VideoLab is offline: official Ultralytics names are looked up in the user's model folder and
never downloaded. A `.pt` file is a Python pickle, and loading one can run arbitrary code, so
one from outside the app's own folders needs the user's explicit consent. Every resolved model
carries the SHA-256 of its weights, recorded with each job.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from videolab.domain.errors import ConsentRequired, InvalidInput, Unavailable
from videolab.shipped import resource

SHIPPED_MODELS_DIR = resource("models")
DEMO_NAME = "demo"
DEMO_WEIGHTS = SHIPPED_MODELS_DIR / "demo.pt"
# The demo model exported to OpenVINO (scripts/export_demo_ir.py): what a build without
# PyTorch (the CPU bundle) ships and runs instead of demo.pt.
DEMO_IR = SHIPPED_MODELS_DIR / "demo_openvino_model"

# yolo11n.pt, yolov8s.pt, yolov5su.pt, yolo11n-seg.pt, yolo26x.pt ... (a bare name, no folder).
_OFFICIAL = re.compile(r"^yolo(v\d+|\d+)[nsmlxbce]?u?(-[a-z0-9]+)?\.pt$", re.IGNORECASE)
_OPENVINO_SUFFIX = "_openvino_model"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ResolvedModel:
    """Weights ready to load. `format` is "pt", "onnx" or "openvino" (a folder)."""

    name: str
    path: Path
    sha256: str
    trusted: bool
    format: str


def is_official_name(spec: str) -> bool:
    """True for a bare Ultralytics release name such as 'yolo11n.pt'."""
    return "/" not in spec and "\\" not in spec and bool(_OFFICIAL.match(spec))


def resolve_model(
    spec: str, *, models_dir: Path | None = None, allow_untrusted: bool = False
) -> ResolvedModel:
    """Find the weights for `spec`; raise a domain error a person can act on when impossible.

    `models_dir` is the user's model folder: official names are looked up there, and files in
    it are trusted like the shipped ones. `allow_untrusted=True` records the user's consent to
    load a `.pt` from anywhere else.
    """
    spec = spec.strip()
    if not spec:
        raise InvalidInput(
            "Choose a model: 'demo', an Ultralytics name such as yolo11n.pt, or a file."
        )
    if spec == DEMO_NAME:
        return _demo()
    if is_official_name(spec) and not Path(spec).exists():
        return _official(spec, models_dir)
    return _local(Path(spec).expanduser(), models_dir, allow_untrusted)


def _demo() -> ResolvedModel:
    """demo.pt where PyTorch can run it, else its OpenVINO export when shipped."""
    ir = DEMO_IR.is_dir() and any(DEMO_IR.glob("*.xml"))
    if DEMO_WEIGHTS.is_file() and (torch_available() or not ir):
        return _resolved(DEMO_NAME, DEMO_WEIGHTS, "pt", trusted=True)
    if ir:
        return _resolved(DEMO_NAME, DEMO_IR, "openvino", trusted=True)
    raise Unavailable(
        f"The demo model is missing from this installation ({DEMO_WEIGHTS}). "
        "Reinstall VideoLab or run scripts/train_demo_model.py."
    )


def torch_available() -> bool:
    """Whether this process can import torch and Ultralytics (a CPU bundle cannot)."""
    return _importable("torch") and _importable("ultralytics")


def _importable(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _official(name: str, models_dir: Path | None) -> ResolvedModel:
    for folder in (models_dir, SHIPPED_MODELS_DIR):
        if folder is not None and (folder / name).is_file():
            return _resolved(name, folder / name, "pt", trusted=True)
    where = str(models_dir) if models_dir is not None else "VideoLab's model folder"
    raise Unavailable(
        f"Model {name} is not downloaded and VideoLab is offline. Download it from "
        f"https://github.com/ultralytics/assets/releases and place it in {where}, "
        "or choose a local file."
    )


def _local(path: Path, models_dir: Path | None, allow_untrusted: bool) -> ResolvedModel:
    if not path.exists():
        raise InvalidInput(f"Model file {path} does not exist.")
    fmt = model_format(path)
    trusted = _is_trusted(path, models_dir)
    if fmt == "pt" and not trusted and not allow_untrusted:
        raise ConsentRequired(
            f"{path.name} is a PyTorch .pt file from outside VideoLab's model folders. Loading a "
            ".pt file can run any program code hidden in it. Load it only if you trust where it "
            "came from; otherwise export it to ONNX or OpenVINO, or copy it into "
            f"{models_dir or 'your model folder'}."
        )
    return _resolved(path.name, path, fmt, trusted=trusted)


def model_format(path: Path) -> str:
    """ "pt", "onnx" or "openvino" for a usable model path; InvalidInput otherwise."""
    if path.is_dir():
        if path.name.endswith(_OPENVINO_SUFFIX) and any(path.glob("*.xml")):
            return "openvino"
        raise InvalidInput(
            f"Folder {path.name} is not an OpenVINO model (a '*{_OPENVINO_SUFFIX}' folder "
            "with an .xml and a .bin file)."
        )
    suffix = path.suffix.lower()
    if suffix in {".pt", ".onnx"}:
        return suffix[1:]
    raise InvalidInput(
        f"{path.name} is not a model VideoLab can use: choose a .pt or .onnx file, or an "
        "OpenVINO model folder."
    )


def _is_trusted(path: Path, models_dir: Path | None) -> bool:
    # resolve() follows symlinks, so a link in the model folder pointing elsewhere is not trusted.
    real = path.resolve()
    folders = [SHIPPED_MODELS_DIR] + ([models_dir.resolve()] if models_dir is not None else [])
    return any(real.is_relative_to(folder) for folder in folders)


def _resolved(name: str, path: Path, fmt: str, *, trusted: bool) -> ResolvedModel:
    return ResolvedModel(name, path.resolve(), weights_sha256(path), trusted, fmt)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def weights_sha256(path: Path) -> str:
    """SHA-256 of a weights file, or of a model folder's files.

    For a folder: SHA-256 over each file's relative path and its own SHA-256, in path order,
    so renaming or changing any file changes the result.
    """
    if path.is_file():
        return file_sha256(path)
    digest = hashlib.sha256()
    for item in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = item.relative_to(path).as_posix()
        digest.update(f"{rel}\0{file_sha256(item)}\n".encode())
    return digest.hexdigest()
