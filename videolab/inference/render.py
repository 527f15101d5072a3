"""Annotated frames rendered again from the video and a stored result: the full-size export.

A job stores its annotated frames at a bounded size (1280 px on the long side by default); the
boxes in its JSON are in the video's pixels, so the full-size pictures can always be made
again from the video, one frame at a time, by the same reader the job used.
"""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from videolab.domain.errors import Cancelled
from videolab.inference.annotate import draw_detections, encode_jpeg, fit_within
from videolab.inference.detections import Detection
from videolab.inference.video_io import iter_frames


def _detection(d: Mapping[str, Any]) -> Detection:
    x1, y1, x2, y2 = (float(v) for v in d["box_xyxy"])
    rotated = d.get("box_xywhr")  # an oriented box, drawn as its rotated outline
    xywhr = None
    if rotated is not None:
        cx, cy, w, h, angle = (float(v) for v in rotated)
        xywhr = (cx, cy, w, h, angle)
    return Detection(
        int(d["class_id"]),
        str(d["class_name"]),
        float(d["confidence"]),
        (x1, y1, x2, y2),
        xywhr,
        track_id=d.get("track_id"),  # a tracked result's frames show their ids here too
    )


def _detections(frame: Mapping[str, Any]) -> list[Detection]:
    return [_detection(d) for d in frame.get("detections", [])]


def render_frames_zip(
    video: Path,
    result: Mapping[str, Any],
    out: Path,
    *,
    max_side: int | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """Write ``frame_NNNNNN.jpg`` for every frame of ``result`` into the ZIP ``out``, drawn on
    the video's own frames (at most ``max_side`` px on the long side; None: full size).
    Returns the number of frames written."""
    wanted = {int(f["index"]): f for f in result.get("frames", [])}
    written = 0
    if not wanted:
        zipfile.ZipFile(out, "w").close()
        return 0
    last = max(wanted)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for frame in iter_frames(video, want=wanted.__contains__):
            if cancel is not None and cancel.is_set():
                raise Cancelled("The export was cancelled.")
            if frame.image is not None:
                picture, scale = fit_within(frame.image, max_side)
                jpeg = encode_jpeg(
                    draw_detections(picture, _detections(wanted[frame.index]), box_scale=scale)
                )
                archive.writestr(f"frame_{frame.index:06d}.jpg", jpeg)
                written += 1
            if frame.index >= last:
                break
    return written
