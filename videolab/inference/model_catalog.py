"""Which models this machine can run now, for a model picker, and what each one detects.

VideoLab never downloads: an official Ultralytics name (``yolo11n.pt``) is usable only when
its file is in the user's model folder (or shipped). The picker lists the shipped demo, every
model file in the user's folder, and the usual official names, each marked available or not
with what to do to get it. Nothing here hashes weights or imports torch: the list and the
class names are read from the files' own metadata (``model_info``), cheaply enough to follow
the user's choice as they pick.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from videolab.domain.errors import VideoLabError
from videolab.inference.model_info import ModelInfo, inspect_model
from videolab.inference.models import (
    DEMO_IR,
    DEMO_NAME,
    DEMO_WEIGHTS,
    SHIPPED_MODELS_DIR,
    ResolvedModel,
    is_official_name,
    model_format,
)

#: Official names offered even when absent, so a user learns they exist and how to add them.
SUGGESTED = ("yolo11n.pt", "yolo11s.pt", "yolo11m.pt", "yolov8n.pt", "yolov8s.pt")
RELEASES_URL = "https://github.com/ultralytics/assets/releases"
_MODEL_SUFFIXES = (".pt", ".onnx")
_OPENVINO_SUFFIX = "_openvino_model"


@dataclass(frozen=True)
class ModelChoice:
    """One entry of the picker. ``spec`` is what a job's ``model`` parameter gets."""

    name: str  # what the list shows
    path: Path | None  # the weights on disk; None when not downloaded
    where: str  # "shipped", "your model folder", or "not downloaded"

    @property
    def spec(self) -> str:
        """What a job's ``model`` parameter gets: the demo and official names as they are
        (``resolve_model`` finds them), any other file by its path."""
        if self.path is None or self.name == DEMO_NAME or is_official_name(self.name):
            return self.name
        return str(self.path)

    @property
    def available(self) -> bool:
        return self.path is not None



def missing_help(name: str, models_dir: Path | None) -> str:
    """What to do to use an official model that is not on this machine."""
    folder = str(models_dir) if models_dir is not None else "VideoLab's model folder"
    return (
        f"{name} is not downloaded, and VideoLab does not download models. Get {name} from "
        f"{RELEASES_URL} and put it in {folder}; it then shows in this list. Or pick a model "
        "file with the Browse button."
    )


def _demo_path() -> Path | None:
    if DEMO_WEIGHTS.is_file():
        return DEMO_WEIGHTS
    if DEMO_IR.is_dir() and any(DEMO_IR.glob("*.xml")):
        return DEMO_IR
    return None


def _model_files(folder: Path | None) -> list[Path]:
    """The model files and OpenVINO folders directly in ``folder``, by name."""
    if folder is None or not folder.is_dir():
        return []
    found = []
    for item in folder.iterdir():
        if item.is_file() and item.suffix.lower() in _MODEL_SUFFIXES:
            found.append(item)
        elif item.is_dir() and item.name.endswith(_OPENVINO_SUFFIX) and any(item.glob("*.xml")):
            found.append(item)
    return sorted(found, key=lambda p: p.name.lower())


def model_choices(models_dir: Path | None) -> list[ModelChoice]:
    """The demo, then the models in the user's folder, then the suggested official names not
    among them (not downloaded, unless shipped)."""
    choices = [ModelChoice(DEMO_NAME, _demo_path(), "shipped")]
    seen = {DEMO_NAME}
    for path in _model_files(models_dir):
        choices.append(ModelChoice(path.name, path, "your model folder"))
        seen.add(path.name)
    for name in SUGGESTED:
        if name in seen:
            continue
        shipped = SHIPPED_MODELS_DIR / name
        if shipped.is_file():
            choices.append(ModelChoice(name, shipped, "shipped"))
        else:
            choices.append(ModelChoice(name, None, "not downloaded"))
    return choices


def locate(spec: str, models_dir: Path | None) -> Path | None:
    """Where the weights for ``spec`` are, as ``resolve_model`` would find them; None when
    an official name is not downloaded or a path does not exist."""
    spec = spec.strip()
    if not spec:
        return None
    if spec == DEMO_NAME:
        return _demo_path()
    if is_official_name(spec) and not Path(spec).exists():
        for folder in (models_dir, SHIPPED_MODELS_DIR):
            if folder is not None and (folder / spec).is_file():
                return folder / spec
        return None
    path = Path(spec).expanduser()
    return path if path.exists() else None


_info_cache: dict[tuple[str, int, int], ModelInfo | None] = {}


def read_model_info(path: Path) -> ModelInfo | None:
    """The task and classes ``path`` declares, None when it cannot be read. Cached by path,
    size and modification time; reading never runs the file's code (see ``pt_checkpoint``)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _info_cache:
        try:
            fmt = model_format(path)
            _info_cache[key] = inspect_model(ResolvedModel(path.name, path, "", False, fmt))
        except (VideoLabError, OSError, ValueError):  # unreadable: no hint, the job says why
            _info_cache[key] = None
    return _info_cache[key]
