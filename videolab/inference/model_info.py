"""What a model is (its task and classes), read before a job is accepted.

A job needs boxes. Ultralytics models of the tasks ``detect``, ``segment`` (boxes + masks),
``pose`` (boxes + keypoints) and ``obb`` (rotated boxes) all give them; a ``classify`` model
gives one label per picture and no box, so it is refused before anything is held.

The task and class names come from what the model file says about itself, without loading it:
the checkpoint's pickle read inertly for a ``.pt`` (``pt_checkpoint``), the ONNX metadata
Ultralytics writes, or the ``metadata.yaml`` of an OpenVINO folder. Nothing here imports
torch or Ultralytics, so a build without them still refuses what it cannot run with one clear
sentence.
"""

from __future__ import annotations

import ast
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videolab.domain.errors import InvalidInput, Unavailable
from videolab.inference.models import ResolvedModel, torch_available

log = logging.getLogger(__name__)

#: Tasks whose output has boxes; a job of any other task is refused.
BOX_TASKS = ("detect", "segment", "pose", "obb")
_HEAD_TASKS = {  # Ultralytics' guess_model_task, by the head module's name
    "classify": "classify",
    "segment": "segment",
    "pose": "pose",
    "obb": "obb",
    "detect": "detect",
    "rtdetrdecoder": "detect",
    "worlddetect": "detect",
    "yoloedetect": "detect",
}


@dataclass(frozen=True)
class ModelInfo:
    """The task a model was trained for and its classes ({} when the file does not say)."""

    task: str
    class_names: dict[int, str] = field(default_factory=dict)
    end2end: bool = False  # an NMS-free head (YOLO26, YOLOv10): output rows are final boxes

    @property
    def has_boxes(self) -> bool:
        return self.task in BOX_TASKS


def inspect_model(model: ResolvedModel) -> ModelInfo:
    """Task and classes of ``model`` from its own metadata; InvalidInput when unreadable."""
    if model.format == "pt":
        return _from_checkpoint(model)
    if model.format == "onnx":
        return info_from_metadata(model, onnx_metadata(model.path))
    if model.format == "openvino":
        from videolab.inference.openvino_runner import read_metadata

        return info_from_metadata(model, read_metadata(model.path))
    raise InvalidInput(f"{model.name} is not a model VideoLab can use.")


def check_job_model(model: ResolvedModel) -> ModelInfo:
    """The model's info when a detection job can run it here; otherwise the one-sentence reason
    (InvalidInput for a model without boxes, Unavailable for a .pt in a build without PyTorch).
    Call it before anything is held."""
    info = inspect_model(model)
    if not info.has_boxes:
        what = "an image classifier" if info.task == "classify" else f"a {info.task} model"
        raise InvalidInput(
            f"{model.name} is {what}: it labels whole pictures and finds no boxes, so it cannot "
            "run a detection job. Choose a detection, segmentation, pose or oriented-box model."
        )
    if model.format == "pt" and not torch_available():
        raise Unavailable(
            f"{model.name} is a PyTorch .pt model and this VideoLab build has no PyTorch: use "
            f"the full build, or convert it with `yolo export model={model.path.name} "
            "format=onnx` and choose the .onnx file."
        )
    return info


# -- .pt ---------------------------------------------------------------------------------------
def _from_checkpoint(model: ResolvedModel) -> ModelInfo:
    from videolab.inference.pt_checkpoint import CheckpointError, attrs, read_checkpoint

    try:
        ckpt = read_checkpoint(model.path)
    except CheckpointError as exc:
        raise InvalidInput(f"{model.name} is not an Ultralytics YOLO model: {exc}.") from None
    top = attrs(ckpt)
    net = top.get("ema") or top.get("model")
    fields = attrs(net)
    if not fields:
        raise InvalidInput(f"{model.name} is not an Ultralytics YOLO model: it holds no model.")
    task = _task_of(fields, top)
    names = _names(fields.get("names"))
    yaml_cfg = fields.get("yaml")
    end2end = bool(
        fields.get("end2end") or (isinstance(yaml_cfg, dict) and yaml_cfg.get("end2end"))
    )
    return ModelInfo(task, names, end2end)


