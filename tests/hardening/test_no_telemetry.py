"""VideoLab never lets its libraries phone home: Ultralytics' analytics are off (see
ultralytics_env), and OpenVINO's converter and NNCF, which send telemetry unless a consent file
in the user's home says no, see "declined" in VideoLab's processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_CHECK = r"""
import sys
from pathlib import Path
from videolab.inference import ultralytics_env
if sys.argv[1] == "videolab":
    ultralytics_env.prepare(Path(sys.argv[2]))
from openvino_telemetry import Telemetry  # a singleton: the first one decides
import nncf.telemetry.wrapper as nncf_telemetry
t = Telemetry(app_name="probe", app_version="0", tid="G-TEST", backend="ga4",
              enable_opt_in_dialog=False)
impl = getattr(nncf_telemetry.telemetry, "_impl", None)
print(t.consent, getattr(impl, "consent", False))
"""


def _consent(tmp_path: Path, mode: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TF_BUILD", "JENKINS_URL")}
    env["HOME"] = str(tmp_path / "home")  # a fresh home: no consent file either way
    (tmp_path / "home").mkdir(exist_ok=True)
    run = subprocess.run(
        [sys.executable, "-c", _CHECK, mode, str(tmp_path / "yolo")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout.split()[-2:]


def test_openvino_and_nncf_telemetry_are_declined(tmp_path: Path) -> None:
    # The check is meaningful: without VideoLab's set-up both would send.
    assert _consent(tmp_path, "plain") == ["True", "True"]
    assert _consent(tmp_path, "videolab") == ["False", "False"]
    # ... and the user's own, global consent file was not written.
    assert not list((tmp_path / "home").rglob("openvino_telemetry"))
