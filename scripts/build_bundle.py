"""Build VideoLab's desktop bundle: ``dist/VideoLab/`` with ``videolab`` and ``videolab-cli``.

    python3 scripts/build_bundle.py                 # the cpu bundle, in its own environment
    .venv/bin/python scripts/build_bundle.py --variant full   # with PyTorch and Ultralytics

``cpu`` makes (or reuses) a virtual environment of its own, ``.venv-bundle/``, from
``scripts/build_bundle-requirements-cpu.txt`` plus VideoLab installed with ``--no-deps``, so
that neither PyTorch nor Ultralytics can get in; ``full`` builds from the environment of the
Python running this script, which must have PyInstaller (the project's ``.[dev]`` set-up has
it). PyInstaller's work folder is deleted afterwards (``--keep-work`` keeps it), and the
run prints the time it took and the bundle's size. ``--distpath`` keeps two variants apart
(their work folders already are). The cpu build's size cuts (``build_bundle_trim.py``) use a C
compiler and binutils.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "scripts" / "build_bundle-requirements-cpu.txt"


def run(cmd: list[str], **kwargs: object) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload]


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def cpu_environment(venv: Path) -> Path:
    """A fresh (or reused) environment holding what the cpu bundle ships, and PyInstaller."""
    python = venv_python(venv)
    if not python.exists():
        run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(python), "-m", "pip", "install", "--quiet", "--no-cache-dir", "--no-compile"]
    env = {**os.environ, "PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    run([*pip, "-r", str(REQUIREMENTS)], env=env)
    run([*pip, "--no-deps", "--force-reinstall", str(ROOT)], env=env)
    # setuptools built that wheel in this checkout: its leftovers are no part of the bundle.
    for leftover in (ROOT / "build").glob("*"):
        if not leftover.name.startswith("pyinstaller-"):
            shutil.rmtree(leftover, ignore_errors=True)
    return python


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variant", choices=("cpu", "full"), default="cpu")
    ap.add_argument("--venv", type=Path, default=ROOT / ".venv-bundle",
                    help="the cpu build's environment (default: .venv-bundle)")
    ap.add_argument("--distpath", type=Path, default=ROOT / "dist")
    ap.add_argument("--keep-work", action="store_true", help="keep PyInstaller's work folder")
    ap.add_argument("--log-level", default="WARN",
                    help="PyInstaller's log level (INFO shows each step: where a slow build is)")
    args = ap.parse_args()

    started = time.monotonic()
    python = cpu_environment(args.venv) if args.variant == "cpu" else Path(sys.executable)
    prepared = time.monotonic()
    work = ROOT / "build" / f"pyinstaller-{args.variant}"
    env = {**os.environ, "VIDEOLAB_BUNDLE": args.variant, "PYTHONNOUSERSITE": "1"}
    env.pop("PYTHONPATH", None)  # only the build environment and this checkout go in
    nice = ["nice", "-n", "10"] if shutil.which("nice") else []
    try:
        run([*nice, str(python), "-m", "PyInstaller", "--noconfirm", "--clean",
             "--log-level", args.log_level, "--distpath", str(args.distpath),
             "--workpath", str(work),
             str(ROOT / "build.spec")], env=env)
    finally:
        if not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)
    bundle = args.distpath / "VideoLab"
    print(f"built {bundle} ({args.variant}): {du(bundle) / 1e6:.0f} MB; environment "
          f"{prepared - started:.0f} s, PyInstaller {time.monotonic() - prepared:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
