"""Ultralytics' YOLO pre- and post-processing for boxes, in NumPy and OpenCV.

The direct runners (OpenVINO, ONNX Runtime) feed an exported YOLO graph without torch or
Ultralytics, so they must prepare frames and read the raw output exactly as Ultralytics'
``predict`` does, or their boxes would differ from every other backend's:

- ``letterbox``: scale to fit (rounding each side), pad equally with grey 114, as
  ``ultralytics.data.augment.LetterBox(auto=False)``;
- ``decode``: the (4 + classes + extra, anchors) output -> best class per anchor over
  ``conf``, class-aware NMS at ``iou`` (boxes offset by class x 7680, as
  ``non_max_suppression``), at most ``max_det`` boxes. ``Head`` says how many channels are
  classes: a detect head has nothing after them; a segment head 32 mask coefficients, a pose
  head the keypoints (ignored: VideoLab keeps the boxes), an OBB head the angle, which makes
  the boxes rotated (x, y, w, h, angle) and the NMS Ultralytics' probabilistic-IoU "fast NMS".
  An end-to-end head (YOLO26, YOLOv10) outputs final rows, filtered only by confidence;
- ``Letterbox.to_frame`` / ``to_frame_xywhr`` map boxes back as ``ops.scale_boxes`` (axis-
  aligned boxes clipped to the frame, rotated ones not, as Ultralytics).

tests/performance/test_backends.py and test_tasks.py check the result against Ultralytics'
own predict.
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

    def to_frame_xywhr(self, xywhr: np.ndarray) -> np.ndarray:
        """Rotated boxes in input pixels -> frame pixels (not clipped, as Ultralytics)."""
        h0, w0 = self.frame_hw
        h1, w1 = self.input_hw
        gain_x, gain_y = self.new_w / w0, self.new_h / h0
        out = xywhr.astype(np.float64, copy=True)
        out[:, 0] = (out[:, 0] - round((w1 - self.new_w) / 2 - 0.1)) / gain_x
        out[:, 1] = (out[:, 1] - round((h1 - self.new_h) / 2 - 0.1)) / gain_y
        out[:, 2] /= gain_x
        out[:, 3] /= gain_y
        return out


@dataclass(frozen=True)
class Head:
    """How to read a YOLO output. ``nc`` 0 means every channel after the box is a class (a
    detect head, read as Ultralytics reads one)."""

    nc: int = 0
    rotated: bool = False
    end2end: bool = False

    @classmethod
    def for_task(cls, task: str, class_count: int, *, end2end: bool = False) -> Head:
        return cls(0 if task == "detect" else class_count, task == "obb", end2end)


def corners(xywhr: np.ndarray) -> np.ndarray:
    """(n, 4, 2) corner points of rotated boxes, as ``ops.xywhr2xyxyxyxy``."""
    ctr = xywhr[:, None, :2]
    w, h, angle = xywhr[:, 2:3], xywhr[:, 3:4], xywhr[:, 4:5]
    cos, sin = np.cos(angle), np.sin(angle)
    vec1 = np.concatenate([w / 2 * cos, w / 2 * sin], -1)[:, None]
    vec2 = np.concatenate([-h / 2 * sin, h / 2 * cos], -1)[:, None]
    return np.concatenate(
        [ctr + vec1 + vec2, ctr + vec1 - vec2, ctr - vec1 - vec2, ctr - vec1 + vec2], axis=1
    )


def envelope(xywhr: np.ndarray) -> np.ndarray:
    """Axis-aligned (x1, y1, x2, y2) around rotated boxes, as Ultralytics' ``OBB.xyxy``."""
    pts = corners(xywhr)
    return np.stack(
        [pts[..., 0].min(1), pts[..., 1].min(1), pts[..., 0].max(1), pts[..., 1].max(1)], -1
    )


