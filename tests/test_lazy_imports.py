"""Start-up stays fast: the services and the CLI import neither Qt nor torch/Ultralytics, and a
command that decodes no video and changes no schema loads none of what only that would need."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from videolab.services.app import VideoLab
from videolab.services.seed import DEMO_PASSWORD


def run_python(code: str, env: dict[str, str] | None = None) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_services_and_cli_import_without_qt_or_torch() -> None:
    code = (
        "import sys, videolab.services.app, videolab.cli;"
        "heavy = [m for m in ('torch', 'ultralytics', 'PySide6', 'codecarbon') "
        "if m in sys.modules];"
        "print(','.join(heavy))"
    )
    assert run_python(code) == ""


#: Loaded only by what needs them: OpenCV/NumPy/PyAV to decode or generate a video, Alembic
#: (and Mako) to change a schema, psutil to check a live job's process.
LAZY = ("cv2", "numpy", "av", "alembic", "mako", "psutil", "torch", "ultralytics", "PySide6")


def test_whoami_on_a_current_database_loads_no_video_or_migration_library(
    app: VideoLab, tmp_path: Path
) -> None:
    """`videolab-cli whoami` took 3.9 s on a busy 2-core machine, most of it importing OpenCV,
    NumPy and Alembic (and hashing a dummy password at import) that it never used."""
    url = app.db.url
    app.close()
    code = (
        "import sys\n"
        "from videolab import cli\n"
        f"code = cli.main(['--db', {url!r}, '--user', 'alice@example.com', 'whoami'])\n"
        f"print(code, [m for m in {LAZY!r} if m in sys.modules])\n"
    )
    env = dict(os.environ, VIDEOLAB_PASSWORD=DEMO_PASSWORD, VIDEOLAB_HOME=str(tmp_path / "home"))
    lines = run_python(code, env).splitlines()
    assert lines[-1] == "0 []", lines


def test_importing_the_services_hashes_no_password() -> None:
    """A dummy hash used to be made at import (~0.2 s of CPU) for every command and start."""
    code = (
        "import argon2\n"
        "calls = []\n"
        "original = argon2.PasswordHasher.hash\n"
        "def counted(self, *a, **k):\n"
        "    calls.append(1)\n"
        "    return original(self, *a, **k)\n"
        "argon2.PasswordHasher.hash = counted\n"
        "import videolab.services.app, videolab.cli, videolab.services.seed\n"
        "print(len(calls))\n"
    )
    assert run_python(code) == "0"
