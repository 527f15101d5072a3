"""Model-only throughput of the chosen backend (the ceiling), a job pipeline's efficiency
against it, per-stage costs, and a job's peak RSS at 1x and 10x video length.

    python benchmarks/model_throughput.py [--frames 700] [--repeats 3] [--backend auto]
                                          [--rss-scale 10] [--no-rss]

- ceiling: the job's detector (same backend, INT8 included: `auto` calibrates on this clip
  once) on frames already decoded into memory, in the groups a job hands it (its batch_size:
  one frame per infer request), median of --repeats passes; one frame per call is printed too;
- pipeline: run_detection on the same clip (decode -> infer -> annotate/JPEG/ZIP threads), its
  frames/s over the frames' wall time, median of --repeats runs; efficiency = pipeline/ceiling;
  also with OpenCV's thread pool set the other way (the A/B for devices.stage_threads);
- stages: decode alone, annotate+JPEG alone, in frames/s of one thread;
- RSS: a fresh process runs run_detection on the clip and on a clip --rss-scale times longer
  (the same frames repeated), peak RSS of each and the growth. Each clip gets one untimed run
  first, so an INT8 calibration (once per video, in its own process) is not what is measured.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, clip, machine, offline_env, run_child

_RSS_CHILD = """
import sys, threading
from pathlib import Path
from videolab.inference.models import resolve_model
from videolab.domain.params import DetectionParams
from videolab.inference.pipeline import run_detection
out = run_detection(Path(sys.argv[1]), DetectionParams(device="cpu", backend=sys.argv[2]),
                    model=resolve_model("demo"), out_zip=Path(sys.argv[3]),
                    export_cache_dir=Path(sys.argv[4]))
