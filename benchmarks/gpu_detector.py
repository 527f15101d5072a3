"""CUDA path of the detector: PyTorch half precision at batch sizes 1/8/16/32, and a whole
pipeline run (run_detection, no database) on a generated 640x360 clip.

    python benchmarks/gpu_detector.py [--frames 700] [--repeats 3] [--cpu-threads 2]

Needs a CUDA GPU (prints a line and exits 0 without one). Also times PyTorch on the CPU pinned
to --cpu-threads threads for reference (0 to skip).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=700)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batches", default="1,8,16,32")
    ap.add_argument("--cpu-threads", type=int, default=2)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()

    import cv2
    import torch

    if not torch.cuda.is_available():
        print("no CUDA GPU here; nothing to measure")
        return 0
    from videolab.domain.params import DetectionParams
    from videolab.inference.detector import Detector, PredictOptions
    from videolab.inference.models import resolve_model
    from videolab.inference.pipeline import run_detection
    from videolab.inference.synthetic import generate_video

    work = Path(tempfile.mkdtemp(prefix="vl-gpu-"))
    clip = generate_video(work / "clip.mp4", seed=5, frames=args.frames, size=(640, 360)).path
    cap = cv2.VideoCapture(str(clip))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    model = resolve_model("demo")
    opts = PredictOptions()
    figures: dict[str, object] = {
        "gpu": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "frames": len(frames),
    }
    print(f"GPU {figures['gpu']}, torch {torch.__version__}, {len(frames)} frames 640x360")

    def model_only(det: Detector, batch: int) -> float:
        det.detect(frames[:batch], opts)  # warm-up: predictor setup, cudnn autotune
        runs = []
        for _ in range(args.repeats):
            torch.cuda.synchronize()
            t = time.perf_counter()
            for i in range(0, len(frames), batch):
                det.detect(frames[i : i + batch], opts)
            torch.cuda.synchronize()
            runs.append(len(frames) / (time.perf_counter() - t))
        return statistics.median(runs)

    for half in (True, False):
        det = Detector(model, device="cuda:0")
        det.half = half
        for b in (int(x) for x in args.batches.split(",")):
            fps = model_only(det, b)
            key = f"model_only_{'fp16' if half else 'fp32'}_b{b}_fps"
            figures[key] = round(fps, 1)
            print(f"model only  {'fp16' if half else 'fp32'} batch {b:>2}: {fps:8.1f} frames/s")

    pipeline_runs = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        out = run_detection(
            clip,
            DetectionParams(device="cuda:0", backend="auto"),
            model=model,
            out_zip=work / "out.zip",
            frame_count=len(frames),
        )
        wall = time.perf_counter() - t
        pipeline_runs.append((out.processed_frames / out.seconds, out.processed_frames / wall))
        backend = out.backend
    job_fps = statistics.median(r[0] for r in pipeline_runs)
    wall_fps = statistics.median(r[1] for r in pipeline_runs)
    figures.update(
        pipeline_backend=backend,
        pipeline_fps=round(job_fps, 1),
        pipeline_fps_incl_load=round(wall_fps, 1),
    )
    print(
        f"run_detection (cuda, {backend}, fp16, batch 16, JPEG+ZIP): {job_fps:.1f} frames/s "
        f"({wall_fps:.1f} counting model load)"
    )

    if args.cpu_threads:
        torch.set_num_threads(args.cpu_threads)
        det = Detector(model, device="cpu")
        det._threads_set = True
        sub = frames[:100]
        det.detect(sub[:1], opts)
        torch.set_num_threads(args.cpu_threads)
        t = time.perf_counter()
        for f in sub:
            det.detect([f], opts)
        fps = len(sub) / (time.perf_counter() - t)
        figures[f"cpu_torch_{args.cpu_threads}threads_fps"] = round(fps, 1)
        print(
            f"reference: torch on CPU, {args.cpu_threads} threads, batch 1: {fps:.1f} frames/s "
            f"(affinity {len(os.sched_getaffinity(0))} cores)"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
