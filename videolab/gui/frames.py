"""Decode frames of a local video file (light: no torch), as RGB QImages.

Files are opened through ``video_io.open_capture``, like everywhere else in VideoLab: the
container check, the size limits and the non-UTF-8 file names are handled there once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtGui import QImage

from videolab.domain.errors import InvalidInput
from videolab.inference import video_io


def to_qimage(rgb: np.ndarray) -> QImage:
    h, w = rgb.shape[:2]
    rgb = np.ascontiguousarray(rgb)
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class FrameReader:
    """Random access to frames; sequential reads skip the seek."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.cap: cv2.VideoCapture | None
        try:
            self.cap, _width, _height = video_io.open_capture(self.path)
        except InvalidInput:  # the viewer falls back to the stored annotated frames
            self.cap = None
        self._next = 0

    def read(self, index: int) -> np.ndarray | None:
        if self.cap is None or not self.cap.isOpened():
            return None
        if index != self._next:
            self.cap.set(cv2.CAP_PROP_POS_FRAMES, int(index))
        ok, frame = self.cap.read()
        self._next = index + 1
        if not ok or frame is None:
            self._next = -1
            return None
        return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)

    def image(self, index: int) -> QImage | None:
        rgb = self.read(index)
        return None if rgb is None else to_qimage(rgb)

    def close(self) -> None:
        if self.cap is not None:
            self.cap.release()


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
