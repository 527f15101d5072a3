"""A build without PyTorch and Ultralytics (the CPU bundle) runs jobs on exported models.

Each check runs in a child process where ``import torch`` and ``import ultralytics`` fail (a
meta-path finder refuses them), as in a bundle that does not ship them. The exports it runs
are made here, in the test process, with Ultralytics' own exporter.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.performance.task_models import export
from videolab.inference.demo_ir import export_demo_ir
from videolab.inference.models import DEMO_WEIGHTS

_BLOCK = r"""
import importlib.abc, sys
class NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "torchvision", "ultralytics"):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
        return None
sys.meta_path.insert(0, NoTorch())
"""

_JOBS = r"""
import json, sys
from pathlib import Path
from videolab.inference import models
from videolab.inference.carbon import CarbonSettings
from videolab.inference.model_info import check_job_model
from videolab.domain.params import DetectionParams
from videolab.inference.pipeline import run_detection
from videolab.domain.errors import VideoLabError

video, onnx, ir, demo_ir, out = sys.argv[1:6]
models.DEMO_IR = Path(demo_ir)  # as the bundle ships it
report = {}
for label, spec in (("onnx", onnx), ("ir", ir), ("demo", "demo")):
    model = models.resolve_model(spec)
    check_job_model(model)
    outcome = run_detection(
        Path(video), DetectionParams(device="auto", end=6), model=model,
        out_zip=Path(out) / f"{label}.zip", carbon=CarbonSettings(output_dir=Path(out)),
    )
    boxes = sum(len(f["detections"]) for f in outcome.result_json["frames"])
    report[label] = [model.format, outcome.backend, outcome.processed_frames, boxes]
try:
    check_job_model(models.resolve_model(str(models.DEMO_WEIGHTS)))
    report["pt"] = "accepted"
except VideoLabError as exc:
    report["pt"] = exc.message
try:
    import torch  # noqa: F401
    report["torch"] = "importable"
except ImportError:
    report["torch"] = "blocked"
report["loaded"] = sorted(m for m in ("torch", "ultralytics") if m in sys.modules)
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("no-torch-models")
    weights = root / "shapes.pt"
    shutil.copyfile(DEMO_WEIGHTS, weights)
    return {
        "onnx": export(weights, "onnx"),  # Ultralytics' default: a 640x640 fixed shape
        "ir": export(weights, "openvino", (384, 640)),
        "demo_ir": export_demo_ir(root / "demo_openvino_model"),
    }


def test_exported_models_run_where_torch_cannot_be_imported(
    exports: dict[str, Path],
    make_clip,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    clip = make_clip(seed=21, frames=8, size=(640, 360))
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            _BLOCK + _JOBS,
            str(clip.path),
            str(exports["onnx"]),
            str(exports["ir"]),
            str(exports["demo_ir"]),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["torch"] == "blocked" and report["loaded"] == []
    assert report["onnx"][:3] == ["onnx", "onnx", 6] and report["onnx"][3] >= 6
    assert report["ir"][:3] == ["openvino", "openvino", 6] and report["ir"][3] >= 6
    assert report["demo"][:3] == ["openvino", "openvino", 6] and report["demo"][3] >= 6
    # A .pt is refused in one sentence that says which build loads it and how to convert it.
    message = report["pt"]
    assert "\n" not in message and "no PyTorch" in message and "full build" in message
    assert "`yolo export model=demo.pt format=onnx`" in message


def test_the_demo_is_the_pt_model_where_torch_is_available(
    exports: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from videolab.inference import models

    monkeypatch.setattr(models, "DEMO_IR", exports["demo_ir"])
    assert models.resolve_model("demo").format == "pt"
    monkeypatch.setattr(models, "torch_available", lambda: False)
    assert models.resolve_model("demo").path == exports["demo_ir"].resolve()
