"""Helpers shared by the benchmarks: a work folder, the clip, child processes with peak RSS."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
DEMO_PT = ROOT / "resources" / "models" / "demo.pt"


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mb: float
    rc: int
    output: str
    cpu_seconds: float = 0.0  # user + system time of the child and its waited-for children


def videolab_cli() -> list[str]:
    exe = VENV_BIN / "videolab-cli"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "videolab.cli"]


def yolo_cli() -> list[str]:
    exe = VENV_BIN / "yolo"
    if exe.exists():
        return [str(exe)]
    return [
        sys.executable,
        "-c",
        "import sys; from ultralytics.cfg import entrypoint; sys.exit(entrypoint())",
    ]


def run_child(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    """Run ``cmd``; wall time and the child's peak RSS (its own and waited-for children's)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        seconds,
        usage.ru_maxrss / 1024,
        proc.returncode,
        out.decode(errors="replace"),
        usage.ru_utime + usage.ru_stime,
    )


def clip(work: Path, frames: int = 700, seed: int = 7, size: tuple[int, int] = (640, 360)) -> Path:
    """The generated benchmark clip (made once per work folder)."""
    from videolab.inference.synthetic import generate_video

    path = work / f"clip_{frames}f_{size[0]}x{size[1]}_s{seed}.mp4"
    if not path.exists():
        generate_video(path, seed=seed, frames=frames, size=size)
    return path


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = 0.0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB RAM, Python {platform.python_version()}, "
        f"load average {load:.1f} at start"
    )


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def offline_env(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        YOLO_OFFLINE="true",
        YOLO_AUTOINSTALL="false",
        YOLO_CONFIG_DIR=str(work / "yolo-config"),
        VIDEOLAB_HOME=str(work / "home"),
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    return env
