"""The one place that imports Ultralytics, after making it offline and quiet.

Ultralytics reads its environment once, at import: whether it may pip-install missing
packages (YOLO_AUTOINSTALL), whether it may touch the network (YOLO_OFFLINE) and where it
writes its settings file (YOLO_CONFIG_DIR). A desktop app must never install packages or phone
home behind the user's back, so `prepare()` sets all three before the first import, and
`import_ultralytics()` is the only way the rest of VideoLab reaches the library.

The same goes for Intel's tools: OpenVINO's model converter (used by Ultralytics' exporter) and
NNCF (INT8) send usage telemetry unless the user opted out in a global file, from a forked
process that waits on the network — offline, a job process hung at exit behind it.
`decline_openvino_telemetry()` turns it off for this process only.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from types import ModuleType

_lock = threading.Lock()
_config_dir: Path | None = None
_passive_openmp = False


def _quiet_openmp() -> None:
    """Ask torch's OpenMP runtime to sleep, not spin, while it waits for work.

    By default its workers spin between parallel regions, and beside any other busy thread
    (the GUI, an upload, another job) that collapses throughput. Measured with
    scripts/bench_cpu_threads.py pinned to 2 cores: 2 torch threads gave 17.0 frames/s idle
    but 0.47 beside one busy process; with passive waiting, 17.8 idle and 10.4 beside it.
    libgomp reads the variable once, when torch loads, so this only helps before that; a
    value the user set is kept.
    """
    global _passive_openmp
    torch_loaded = "torch" in sys.modules
    if not torch_loaded:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    # With torch already loaded we cannot tell what it read; assume the worst.
    _passive_openmp = (
        not torch_loaded and os.environ.get("OMP_WAIT_POLICY", "").strip().upper() == "PASSIVE"
    )


def openmp_waits_passively() -> bool:
    """True when torch's OpenMP threads are known to sleep while idle (see _quiet_openmp)."""
    return _passive_openmp


def default_config_dir() -> Path:
    """The app's own folder for Ultralytics' settings (never the user's global one)."""
    from videolab.settings import app_paths

    return app_paths().ultralytics_config_dir


def prepare(config_dir: Path | None = None) -> Path:
    """Point Ultralytics at `config_dir` and forbid downloads and installs. Idempotent.

    Must run before Ultralytics is imported; calling it later with another folder raises
    RuntimeError, because the library would silently keep using the old one.
    """
    global _config_dir
    with _lock:
        wanted = Path(config_dir) if config_dir is not None else default_config_dir()
        if _config_dir is not None:
            if wanted.resolve() != _config_dir.resolve() and config_dir is not None:
                raise RuntimeError(
                    f"Ultralytics is already set up to use {_config_dir}; "
                    f"cannot switch to {wanted}."
                )
            return _config_dir
        if "ultralytics" in sys.modules:
            configured = os.environ.get("YOLO_CONFIG_DIR")
            if configured is None or Path(configured).resolve() != wanted.resolve():
                raise RuntimeError(
                    "Ultralytics was imported before videolab.inference.ultralytics_env.prepare(); "
                    "it may download files or install packages. Call prepare() first."
                )
        wanted.mkdir(parents=True, exist_ok=True)
        os.environ["YOLO_CONFIG_DIR"] = str(wanted)
        os.environ["YOLO_AUTOINSTALL"] = "false"
        os.environ["YOLO_OFFLINE"] = "true"
        os.environ.setdefault("YOLO_VERBOSE", "false")
        _quiet_openmp()
        decline_openvino_telemetry()
        _config_dir = wanted
        return wanted


def decline_openvino_telemetry() -> None:
    """Make openvino_telemetry see "declined" in this process (its only switch is a consent
    file in the user's home, shared with every other OpenVINO tool, which we leave alone)."""
    try:
        from openvino_telemetry.utils import opt_in_checker
    except ImportError:  # not installed: nothing to turn off
        return
    checker = opt_in_checker.OptInChecker
    if getattr(checker.check, "_videolab_declined", False):
        return

    def declined(self: object, *args: object, **kwargs: object) -> object:
        return opt_in_checker.ConsentCheckResult.DECLINED

    declined._videolab_declined = True  # type: ignore[attr-defined]
    checker.check = declined


def import_ultralytics() -> ModuleType:
    """Import Ultralytics (preparing it with the default folder if nobody did) and return it."""
    config_dir = prepare()
    import ultralytics
    from ultralytics.utils import SETTINGS

    from videolab.inference.library_logs import reroute

    reroute()  # torch's and Ultralytics' own console handlers: their records go to our log

    # Analytics ("sync") and experiment-tracker hooks must stay off even if the settings file
    # was edited by hand; runs and datasets land in the app folder, not the current directory.
    wanted = {
        "sync": False,
        "clearml": False,
        "comet": False,
        "dvc": False,
        "mlflow": False,
        "raytune": False,
        "tensorboard": False,
        "wandb": False,
        "vscode_msg": False,
        "openvino_msg": False,
        "runs_dir": str(config_dir / "runs"),
        "datasets_dir": str(config_dir / "datasets"),
        "weights_dir": str(config_dir / "weights"),
    }
    if any(SETTINGS.get(k) != v for k, v in wanted.items()):
        SETTINGS.update(wanted)
    return ultralytics
