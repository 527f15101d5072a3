"""Multi-object tracking after detection, and the ``tracks`` summary of a tracked result.

The trackers are Roboflow's ``trackers`` package (Apache-2.0; ByteTrack and BoT-SORT on
NumPy/SciPy, no PyTorch), fed frame by frame in video order by the job's writer stage. Each
update carries the frame's time in the video (``index / fps``), so the Kalman step and the
lost-track buffer are measured in seconds: a job with ``--stride 3`` or a frame range keeps a
lost object for the same time as one that sees every frame. The input is only the detections
(and, for BoT-SORT's camera-motion compensation, the decoded frame), so every backend gets the
same tracker with the same settings.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from videolab.domain.params import TRACKERS
from videolab.inference.detections import Detection


@dataclass(frozen=True)
class TrackerSettings:
    """What every tracked job uses; the same on every backend and stride."""

    # A track lost for longer than this (seconds of video, not processed frames) is ended.
    lost_track_buffer_s: float = 2.0
    # Detections at or above this confidence may start a track and take part in the first
    # association round; ones below it only extend existing tracks (ByteTrack's second round).
    track_activation_threshold: float = 0.5
    high_conf_det_threshold: float = 0.5
    # Processed frames in a row a new track needs before it gets an id: a one-frame false
    # positive then makes no track (IDF1 on the synthetic set: 0.92-0.94 with 2, 0.85 with 1).
    minimum_consecutive_frames: int = 2
    minimum_iou_threshold: float = 0.1
    # BoT-SORT's camera-motion compensation (sparse optical flow on the decoded frame). Off:
    # on a still camera it read the objects' own motion as the camera's and warped every
    # track (IDF1 0.71 instead of 0.94 on the synthetic set), and it costs time per frame.
    botsort_cmc: bool = False


DEFAULT_SETTINGS = TrackerSettings()


def _new_tracker(kind: str, fps: float, settings: TrackerSettings) -> Any:
    # Imported here: the package (with supervision) costs ~2 s and only tracked jobs need it.
    from trackers import BoTSORTTracker, ByteTrackTracker

    # The library expresses the buffer in "frames at 30 fps" and converts it to seconds
    # (buffer / 30) when timestamps are given, which is how VideoLab calls it.
    buffer_30fps = max(1, round(settings.lost_track_buffer_s * 30))
    if kind == "bytetrack":
        return ByteTrackTracker(
            lost_track_buffer=buffer_30fps,
            frame_rate=fps,
            track_activation_threshold=settings.track_activation_threshold,
            minimum_consecutive_frames=settings.minimum_consecutive_frames,
            minimum_iou_threshold=settings.minimum_iou_threshold,
            high_conf_det_threshold=settings.high_conf_det_threshold,
        )
    if kind == "botsort":
        return BoTSORTTracker(
            lost_track_buffer=buffer_30fps,
            frame_rate=fps,
            track_activation_threshold=settings.track_activation_threshold,
            minimum_consecutive_frames=settings.minimum_consecutive_frames,
            high_conf_det_threshold=settings.high_conf_det_threshold,
            enable_cmc=settings.botsort_cmc,
        )
    raise ValueError(f"Unknown tracker {kind!r}; use one of {', '.join(TRACKERS)}.")


class FrameTracker:
    """Gives the detections of successive frames their track ids (1, 2, ...).

    Frames must come in increasing video order; ``index`` is the frame number in the video.
    """

    def __init__(
        self, kind: str, fps: float, settings: TrackerSettings = DEFAULT_SETTINGS
    ) -> None:
        if not fps > 0:
            raise ValueError(f"Tracking needs the video's frame rate, got {fps!r}.")
        self.kind = kind
        self.fps = float(fps)
        self._uses_frame = kind == "botsort" and settings.botsort_cmc
        self._tracker = _new_tracker(kind, self.fps, settings)

    def update(
        self, index: int, frame: np.ndarray | None, detections: Sequence[Detection]
    ) -> list[Detection]:
        """``detections`` in their order, each with ``track_id`` set (None: no confirmed track)."""
        import supervision as sv

        n = len(detections)
        if n:
            boxes = np.array([d.box_xyxy for d in detections], dtype=np.float32)
        else:
            boxes = np.empty((0, 4), dtype=np.float32)
        given = sv.Detections(
            xyxy=boxes,
            confidence=np.array([d.confidence for d in detections], dtype=np.float32),
            class_id=np.array([d.class_id for d in detections], dtype=int),
            data={"position": np.arange(n)},
        )
        tracked = self._tracker.update(
            given, frame=frame if self._uses_frame else None, timestamp=index / self.fps
        )
        ids: dict[int, int] = {}
        if len(tracked):
            for position, tracker_id in zip(
                tracked.data["position"], tracked.tracker_id, strict=True
            ):
                if int(tracker_id) >= 0:
                    ids[int(position)] = int(tracker_id) + 1  # MOT ids start at 1
        return [replace(d, track_id=ids.get(i)) for i, d in enumerate(detections)]


def summarize_tracks(frames: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The result's ``tracks``: one entry per track id, from the frames' detections.

    ``class_name`` is the majority vote over the track's detections (ties: the name first
    seen), ``frames`` the number of processed frames it appears in.
    """
    names: dict[int, Counter[str]] = defaultdict(Counter)
    first_name: dict[int, str] = {}
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    seen: Counter[int] = Counter()
    confidence: defaultdict[int, float] = defaultdict(float)
    for frame in frames:
        index = int(frame["index"])
        for det in frame.get("detections", []):
            track_id = det.get("track_id")
            if track_id is None:
                continue
            names[track_id][det["class_name"]] += 1
            first_name.setdefault(track_id, det["class_name"])
            first.setdefault(track_id, index)
            last[track_id] = index
            seen[track_id] += 1
            confidence[track_id] += float(det["confidence"])
    tracks = []
    for track_id in sorted(seen):
        votes = names[track_id]
        top = max(votes.values())
        winners = [n for n, c in votes.items() if c == top]
        class_name = first_name[track_id] if first_name[track_id] in winners else winners[0]
        tracks.append(
            {
                "id": track_id,
                "class_name": class_name,
                "first": first[track_id],
                "last": last[track_id],
                "frames": seen[track_id],
                "mean_confidence": round(confidence[track_id] / seen[track_id], 4),
            }
        )
    return tracks


def unique_per_class(tracks: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Distinct tracks per class name, e.g. {"car": 6, "person": 14}."""
    return dict(sorted(Counter(str(t["class_name"]) for t in tracks).items()))


def describe_unique(per_class: Mapping[str, int]) -> str:
    """'14 person, 6 car': most frequent first, then by name."""
    ordered = sorted(per_class.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{count} {name}" for name, count in ordered)
