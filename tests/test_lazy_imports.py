"""Start-up stays fast: the services and the CLI import neither Qt nor torch/Ultralytics."""

from __future__ import annotations

import subprocess
import sys


def test_services_and_cli_import_without_qt_or_torch() -> None:
    code = (
        "import sys, videolab.services.app, videolab.cli;"
        "heavy = [m for m in ('torch', 'ultralytics', 'PySide6', 'codecarbon') "
        "if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == ""