fps = round(out.processed_frames / out.seconds, 1)
hwm = [ln for ln in open("/proc/self/status") if ln.startswith("VmHWM")][0].split()[1]
print("frames", out.processed_frames, "backend", out.backend, "fps", fps, "VmHWM_kB", hwm)
"""


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def read_frames(path: Path) -> list:  # type: ignore[type-arg]
    import cv2

    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


def repeat_clip(src: Path, dst: Path, times: int) -> Path:
    """``src`` played ``times`` times in a row, re-encoded as one mp4."""
    import cv2

    if dst.exists():
        return dst
    frames = read_frames(src)
    h, w = frames[0].shape[:2]
    tmp = dst.with_suffix(".part.mp4")
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), 24.0, (w, h))
    for _ in range(times):
        for f in frames:
            writer.write(f)
    writer.release()
    tmp.rename(dst)
    return dst


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=700)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--rss-scale", type=int, default=10)
    ap.add_argument("--no-rss", action="store_true")
    ap.add_argument("--rss-only", action="store_true")
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="vl-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = offline_env(work)
    os.environ.update({k: env[k] for k in ("YOLO_OFFLINE", "YOLO_AUTOINSTALL", "YOLO_CONFIG_DIR")})
    print(machine())
    video = clip(work, args.frames)

    import cv2

    from videolab.domain.params import DetectionParams
    from videolab.inference import pipeline
    from videolab.inference.annotate import draw_detections, encode_jpeg
    from videolab.inference.backends import Calibration
    from videolab.inference.detector import Detector, PredictOptions
    from videolab.inference.models import resolve_model

    cache = work / "exports"
    model = resolve_model("demo")
    frames = read_frames(video)
    det = Detector.for_job(
        model,
        device="cpu",
        backend=args.backend,
        frame_size=(640, 360),
        cache_dir=cache,
        calibration=Calibration(video, len(frames), len(frames)),
    )
    opts = PredictOptions()
    group = max(1, int(getattr(det, "batch_size", 1) or 1))
    print(
        f"backend {det.backend} on {det.device}, {group} frame(s) per call, "
        f"{len(frames)} frames 640x360"
    )

    if args.rss_only:
        return _rss(args, work, env, video, cache)

    # -- stages alone --------------------------------------------------------------------------
    t = time.perf_counter()
    n = len(read_frames(video))
    decode_fps = n / (time.perf_counter() - t)
    dets = det.detect([frames[0]], opts)[0]
    t = time.perf_counter()
    for f in frames[:200]:
        encode_jpeg(draw_detections(f, dets))
    encode_fps = min(200, len(frames)) / (time.perf_counter() - t)
    print(f"stage decode (1 thread): {decode_fps:7.1f} frames/s; annotate+JPEG: {encode_fps:7.1f}")

    # -- ceiling -------------------------------------------------------------------------------
    det.detect(frames[:group], opts)

    def model_only(size: int) -> list[float]:
        runs = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            for i in range(0, len(frames), size):
                det.detect(frames[i : i + size], opts)
            runs.append(len(frames) / (time.perf_counter() - t))
        return runs

    single = model_only(1)
    # All frames in one call: a detector that overlaps frames (OpenVINO) never waits between.
    ceiling_runs = model_only(len(frames)) if group > 1 else single
    ceiling = max(statistics.median(ceiling_runs), statistics.median(single))
    print(
        f"model only ({det.backend}, 1 frame per call, frames in memory): "
        f"{statistics.median(single):7.1f} frames/s"
    )
    print(
        f"model only ({det.backend}, all frames in one call, {group} in flight): "
        f"{ceiling:7.1f} frames/s "
        f"(runs {', '.join(f'{x:.1f}' for x in ceiling_runs)}) = the ceiling"
    )

    # -- pipeline --------------------------------------------------------------------------------
    def pipeline_fps(label: str) -> float:
        runs = []
        for _ in range(args.repeats):
            out = pipeline.run_detection(
                video,
                DetectionParams(device="cpu", backend=args.backend),
                model=model,
                out_zip=work / "out.zip",
                frame_count=len(frames),
                detector=det,
            )
            runs.append(out.processed_frames / out.seconds)
        fps = statistics.median(runs)
        print(
            f"pipeline {label}: {fps:7.1f} frames/s, efficiency {fps / ceiling:6.1%} "
            f"(runs {', '.join(f'{x:.1f}' for x in runs)})"
        )
        return fps

    shipped_on = det.device.startswith("cuda") or det.backend.startswith("openvino")
    pipeline_fps(f"(OpenCV pool {'on' if shipped_on else 'off'}, as shipped)")
    shipped = pipeline.stage_threads

    # The B arm: OpenCV's pool the other way round (off = run in the calling thread).
    @contextlib.contextmanager
    def flipped(device: str, backend: str = "torch"):  # type: ignore[no-untyped-def]
        before = cv2.getNumThreads()
        cv2.setNumThreads(0 if shipped_on else _cores())
        try:
            yield
        finally:
            cv2.setNumThreads(before)

    pipeline.stage_threads = flipped  # type: ignore[assignment]
    try:
        pipeline_fps(f"(OpenCV pool {'off' if shipped_on else f'on, {_cores()} threads'})")
    finally:
        pipeline.stage_threads = shipped
    print("target: efficiency >= 85%")

    if args.no_rss:
        return 0
    return _rss(args, work, env, video, cache)


def _rss(args, work, env, video, cache) -> int:  # type: ignore[no-untyped-def]
    long_video = repeat_clip(video, work / f"clip_x{args.rss_scale}.mp4", args.rss_scale)
    rss = {}
    for label, path in (("1x", video), (f"{args.rss_scale}x", long_video)):
        warm = [sys.executable, "-c", _RSS_CHILD, str(path), args.backend, str(work / "rss.zip")]
        run = run_child([*warm, str(cache)], env, cwd=ROOT)  # untimed: calibrates INT8 once
        if run.rc != 0:
            print(run.output[-3000:])
            return 1
        run = run_child(
            [
                sys.executable,
                "-c",
                _RSS_CHILD,
                str(path),
                args.backend,
                str(work / "rss.zip"),
                str(cache),
            ],
            env,
            cwd=ROOT,
        )
        if run.rc != 0:
            print(run.output[-3000:])
            return 1
        # VmHWM, the child's own high-water mark: wait4's ru_maxrss also counts the parent's
        # RSS at fork time (this process holds every frame in memory), which is not the job's.
        last = run.output.strip().splitlines()[-1]
        rss[label] = int(last.split("VmHWM_kB")[1]) / 1024
        print(f"job peak RSS {label}: {rss[label]:7.0f} MB  ({last})")
    growth = rss[f"{args.rss_scale}x"] / rss["1x"] - 1
    print(f"RSS growth at {args.rss_scale}x length: {growth:+.1%} (target < 10%, peak <= 1200 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
