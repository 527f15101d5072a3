"""Export the demo model to OpenVINO for a build without PyTorch (see inference/demo_ir.py).

Usage: python scripts/export_demo_ir.py [DEST]
(default DEST: resources/models/demo_openvino_model, committed: the cpu bundle ships it)
"""

from __future__ import annotations

import sys
from pathlib import Path

from videolab.inference.demo_ir import export_demo_ir

if __name__ == "__main__":
    target = export_demo_ir(Path(sys.argv[1])) if len(sys.argv) > 1 else export_demo_ir()
    print(target)