def _task_of(fields: dict[str, Any], top: dict[str, Any]) -> str:
    """As Ultralytics' guess_model_task: the head in the model's yaml, then its args."""
    from videolab.inference.pt_checkpoint import attrs

    task = fields.get("task")
    if isinstance(task, str) and task:
        return task
    cfg = fields.get("yaml")
    if isinstance(cfg, dict):
        try:
            head = str(cfg["head"][-1][-2]).lower()
        except (KeyError, IndexError, TypeError):
            head = ""
        for key, value in _HEAD_TASKS.items():
            if key in head:
                return value
    for args in (fields.get("args"), top.get("train_args")):
        found = attrs(args).get("task") if args is not None else None
        if isinstance(found, str) and found:
            return found
    return "detect"  # Ultralytics' own default when nothing says otherwise


# -- exported models ---------------------------------------------------------------------------
def onnx_metadata(path: Path) -> dict[str, str]:
    """The metadata Ultralytics stores in an ONNX file (``metadata_props``), read from the
    protobuf directly: no onnx package needed, and the graph (most of the file) is skipped."""
    try:
        with open(path, "rb") as f:
            return _onnx_props(f)
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{path.name} could not be read as an ONNX model: {exc}") from None


_ONNX_METADATA_FIELD = 14  # ModelProto.metadata_props (StringStringEntryProto key=1 value=2)


def _onnx_props(f: Any) -> dict[str, str]:
    props: dict[str, str] = {}
    size = f.seek(0, 2)
    f.seek(0)
    while f.tell() < size:
        number, wire = divmod(_varint(f), 8)
        if wire == 0:
            _varint(f)
        elif wire == 1:
            f.seek(8, 1)
        elif wire == 5:
            f.seek(4, 1)
        elif wire == 2:
            length = _varint(f)
            if f.tell() + length > size:
                raise ValueError("truncated protobuf field")
            if number == _ONNX_METADATA_FIELD:
                entry = _entry(f.read(length))
                if entry is not None:
                    props[entry[0]] = entry[1]
            else:
                f.seek(length, 1)
        else:
            raise ValueError(f"not an ONNX file (protobuf wire type {wire})")
    return props


def _entry(data: bytes) -> tuple[str, str] | None:
    import io

    f = io.BytesIO(data)
    fields: dict[int, str] = {}
    while f.tell() < len(data):
        number, wire = divmod(_varint(f), 8)
        if wire != 2:
            return None
        fields[number] = f.read(_varint(f)).decode("utf-8", "replace")
    return (fields[1], fields.get(2, "")) if 1 in fields else None


def _varint(f: Any) -> int:
    value = shift = 0
    while True:
        byte = f.read(1)
        if not byte:
            raise ValueError("truncated protobuf varint")
        value |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            return value
        shift += 7
        if shift > 63:
            raise ValueError("bad protobuf varint")


def info_from_metadata(model: ResolvedModel, meta: dict[str, Any]) -> ModelInfo:
    task = meta.get("task")
    if not isinstance(task, str) or not task:
        raise InvalidInput(
            f"{model.name} carries no Ultralytics metadata (task and class names); export it "
            "with Ultralytics (`yolo export model=X.pt format=onnx` or `format=openvino`)."
        )
    return ModelInfo(task, _names(meta.get("names")), _truthy(meta.get("end2end")))


def _names(raw: Any) -> dict[int, str]:
    if isinstance(raw, str):
        try:
            raw = ast.literal_eval(raw)  # ONNX stores str(dict); never eval()
        except (ValueError, SyntaxError):
            return {}
    if isinstance(raw, (list, tuple)):
        raw = dict(enumerate(raw))
    if not isinstance(raw, dict):
        return {}
    out: dict[int, str] = {}
    for key, value in raw.items():
        try:
            out[int(key)] = str(value)
        except (TypeError, ValueError):
            continue
    return out


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)
