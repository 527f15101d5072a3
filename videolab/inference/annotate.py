"""Draw detections on a frame with OpenCV only (no font downloads), and encode JPEGs.

Annotated frames are stored at a bounded size (``fit_within``: 1280 px on the long side by
default, ``VIDEOLAB_ANNOTATED_MAX_SIDE``); boxes stay in the video's pixels and are scaled
only for drawing.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from videolab.inference import palette
from videolab.inference.detections import Detection
from videolab.inference.yolo_postprocess import corners

JPEG_QUALITY = 85

# The classes' colours come from ``palette``, the table the viewer paints with too, so a
# class has one colour on the live preview, the stored frames and the viewer.
PALETTE_BGR: tuple[tuple[int, int, int], ...] = tuple(
    (b, g, r) for r, g, b in palette.CLASS_RGB
)


def class_colour(class_id: int) -> tuple[int, int, int]:
    """``class_id``'s colour, BGR."""
    return palette.class_bgr(class_id)


def label_text_colour(class_id: int) -> tuple[int, int, int]:
    """Black or white, whichever reads better on ``class_id``'s colour (BGR)."""
    r, g, b = palette.label_text_rgb(class_id)
    return (b, g, r)


def fit_within(frame: np.ndarray, max_side: int | None) -> tuple[np.ndarray, float]:
    """``frame`` scaled down (never up) so its long side is at most ``max_side`` (None: no
    limit), and the scale applied. A frame already small enough is returned as it is."""
    h, w = frame.shape[:2]
    if max_side is None or max(h, w) <= max_side:
        return frame, 1.0
    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA), scale


def draw_detections(
    frame: np.ndarray, detections: Sequence[Detection], *, box_scale: float = 1.0
) -> np.ndarray:
    """A copy of ``frame`` with a box (rotated for an oriented box), class name and confidence
    for each detection.

    ``box_scale`` maps the boxes (in the video's pixels) onto ``frame`` when it was scaled.
    """
    out = frame.copy()
    scale = max(0.4, min(out.shape[0], out.shape[1]) / 900)
    thickness = max(1, round(scale * 2))
    for det in detections:
        x1, y1, x2, y2 = (round(v * box_scale) for v in det.box_xyxy)
        colour = class_colour(det.class_id)
        if det.box_xywhr is not None:  # an oriented box: its rotated outline
            pts = corners(np.asarray([det.box_xywhr], dtype=np.float64))[0] * box_scale
            cv2.polylines(
                out, [np.round(pts).astype(np.int32)], True, colour, thickness, cv2.LINE_AA
            )
        else:
            cv2.rectangle(out, (x1, y1), (x2, y2), colour, thickness, cv2.LINE_AA)
        label = f"{det.class_name} {det.confidence:.2f}"
        if det.track_id is not None:
            label = f"#{det.track_id} {label}"
        (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        ty = y1 - 4 if y1 - th - base - 4 >= 0 else y2 + th + 4
        cv2.rectangle(out, (x1, ty - th - base), (x1 + tw + 4, ty + base - 2), colour, -1)
        cv2.putText(
            out,
            label,
            (x1 + 2, ty - 2),
            cv2.FONT_HERSHEY_SIMPLEX,
            scale,
            label_text_colour(det.class_id),
            1,
            cv2.LINE_AA,
        )
    return out


def encode_jpeg(frame: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return bytes(buf.tobytes())
