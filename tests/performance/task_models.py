"""Models of every Ultralytics task, built offline from Ultralytics' yaml files.

An untrained model finds nothing at the default confidence, which would make every comparison
between backends vacuous. So the segment, pose and OBB models are the ``yolo11n-<task>``
architecture with 3 classes carrying the demo detector's weights (backbone, neck and the box
and class branches of the head are the same layers in all four tasks): they find the demo
clip's shapes with real confidence, and only the task-specific branch (mask coefficients,
keypoints, angle) is untrained. The OBB angle branch is set to a constant 0.3 rad, so that
two near-equal candidates of one object do not carry unrelated random angles (which would make
a backend's last-bit difference in score order a different rotated box). The classifier is
``yolo11n-cls.yaml`` as it comes.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import yaml

from videolab.inference.models import DEMO_WEIGHTS
from videolab.inference.ultralytics_env import import_ultralytics

DEMO_NAMES = {0: "square", 1: "disc", 2: "triangle"}
OBB_ANGLE = 0.3  # radians


def build_task_model(task: str, folder: Path) -> Path:
    """``folder/demo-<task>.pt`` for task segment | pose | obb | classify."""
    import_ultralytics()
    from ultralytics import YOLO
    from ultralytics.nn.tasks import yaml_model_load

    suffix = {"segment": "seg", "pose": "pose", "obb": "obb", "classify": "cls"}[task]
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"demo-{suffix}.pt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if task == "classify":
            YOLO(f"yolo11n-{suffix}.yaml").save(str(out))
            return out
        cfg = yaml_model_load(f"yolo11n-{suffix}.yaml")
        cfg["nc"] = len(DEMO_NAMES)
        cfg_path = folder / f"yolo11n-{suffix}.yaml"  # the name tells Ultralytics the scale
        cfg_path.write_text(yaml.safe_dump(cfg), "utf-8")
        model = YOLO(str(cfg_path)).load(str(DEMO_WEIGHTS))
        model.model.names = dict(DEMO_NAMES)
        if task == "obb":
            # angle = (sigmoid(x) - 1/4) * pi  (Ultralytics' OBB head)
            bias = math.log((0.25 + OBB_ANGLE / math.pi) / (0.75 - OBB_ANGLE / math.pi))
            for branch in model.model.model[-1].cv4:
                branch[-1].weight.data.zero_()
                branch[-1].bias.data.fill_(bias)
        model.save(str(out))
    return out


def export(weights: Path, fmt: str, imgsz: tuple[int, int] | None = None, **extra: object) -> Path:
    """Ultralytics' own export of ``weights`` (what a user would bring), beside it."""
    import_ultralytics()
    from ultralytics import YOLO

    options: dict[str, object] = {"format": fmt, "device": "cpu", "verbose": False, **extra}
    if imgsz is not None:
        options["imgsz"] = list(imgsz)
    if fmt == "onnx":
        options["simplify"] = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Path(YOLO(str(weights)).export(**options))
