"""Comparing two backends' detections on the same frames (shared by the backend tests)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from videolab.inference.detections import Detection

MIN_IOU = 0.8  # the bar for "agrees"
# Detections this far above the 0.25 threshold must appear in both; ones near it may flip.
SURE = 0.4


def read_frames(path: Path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    out = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        out.append(frame)
    cap.release()
    return out


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def unmatched(
    ref: Sequence[Sequence[Detection]],
    other: Sequence[Sequence[Detection]],
    min_iou: float = MIN_IOU,
    sure: float = SURE,
) -> list[str]:
    """Detections of ``ref`` at or above ``sure`` with no same-class box of IoU >= ``min_iou``
    in ``other`` on the same frame."""
    missing = []
    for f, (dets_a, dets_b) in enumerate(zip(ref, other, strict=True)):
        for d in dets_a:
            if d.confidence < sure:
                continue
            best = max(
                (iou(d.box_xyxy, e.box_xyxy) for e in dets_b if e.class_id == d.class_id),
                default=0.0,
            )
            if best < min_iou:
                missing.append(f"frame {f}: {d.class_name} {d.confidence:.2f} best IoU {best:.2f}")
    return missing
