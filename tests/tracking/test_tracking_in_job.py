"""Tracking inside a job: the same ids as the tracker fed directly, a lost-track buffer in
seconds, one tracker whatever the inference path, the tracks summary, and no torch."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.tracking.conftest import TrackFn
from videolab.domain.errors import InvalidInput
from videolab.domain.params import DetectionParams
from videolab.inference.detections import Detection
from videolab.inference.models import resolve_model
from videolab.inference.pipeline import run_detection
from videolab.inference.synthetic_tracks import TrackedClip
from videolab.inference.tracking import (
    FrameTracker,
    describe_unique,
    summarize_tracks,
    unique_per_class,
)


def test_a_tracked_job_gives_the_ids_the_tracker_gives(
    scene: TrackedClip, export_cache: Path, track_scene: TrackFn, tmp_path: Path
) -> None:
    outcome = run_detection(
        scene.path, DetectionParams(device="cpu", backend="openvino", stride=3,
                                    track="bytetrack"),
        model=resolve_model("demo"), export_cache_dir=export_cache, out_zip=tmp_path / "r.zip")
    result = outcome.result_json
    assert [f["detections"] for f in result["frames"]] == [
        f["detections"] for f in track_scene("bytetrack", 3)
    ]
    assert all("track_id" in d for f in result["frames"] for d in f["detections"])
    assert result["tracks"] == summarize_tracks(result["frames"])
    assert result["summary"]["tracker"] == "bytetrack"
    assert result["summary"]["unique_per_class"] == unique_per_class(result["tracks"])
    assert sum(result["summary"]["unique_per_class"].values()) == len(result["tracks"]) >= 7


def _one_box(x: float) -> list[Detection]:
    return [Detection(0, "square", 0.9, (x, 100.0, x + 40.0, 140.0))]


def _ids_after_gap(stride: int, gap_s: float, fps: float = 24.0) -> tuple[int | None, ...]:
    """An object moving 2 px a frame, seen for 1 s, hidden for ``gap_s``, then seen again
    where it would be: its ids before and after, with every ``stride``-th frame processed."""
    tracker = FrameTracker("bytetrack", fps)
    hidden = range(24, 24 + round(gap_s * fps))
    ids = []
    for index in range(0, 24 + len(hidden) + 12, stride):
        boxes = [] if index in hidden else _one_box(10.0 + 2.0 * index)
        ids += [d.track_id for d in tracker.update(index, None, boxes)]
    return ids[2], ids[-1]


@pytest.mark.parametrize("stride", [1, 3])
def test_the_lost_track_buffer_is_seconds_of_video_not_processed_frames(stride: int) -> None:
    before, after = _ids_after_gap(stride, gap_s=1.5)
    assert before is not None and after == before  # 1.5 s < the 2 s buffer: same object
    before, after = _ids_after_gap(stride, gap_s=2.5)
    assert before is not None and after != before  # 2.5 s > 2 s: a new track


class _ScriptedDetector:
    """Detections from a script, through ``detect`` in batches (like CUDA) or ``stream``
    (like OpenVINO's overlapping requests)."""

    device = "cpu"

    def __init__(self, truth: TrackedClip, backend: str, batch_size: int,
                 order: list[int]) -> None:
        self.truth, self.backend, self.batch_size = truth, backend, batch_size
        self.names = {0: "square", 1: "disc", 2: "triangle"}
        self._order = order  # the frame indices the job will ask for, in order
        self.calls = 0

    def check_classes(self, classes: Any) -> None:
        pass

    def _dets(self, index: int) -> list[Detection]:
        return [Detection(b.class_id, self.names[b.class_id], 0.9, b.box_xyxy)
                for b in self.truth.truth[index] if b.visibility > 0.3]

    def detect(self, frames: list[np.ndarray], options: Any) -> list[list[Detection]]:
        start = self.calls
        self.calls += len(frames)
        return [self._dets(self._order[start + i]) for i in range(len(frames))]


class _StreamingDetector(_ScriptedDetector):
    def stream(self, items: Iterable[tuple[Any, np.ndarray]], options: Any
               ) -> Iterator[tuple[Any, np.ndarray, list[Detection]]]:
        for tag, frame in items:  # the pipeline's tag: (frame index, time in seconds)
            yield tag, frame, self._dets(tag[0])


def test_every_inference_path_gets_the_same_tracks(scene: TrackedClip, tmp_path: Path) -> None:
    params = DetectionParams(device="cpu", start=10, end=130, stride=2, track="botsort")
    results = []
    order = list(params.frame_indices(scene.frame_count))
    for i, detector in enumerate([_StreamingDetector(scene, "openvino", 1, order),
                                  _ScriptedDetector(scene, "torch", 16, order)]):
        outcome = run_detection(scene.path, params, model=resolve_model("demo"),
                                detector=detector, out_zip=tmp_path / f"{i}.zip")
        results.append(outcome.result_json)
    assert results[0]["frames"] == results[1]["frames"]
    assert results[0]["tracks"] == results[1]["tracks"] and len(results[0]["tracks"]) >= 5


def test_the_tracks_summary_takes_the_majority_class_and_counts_frames() -> None:
    def det(track_id: int | None, name: str, conf: float) -> dict[str, Any]:
        return {"class_name": name, "confidence": conf, "track_id": track_id,
                "box_xyxy": [0, 0, 1, 1], "class_id": 0}

    frames = [
        {"index": 3, "detections": [det(1, "car", 0.5), det(None, "car", 0.2)]},
        {"index": 6, "detections": [det(1, "truck", 0.7), det(2, "person", 0.9)]},
        {"index": 9, "detections": [det(1, "car", 0.9)]},
    ]
    tracks = summarize_tracks(frames)
    assert tracks == [
        {"id": 1, "class_name": "car", "first": 3, "last": 9, "frames": 3,
         "mean_confidence": 0.7},
        {"id": 2, "class_name": "person", "first": 6, "last": 6, "frames": 1,
         "mean_confidence": 0.9},
    ]
    assert describe_unique({"car": 6, "person": 14, "bus": 6}) == "14 person, 6 bus, 6 car"


def test_the_tracker_choice_is_validated_and_stored() -> None:
    assert DetectionParams(track="ByteTrack ").validate().track == "bytetrack"
    with pytest.raises(InvalidInput, match="Tracker must be one of bytetrack, botsort"):
        DetectionParams(track="deepsort").validate()
    stored = DetectionParams(track="botsort").to_json()
    assert DetectionParams.from_json(stored).track == "botsort"
    del stored["track"]  # a job stored before tracking existed
    assert DetectionParams.from_json(stored).track is None


_NO_TORCH = r"""
import sys
from pathlib import Path
from videolab.inference.devices import cuda_driver_present
from videolab.inference.models import resolve_model
from videolab.domain.params import DetectionParams
from videolab.inference.pipeline import run_detection
video, cache, out = sys.argv[1:4]
if cuda_driver_present():
    print("SKIP: a CUDA driver is present, so device auto asks torch")
    raise SystemExit(0)
outcome = run_detection(Path(video), DetectionParams(device="auto", end=12, track="bytetrack"),
                        model=resolve_model("demo"), out_zip=Path(out),
                        export_cache_dir=Path(cache))
heavy = sorted(m for m in ("torch", "ultralytics") if m in sys.modules)
print(len(outcome.result_json["tracks"]) > 0, "loaded:", ",".join(heavy) or "none")
"""


def test_a_tracked_cpu_job_never_loads_torch(scene: TrackedClip, export_cache: Path,
                                             scene_result: dict[str, Any],
                                             tmp_path: Path) -> None:
    # scene_result made the OpenVINO export in export_cache, so the job only loads it.
    run = subprocess.run(
        [sys.executable, "-c", _NO_TORCH, str(scene.path), str(export_cache),
         str(tmp_path / "o.zip")],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    last = run.stdout.strip().splitlines()[-1]
    if last.startswith("SKIP"):
        pytest.skip(last)
    assert last == "True loaded: none"
