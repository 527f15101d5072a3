"""Export the shipped demo model to OpenVINO IR, for builds without PyTorch (the `cpu` bundle).

    python scripts/build_bundle_demo_ir.py

Writes resources/models/demo_openvino_model/ (demo.xml, demo.bin with FP16 weights, and
Ultralytics' metadata.yaml) from resources/models/demo.pt, with Ultralytics' own exporter.
The input is a fixed 640x640 square: a job letterboxes any frame into it, whatever the video's
aspect ratio. Run it again whenever demo.pt changes, and commit the result.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

MODELS = Path(__file__).resolve().parents[1] / "resources" / "models"
TARGET = MODELS / "demo_openvino_model"
IMGSZ = 640


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="videolab-demo-ir-") as tmp:
        # Ultralytics writes its settings and checks for updates; keep both away from the user.
        os.environ.setdefault("YOLO_CONFIG_DIR", str(Path(tmp) / "config"))
        os.environ["YOLO_OFFLINE"] = "1"
        os.environ["YOLO_AUTOINSTALL"] = "false"
        from ultralytics import YOLO

        weights = Path(tmp) / "demo.pt"
        shutil.copy2(MODELS / "demo.pt", weights)
        out = Path(YOLO(str(weights)).export(format="openvino", imgsz=IMGSZ, half=True))
        if TARGET.exists():
            shutil.rmtree(TARGET)
        TARGET.mkdir()
        for name in ("demo.xml", "demo.bin", "metadata.yaml"):
            shutil.copy2(out / name, TARGET / name)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
