"""Figures of a built desktop bundle: size, launch to first window, and a demo job against the
same job from source.

    python benchmarks/bundle.py [--bundle dist/VideoLab] [--runs 3] [--frames 300]

- Size: the folder unpacked (and its largest parts), and as a .tar.gz (gzip -6) and a .zip
  (deflate) archive.
- Launch to first window (offscreen), via ``VIDEOLAB_FIRST_WINDOW_PROBE``
  (``videolab/gui/first_window_probe.py``, the same probe ``gui_startup.py`` injects into a
  source run): *cold* after evicting every file of the bundle from the page cache
  (``posix_fadvise(DONTNEED)``; system libraries stay cached), *warm* right after a launch.
- Demo job: ``videolab-cli jobs run VIDEO --model demo`` end to end (process start, sign-in,
  model load, detection, result stored), the bundle's executable against the source
  install's, on the same clip; plus the source with the bundle's model (the OpenVINO export),
  which separates the bundle's own cost from the model's. One untimed warm-up each (the
  source's fills its export cache), then medians of --runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

from _common import ROOT, clip, machine, median, offline_env, run_child, videolab_cli


def tree_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def largest_parts(bundle: Path, count: int = 14) -> list[tuple[str, int]]:
    """The biggest entries of the bundle's _internal folder (a package, a wheel's .libs, a
    library), and everything else as one."""
    inside = bundle / "_internal"
    parts = [(p.name, tree_size(p) if p.is_dir() else p.stat().st_size)
             for p in inside.iterdir() if not p.is_symlink()]
    parts.sort(key=lambda part: -part[1])
    rest = sum(size for _, size in parts[count:])
    outside = tree_size(bundle) - tree_size(inside)
    return [*parts[:count], ("(other files in _internal)", rest),
            ("(beside _internal: executables, notice)", outside)]


def archive_sizes(bundle: Path, work: Path) -> tuple[int, int]:
    tgz, zpath = work / "VideoLab.tar.gz", work / "VideoLab.zip"
    with tarfile.open(tgz, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname="VideoLab")
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(bundle.rglob("*")):
            if p.is_file():
                z.write(p, Path("VideoLab") / p.relative_to(bundle))
    sizes = tgz.stat().st_size, zpath.stat().st_size
    tgz.unlink()
    zpath.unlink()
    return sizes


def evict(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file() and not p.is_symlink():
            fd = os.open(p, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def first_window(bundle: Path, env: dict[str, str]) -> float:
    env = {**env, "QT_QPA_PLATFORM": "offscreen", "VIDEOLAB_FIRST_WINDOW_PROBE": repr(time.time())}
    run = run_child([str(bundle / "videolab"), "--db", env["VIDEOLAB_DB"]], env)
    line = next((x for x in run.output.splitlines() if x.startswith("FIRST_WINDOW")), None)
    if line is None:
        raise SystemExit(f"no first window:\n{run.output[-3000:]}")
    return float(line.split()[1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundle", type=Path, default=ROOT / "dist" / "VideoLab")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--skip-archives", action="store_true")
    args = ap.parse_args()
    bundle = args.bundle.resolve()
    work = Path(tempfile.mkdtemp(prefix="vl-bundle-bench-"))
    print(machine())
    print(f"bundle: {bundle}")

    unpacked = tree_size(bundle)
    print(f"size unpacked: {unpacked / 1e6:.0f} MB ({unpacked / 2**20:.0f} MiB)")
    print("largest parts: " + ", ".join(f"{name} {size / 1e6:.1f}"
                                        for name, size in largest_parts(bundle)) + " (MB)")
    if not args.skip_archives:
        tgz, zsize = archive_sizes(bundle, work)
        print(f"size as .tar.gz: {tgz / 1e6:.0f} MB; as .zip: {zsize / 1e6:.0f} MB")

    env = offline_env(work)
    env.pop("PYTHONPATH", None)
    env.update(VIDEOLAB_DB=str(work / "gui.db"))
    first_window(bundle, env)  # creates the database: later launches only open it
    cold, warm = [], []
    for _ in range(args.runs):
        evict(bundle)
        cold.append(first_window(bundle, env))
        warm.append(first_window(bundle, env))
    print(f"first window, cold: {', '.join(f'{x:.2f}' for x in cold)} s; "
          f"median {median(cold):.2f} s")
    print(f"first window, warm: {', '.join(f'{x:.2f}' for x in warm)} s; "
          f"median {median(warm):.2f} s")

    video = clip(work, args.frames)
    jenv = {**offline_env(work), "VIDEOLAB_USER": "admin@example.com",
            "VIDEOLAB_PASSWORD": "videolab-demo", "VIDEOLAB_DB": str(work / "jobs.db")}
    bundle_env = {k: v for k, v in jenv.items() if k != "PYTHONPATH"}
    bundled = [str(bundle / "videolab-cli")]
    source = videolab_cli()
    subprocess.run([*source, "init", "--demo"], env=jenv, check=True, capture_output=True)
    subprocess.run([*source, "datasets", "create", "bench"], env=jenv, check=True,
                   capture_output=True)
    up = subprocess.run([*source, "--json", "videos", "upload", "bench", str(video)], env=jenv,
                        check=True, capture_output=True, text=True)
    video_id = json.loads(up.stdout)[0]["id"]
    ir = str(ROOT / "resources" / "models" / "demo_openvino_model")
    cases = {
        "bundle, demo": (bundled, bundle_env, "demo"),
        "source, demo": (source, jenv, "demo"),
        "source, the bundle's OpenVINO export": (source, jenv, ir),
    }
    for label, (cmd, e, model) in cases.items():
        times, backend = [], ""
        for i in range(args.runs + 1):
            run = run_child([*cmd, "--json", "jobs", "run", video_id, "--model", model], e)
            if run.rc != 0:
                raise SystemExit(f"{label} failed ({run.rc}):\n{run.output[-3000:]}")
            job = json.loads(run.output[run.output.index("{"):])
            if job["status"] != "COMPLETED":
                raise SystemExit(f"{label}: {job['status']} {job['error']}")
            backend = job["backend"]
            if i:
                times.append(run.seconds)
        print(f"demo job, {args.frames} frames, {label} ({backend}): "
              f"{', '.join(f'{x:.2f}' for x in times)} s; median {median(times):.2f} s "
              f"({args.frames / median(times):.1f} frames/s end to end)")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
