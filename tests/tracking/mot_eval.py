"""Identity metrics of a tracked result against a synthetic clip's ground truth (motmetrics).

Ground-truth boxes less than ``min_visibility`` visible (mostly hidden or off screen) are
neither required nor penalised: a hypothesis matching one is dropped, as MOTChallenge does
with its distractors. Only the frames the job processed are scored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import motmetrics as mm
import numpy as np

from videolab.inference.mp4_export import detections_of
from videolab.inference.synthetic_tracks import TrackedClip
from videolab.inference.tracking import FrameTracker
from videolab.inference.video_io import iter_frames


@dataclass(frozen=True)
class TrackScores:
    idf1: float
    mota: float
    id_switches: int
    ids_per_object: float  # hypothesis ids per ground-truth object (1.0 = no splits)
    tracks: int

    def row(self) -> str:
        return (f"IDF1 {self.idf1:.3f}  MOTA {self.mota:.3f}  ID switches {self.id_switches}"
                f"  tracks {self.tracks}  ids/object {self.ids_per_object:.2f}")


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return np.asarray(inter / (area_a[:, None] + area_b[None, :] - inter))


def score(clip: TrackedClip, frames: Sequence[Mapping[str, Any]], *,
          min_visibility: float = 0.5, iou: float = 0.5) -> TrackScores:
    acc = mm.MOTAccumulator(auto_id=False)
    hyp_ids: set[int] = set()
    for frame in frames:
        index = int(frame["index"])
        truth = clip.truth[index]
        kept = [b for b in truth if b.visibility >= min_visibility]
        hidden = [b for b in truth if b.visibility < min_visibility]
        hyps = [d for d in frame["detections"] if d.get("track_id") is not None]
        if hidden and hyps:
            overlap = _iou(np.array([d["box_xyxy"] for d in hyps], float),
                           np.array([b.box_xyxy for b in hidden], float))
            hyps = [d for d, row in zip(hyps, overlap, strict=True) if row.max() < iou]
        hyp_ids.update(int(d["track_id"]) for d in hyps)
        gt = np.array([b.box_xyxy for b in kept], float).reshape(-1, 4)
        hy = np.array([d["box_xyxy"] for d in hyps], float).reshape(-1, 4)
        if len(gt) and len(hy):
            cost = 1.0 - _iou(gt, hy)
            cost[cost > 1.0 - iou] = np.nan
        else:
            cost = np.empty((len(gt), len(hy)))
        acc.update([b.track_id for b in kept], [int(d["track_id"]) for d in hyps], cost,
                   frameid=index)
    summary = mm.metrics.create().compute(
        acc, metrics=["idf1", "mota", "num_switches", "num_unique_objects"], name="clip")
    objects = max(1, int(summary["num_unique_objects"].iloc[0]))
    return TrackScores(float(summary["idf1"].iloc[0]), float(summary["mota"].iloc[0]),
                       int(summary["num_switches"].iloc[0]), len(hyp_ids) / objects,
                       len(hyp_ids))


def track_offline(video: Path, fps: float, frames: Sequence[Mapping[str, Any]], kind: str,
                  stride: int) -> list[dict[str, Any]]:
    """Frames ``0, stride, 2*stride, ...`` of an untracked result, tracked by ``FrameTracker``
    fed exactly what a job's writer stage feeds it (the decoded frame included)."""
    tracker = FrameTracker(kind, fps)
    by_index = {int(f["index"]): f for f in frames[::stride]}
    out: list[dict[str, Any]] = []
    # The job's reader: frames are numbered as the job numbered them.
    for decoded in iter_frames(video, want=by_index.__contains__):
        frame = by_index.get(decoded.index)
        if frame is None:
            continue
        dets = tracker.update(frame["index"], decoded.image, detections_of(frame))
        out.append({"index": frame["index"], "time_s": frame["time_s"],
                    "detections": [d.to_json(tracked=True) for d in dets]})
    assert len(out) == len(by_index), f"{video} ends before frame {max(by_index)}"
    return out
