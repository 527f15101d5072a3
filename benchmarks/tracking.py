"""Tracking quality, agreement with Ultralytics' own tracker, and what tracking costs a job.

    python benchmarks/tracking.py [--repeats 3] [--work DIR] [--no-ultralytics]

On the scripted clip of ``videolab/inference/synthetic_tracks.py`` (640x360, 24 fps, 240
frames: 7 shapes that cross, pass in front of one another, one leaves for ~2 s and comes back,
one arrives late), with the demo model on the CPU (OpenVINO):

1. Identity quality per tracker and stride (1 and 3): IDF1, MOTA and ID switches from
   motmetrics against the ground truth (boxes under 50% visible are neither required nor
   penalised), the same scoring as tests/tracking. Detections are computed once; each tracker
   is fed them as a job's writer stage feeds it (tests/tracking/mot_eval.track_offline).
2. Ultralytics' ``model.track(..., persist=True)`` (PyTorch, this benchmark only) with its
   default ``bytetrack.yaml`` and with ByteTrack set like VideoLab's (thresholds 0.5, a 2 s
   buffer, IoU >= 0.1, no score fusion): same scores, distinct tracks and track lengths.
3. Cost: the same job (every frame) untracked and tracked, alternating, ``--repeats`` times
   each; the job's own frames-per-second (model loaded, decode -> detect -> annotate/JPEG ->
   ZIP), medians. Also the tracker's own time per frame and the one-off import of the
   ``trackers`` package in a fresh process.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import DEMO_PT, machine

from tests.tracking.mot_eval import score, track_offline
from videolab.domain.params import DetectionParams
from videolab.inference.models import resolve_model
from videolab.inference.mp4_export import detections_of
from videolab.inference.pipeline import run_detection
from videolab.inference.synthetic_tracks import TrackedClip, generate_tracked_video
from videolab.inference.tracking import FrameTracker

ULTRALYTICS_LIKE_VIDEOLAB = """tracker_type: bytetrack
track_high_thresh: 0.5
track_low_thresh: 0.1
new_track_thresh: 0.5
track_buffer: 48
match_thresh: 0.9
fuse_score: False
"""


def _job(clip: TrackedClip, work: Path, track: str | None, stride: int = 1) -> dict[str, Any]:
    outcome = run_detection(
        clip.path, DetectionParams(device="cpu", backend="openvino", stride=stride, track=track),
        model=resolve_model("demo"), out_zip=work / "job.zip", export_cache_dir=work / "cache")
    return outcome.result_json


def _ultralytics(clip: TrackedClip, stride: int, tracker: str) -> list[dict[str, Any]]:
    from ultralytics import YOLO

    model = YOLO(str(DEMO_PT))
    frames: list[dict[str, Any]] = []
    stream = model.track(source=str(clip.path), tracker=tracker, persist=True, stream=True,
                         vid_stride=stride, conf=0.25, iou=0.7, imgsz=640, device="cpu",
                         verbose=False)
    for i, res in enumerate(stream):
        boxes = res.boxes
        ids = boxes.id.int().tolist() if boxes.id is not None else [None] * len(boxes)
        dets = [{"box_xyxy": b, "track_id": t, "class_name": res.names[int(c)],
                 "confidence": float(p), "class_id": int(c)}
                for b, t, c, p in zip(boxes.xyxy.tolist(), ids, boxes.cls.tolist(),
                                      boxes.conf.tolist(), strict=True)]
        frames.append({"index": i * stride, "time_s": i * stride / clip.fps, "detections": dets})
    return frames


def _lengths(frames: list[dict[str, Any]]) -> list[int]:
    from collections import Counter

    seen = Counter(d["track_id"] for f in frames for d in f["detections"]
                   if d["track_id"] is not None)
    return sorted(seen.values(), reverse=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--no-ultralytics", action="store_true")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="vl-track-"))
    work.mkdir(parents=True, exist_ok=True)
    print(machine())
    clip = generate_tracked_video(work / "scene.mp4")
    print(f"scene: {clip.frame_count} frames, {len(clip.scene)} objects, "
          f"{sum(len(t) for t in clip.truth)} visible boxes\n")

    detected = _job(clip, work, None)
    print("1. identity quality (VideoLab, demo model on OpenVINO)")
    ours: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for kind in ("bytetrack", "botsort"):
        for stride in (1, 3):
            frames = track_offline(clip.path, clip.fps, detected["frames"], kind, stride)
            ours[(kind, stride)] = frames
            print(f"   {kind:9s} stride {stride}: {score(clip, frames).row()}")

    if not args.no_ultralytics:
        print("\n2. Ultralytics model.track(persist=True), PyTorch")
        yaml = work / "bytetrack_like_videolab.yaml"
        yaml.write_text(ULTRALYTICS_LIKE_VIDEOLAB)
        for label, tracker in (("default bytetrack.yaml", "bytetrack.yaml"),
                               ("ByteTrack set like VideoLab", str(yaml))):
            for stride in (1, 3):
                frames = _ultralytics(clip, stride, tracker)
                print(f"   {label}, stride {stride}: {score(clip, frames).row()}")
                if tracker != "bytetrack.yaml":
                    theirs, mine = _lengths(frames), _lengths(ours[("bytetrack", stride)])
                    print(f"      distinct tracks: Ultralytics {len(theirs)}, VideoLab "
                          f"{len(mine)}; frames per track: Ultralytics {theirs}, "
                          f"VideoLab {mine}")

    print("\n3. cost of tracking in a job (every frame, OpenVINO CPU)")
    fps: dict[str, list[float]] = {"untracked": [], "bytetrack": [], "botsort": []}
    for _ in range(args.repeats):
        for label, track in (("untracked", None), ("bytetrack", "bytetrack"),
                             ("botsort", "botsort")):
            fps[label].append(_job(clip, work, track)["summary"]["fps"])
    base = statistics.median(fps["untracked"])
    for label, values in fps.items():
        median = statistics.median(values)
        print(f"   {label:9s}: {median:6.1f} fps (runs {values})"
              + ("" if label == "untracked" else f", {100 * (1 - median / base):+.1f}% slower"))
    for kind in ("bytetrack", "botsort"):
        tracker = FrameTracker(kind, clip.fps)  # CMC is off, so the frame is not needed
        given = [(f["index"], detections_of(f)) for f in detected["frames"]]
        started = time.perf_counter()
        for index, dets in given:
            tracker.update(index, None, dets)
        ms = (time.perf_counter() - started) / len(given) * 1000
        print(f"   {kind} update alone: {ms:.2f} ms per frame")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import trackers"], check=True)
    bare = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    empty = time.perf_counter() - bare
    print(f"   importing trackers (+ supervision) in a fresh process: "
          f"{bare - started - empty:.2f} s, once per job process")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
