"""Ultralytics' YOLO detect pre- and post-processing, in NumPy and OpenCV.

The OpenVINO runner feeds an exported YOLO graph directly (no torch, no Ultralytics at run
time), so it must prepare frames and read the raw output exactly as Ultralytics' ``predict``
does for a fixed-shape export, or its boxes would differ from every other backend's:

- ``letterbox``: scale to fit (rounding each side), pad equally with grey 114, as
  ``ultralytics.data.augment.LetterBox(auto=False)``;
- ``decode``: the (4 + classes, anchors) output -> best class per anchor over ``conf``,
  class-aware greedy NMS at ``iou`` (boxes offset by class x 7680, as ``non_max_suppression``),
  at most ``max_det`` boxes, then mapped back to the frame as ``ops.scale_boxes`` and clipped.

tests/performance/test_backends.py checks the result against Ultralytics' own predict.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

PAD_VALUE = 114
_MAX_WH = 7680  # Ultralytics' per-class offset for class-aware NMS
_MAX_NMS = 30000  # candidates kept (by confidence) before NMS


@dataclass(frozen=True)
class Letterbox:
    """How a frame of ``frame_hw`` maps onto the model input ``input_hw``."""

    frame_hw: tuple[int, int]
    input_hw: tuple[int, int]
    new_w: int
    new_h: int
    top: int
    bottom: int
    left: int
    right: int

    @classmethod
    def plan(cls, frame_hw: tuple[int, int], input_hw: tuple[int, int]) -> Letterbox:
        h0, w0 = frame_hw
        h1, w1 = input_hw
        r = min(h1 / h0, w1 / w0)
        new_w, new_h = max(round(w0 * r), 1), max(round(h0 * r), 1)
        dw, dh = (w1 - new_w) / 2, (h1 - new_h) / 2
        return cls(
            frame_hw,
            input_hw,
            new_w,
            new_h,
            round(dh - 0.1),
            round(dh + 0.1),
            round(dw - 0.1),
            round(dw + 0.1),
        )

    def apply(self, frame: np.ndarray) -> np.ndarray:
        """The padded BGR uint8 image, ``input_hw`` in size."""
        if frame.shape[1] != self.new_w or frame.shape[0] != self.new_h:
            frame = cv2.resize(frame, (self.new_w, self.new_h), interpolation=cv2.INTER_LINEAR)
        if self.top or self.bottom or self.left or self.right:
            frame = cv2.copyMakeBorder(
                frame,
                self.top,
                self.bottom,
                self.left,
                self.right,
                cv2.BORDER_CONSTANT,
                value=(PAD_VALUE, PAD_VALUE, PAD_VALUE),
            )
        return frame

    def to_frame(self, xyxy: np.ndarray) -> np.ndarray:
        """Boxes in input pixels -> boxes in frame pixels, clipped to the frame."""
        h0, w0 = self.frame_hw
        h1, w1 = self.input_hw
        gain_x, gain_y = self.new_w / w0, self.new_h / h0
        pad_x = round((w1 - self.new_w) / 2 - 0.1)
        pad_y = round((h1 - self.new_h) / 2 - 0.1)
        out = xyxy.astype(np.float64, copy=True)
        out[:, [0, 2]] = (out[:, [0, 2]] - pad_x) / gain_x
        out[:, [1, 3]] = (out[:, [1, 3]] - pad_y) / gain_y
        out[:, [0, 2]] = out[:, [0, 2]].clip(0, w0)
        out[:, [1, 3]] = out[:, [1, 3]].clip(0, h0)
        return out


def decode(
    output: np.ndarray,
    *,
    conf: float,
    iou: float,
    max_det: int,
    classes: tuple[int, ...] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xyxy in input pixels, class ids, scores) from one image's raw output (4 + nc, anchors)."""
    scores_all = output[4:]
    best = scores_all.max(axis=0)
    candidates = np.flatnonzero(best > conf)
    if candidates.size == 0:
        return np.zeros((0, 4)), np.zeros(0, dtype=np.int64), np.zeros(0)
    cls = scores_all[:, candidates].argmax(axis=0)
    score = best[candidates]
    if classes is not None:
        keep = np.isin(cls, np.asarray(classes))
        candidates, cls, score = candidates[keep], cls[keep], score[keep]
        if candidates.size == 0:
            return np.zeros((0, 4)), np.zeros(0, dtype=np.int64), np.zeros(0)
    cx, cy, w, h = output[:4, candidates]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    order = np.argsort(-score, kind="stable")[:_MAX_NMS]
    boxes, cls, score = boxes[order], cls[order], score[order]
    keep_idx = nms(boxes + (cls * _MAX_WH)[:, None], score, iou)[:max_det]
    return boxes[keep_idx], cls[keep_idx].astype(np.int64), score[keep_idx]


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> np.ndarray:
    """Greedy NMS (as torchvision.ops.nms): indices kept, highest score first. ``boxes`` must
    already be sorted by descending score."""
    x1, y1, x2, y2 = boxes.T
    areas = (x2 - x1) * (y2 - y1)
    order = np.arange(len(boxes))
    keep: list[int] = []
    while order.size:
        i = order[0]
        keep.append(int(i))
        rest = order[1:]
        inter = np.clip(np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]), 0, None) * (
            np.clip(np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]), 0, None)
        )
        overlap = inter / np.maximum(areas[i] + areas[rest] - inter, 1e-9)
        order = rest[overlap <= iou]
    return np.asarray(keep, dtype=np.int64)
