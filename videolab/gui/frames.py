"""Decode frames of a local video file (light: no torch), as RGB QImages.

Frames come from ``video_io.VideoReader``, the reader jobs use, so frame N here is the frame N
of the result (same numbering, display geometry and timestamps).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtGui import QImage

from videolab.domain.errors import InvalidInput
from videolab.inference.video_io import VideoReader, open_video


def to_qimage(rgb: np.ndarray) -> QImage:
    h, w = rgb.shape[:2]
    rgb = np.ascontiguousarray(rgb)
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class FrameReader:
    """Random access to frames; sequential reads skip the seek."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.reader: VideoReader | None
        try:
            self.reader = open_video(self.path)
        except InvalidInput:
            self.reader = None  # callers fall back to the stored annotated frame

    def read(self, index: int) -> np.ndarray | None:
        if self.reader is None:
            return None
        try:
            frame = self.reader.read(int(index))
        except InvalidInput:
            return None
        if frame is None or frame.image is None:
            return None
        return cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)

    def image(self, index: int) -> QImage | None:
        rgb = self.read(index)
        return None if rgb is None else to_qimage(rgb)

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
            self.reader = None


def sample(frames: Sequence[int], n: int) -> list[int]:
    """At most ``n`` frames spread evenly over ``frames`` (first and last included)."""
    if len(frames) <= n:
        return list(frames)
    step = (len(frames) - 1) / (n - 1)
    return sorted({frames[round(i * step)] for i in range(n)})


def make_thumbnails(
    path: Path,
    frames: Sequence[int],
    progress: Callable[..., None],
    cancel: threading.Event,
    width: int = 192,
) -> int:
    """Decode ``frames`` in order and report ``(frame, jpeg bytes)`` for each; worker code."""
    reader = FrameReader(path)
    try:
        count = 0
        for frame in frames:
            if cancel.is_set():
                break
            rgb = reader.read(frame)
            if rgb is None:
                continue
            h, w = rgb.shape[:2]
            small = cv2.resize(
                rgb, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA
            )
            ok, jpeg = cv2.imencode(
                ".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80]
            )
            if ok:
                progress((frame, jpeg.tobytes()), force=True)
                count += 1
        return count
    finally:
        reader.close()