def decode(
    output: np.ndarray,
    *,
    conf: float,
    iou: float,
    max_det: int,
    classes: tuple[int, ...] | None = None,
    head: Head | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(boxes in input pixels, class ids, scores) from one image's raw output.

    Boxes are (x1, y1, x2, y2), or (x, y, w, h, angle) for a rotated head. The output is
    (4 + nc + extra, anchors), or (rows, 6 + extra) for an end-to-end head."""
    head = head or Head()
    width = 5 if head.rotated else 4
    empty = (np.zeros((0, width)), np.zeros(0, dtype=np.int64), np.zeros(0))
    if head.end2end or output.shape[-1] == 6:
        return _decode_end2end(output, conf, max_det, classes, head) or empty
    nc = head.nc or output.shape[0] - 4
    scores_all = output[4 : 4 + nc]
    best = scores_all.max(axis=0)
    candidates = np.flatnonzero(best > conf)
    if candidates.size == 0:
        return empty
    cls = scores_all[:, candidates].argmax(axis=0)
    score = best[candidates]
    if classes is not None:
        keep = np.isin(cls, np.asarray(classes))
        candidates, cls, score = candidates[keep], cls[keep], score[keep]
        if candidates.size == 0:
            return empty
    cx, cy, w, h = output[:4, candidates]
    order = np.argsort(-score, kind="stable")[:_MAX_NMS]
    cls, score, candidates = cls[order], score[order], candidates[order]
    cx, cy, w, h = cx[order], cy[order], w[order], h[order]
    if head.rotated:
        angle = output[-1, candidates]
        boxes = np.stack([cx, cy, w, h, angle], axis=1)
        shifted = boxes.copy()
        shifted[:, :2] += (cls * _MAX_WH)[:, None]
        keep_idx = fast_nms_rotated(shifted, iou)[:max_det]
    else:
        boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
        keep_idx = nms(boxes + (cls * _MAX_WH)[:, None], score, iou)[:max_det]
    return boxes[keep_idx], cls[keep_idx].astype(np.int64), score[keep_idx]


def _decode_end2end(
    output: np.ndarray,
    conf: float,
    max_det: int,
    classes: tuple[int, ...] | None,
    head: Head,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Rows (x1, y1, x2, y2 | x, y, w, h, conf, cls, extra..., angle) kept as Ultralytics
    keeps them: over ``conf``, of the wanted classes, the first ``max_det``."""
    keep = output[:, 4] > conf
    if classes is not None:
        keep &= np.isin(output[:, 5], np.asarray(classes, dtype=output.dtype))
    rows = output[np.flatnonzero(keep)[:max_det]]
    if not len(rows):
        return None
    boxes = np.concatenate([rows[:, :4], rows[:, -1:]], 1) if head.rotated else rows[:, :4]
    return boxes.astype(np.float64), rows[:, 5].astype(np.int64), rows[:, 4].astype(np.float64)


def fast_nms_rotated(boxes: np.ndarray, iou: float) -> np.ndarray:
    """Ultralytics' fast NMS on rotated boxes (``TorchNMS.fast_nms`` with ``batch_probiou``):
    a box goes when any higher-scoring box overlaps it more than ``iou``, even one that went
    itself. ``boxes`` must already be sorted by descending score."""
    overlap = np.triu(probiou(boxes, boxes), k=1)
    return np.flatnonzero((overlap > iou).sum(0) <= 0).astype(np.int64)


def probiou(a: np.ndarray, b: np.ndarray, eps: float = 1e-7) -> np.ndarray:
    """Probabilistic IoU of rotated boxes (n, 5) x (m, 5), as ``metrics.batch_probiou``."""
    x1, y1 = a[:, 0:1], a[:, 1:2]
    x2, y2 = b[None, :, 0], b[None, :, 1]
    a1, b1, c1 = _covariance(a)
    a2, b2, c2 = (v[:, 0][None] for v in _covariance(b))
    denom = (a1 + a2) * (b1 + b2) - (c1 + c2) ** 2 + eps
    t1 = ((a1 + a2) * (y1 - y2) ** 2 + (b1 + b2) * (x1 - x2) ** 2) / denom * 0.25
    t2 = ((c1 + c2) * (x2 - x1) * (y1 - y2)) / denom * 0.5
    det1 = np.clip(a1 * b1 - c1**2, 0, None)
    det2 = np.clip(a2 * b2 - c2**2, 0, None)
    t3 = np.log(((a1 + a2) * (b1 + b2) - (c1 + c2) ** 2) / (4 * np.sqrt(det1 * det2) + eps) + eps)
    bd = np.clip(t1 + t2 + t3 * 0.5, eps, 100.0)
    hd = np.sqrt(1.0 - np.exp(-bd) + eps)
    return np.asarray(1 - hd)


def _covariance(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a = boxes[:, 2:3] ** 2 / 12
    b = boxes[:, 3:4] ** 2 / 12
    c = boxes[:, 4:5]
    cos, sin = np.cos(c), np.sin(c)
    return a * cos**2 + b * sin**2, a * sin**2 + b * cos**2, (a - b) * cos * sin


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
