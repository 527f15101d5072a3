"""A step for ``run_cancellable`` that a child process can import by name (tests only)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path


def record_host(out: str, *, status: Callable[[str], None]) -> None:
    """Write which program ran this step, and report a status line."""
    Path(out).write_text(f"{sys.executable}\n{os.environ.get('FAKE_BUNDLE_HOST', '')}\n")
    status("step ran")
