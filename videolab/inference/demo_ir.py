"""The demo model exported to OpenVINO, for builds without PyTorch (the CPU bundle).

Run at build time, where torch and Ultralytics are installed (``scripts/export_demo_ir.py``);
the bundle ships the folder as ``models.DEMO_IR`` and ``resolve_model("demo")`` picks it when
torch cannot be imported. The export has a dynamic input shape, so the direct OpenVINO runner
fixes it per video to the letterbox Ultralytics would use (``direct_runner.rect_input``), as
for a .pt model: any frame size or orientation gives the boxes demo.pt gives.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

from videolab.inference.models import DEMO_IR, DEMO_WEIGHTS


def export_demo_ir(dest: Path = DEMO_IR, weights: Path = DEMO_WEIGHTS) -> Path:
    """Export ``weights`` to an OpenVINO folder at ``dest`` (replaced) and return it."""
    from videolab.inference.ultralytics_env import import_ultralytics

    ultralytics = import_ultralytics()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "demo.pt"
        shutil.copyfile(weights, source)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's tracer warnings about Ultralytics' code
            exported = ultralytics.YOLO(str(source)).export(
                format="openvino",
                dynamic=True,
                half=False,
                int8=False,
                device="cpu",
                verbose=False,
            )
        dest = Path(dest)
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(exported, dest)
    return dest
