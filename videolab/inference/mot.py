"""A tracked result as MOTChallenge ``gt.txt``-style lines, for other tracking tools.

One line per tracked detection: ``frame,id,left,top,width,height,conf,class,visibility`` with
frames and pixels 1-based as MOTChallenge counts them (frame = video frame index + 1, left =
x1 + 1, top = y1 + 1; motmetrics subtracts the 1 again when it reads them), the track id, the
detector's confidence (gt.txt's "consider" flag: above 0, so every row counts), the class id
+ 1 (MOT class ids start at 1) and visibility -1 (unknown). Detections without a confirmed
track are left out. Sorted by frame, then id, as evaluators expect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from videolab.domain.errors import InvalidInput


def to_mot_lines(result: Mapping[str, Any]) -> list[str]:
    if "tracks" not in result:
        raise InvalidInput(
            "MOT export needs tracks: run the job with a tracker (--track bytetrack or botsort)."
        )
    rows: list[tuple[int, int, str]] = []
    for frame in result.get("frames", []):
        number = int(frame["index"]) + 1
        for det in frame.get("detections", []):
            track_id = det.get("track_id")
            if track_id is None:
                continue
            x1, y1, x2, y2 = (float(v) for v in det["box_xyxy"])
            left, top = x1 + 1, y1 + 1
            rows.append(
                (
                    number,
                    int(track_id),
                    f"{number},{int(track_id)},{left:.2f},{top:.2f},{x2 - x1:.2f},{y2 - y1:.2f},"
                    f"{float(det['confidence']):.4f},{int(det['class_id']) + 1},-1",
                )
            )
    return [line for _, _, line in sorted(rows)]
