"""What a video really contains: frames that decode, rate, size; and a thumbnail.

Container headers lie (a truncated mp4 still claims its original frame count), and credits
are charged per frame, so the count here is the number of frames that actually decode, by the
same OpenCV reader the detection pipeline uses.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import cv2

from videolab.domain.errors import Cancelled, InvalidInput
from videolab.inference import video_io
from videolab.inference.video_io import MAX_PIXELS

# Containers without a usable rate (0, NaN, 90000 from a raw timebase) get this one.
FALLBACK_FPS = 25.0
_MAX_FPS = 1000.0
_CHECK_EVERY = 32  # frames between cancel/deadline checks: cheap, and well under a second


@dataclass(frozen=True)
class VideoInfo:
    """Facts about a video file, measured by decoding it."""

    frame_count: int
    fps: float
    width: int
    height: int
    duration_s: float


def read_fps(cap: cv2.VideoCapture) -> float:
    fps = float(cap.get(cv2.CAP_PROP_FPS))
    return fps if math.isfinite(fps) and 0 < fps <= _MAX_FPS else FALLBACK_FPS


def probe_video(
    path: Path,
    *,
    cancel: threading.Event | None = None,
    max_pixels: int = MAX_PIXELS,
    max_seconds: float | None = None,
) -> VideoInfo:
    """Decode every frame of `path` once and report what is there.

    Raises InvalidInput for anything that is not a readable video (empty, random bytes,
    truncated before the first frame, frames over `max_pixels`), or when decoding takes longer
    than `max_seconds`; Cancelled when `cancel` is set. Work is bounded: the format check and
    size guard run before decoding, and the number of frames is bounded by the file's bytes.
    """
    path = Path(path)
    started = time.monotonic()
    cap, width, height = video_io.open_capture(path, max_pixels=max_pixels)
    try:
        fps = read_fps(cap)
        ok, frame = cap.read()
        if not ok or frame is None:
            raise video_io.not_readable(
                path, "not a single frame decodes (the file may be truncated or damaged)"
            )
        # Trust the decoded picture over the header; both were checked against the limit.
        height, width = frame.shape[:2]
        count = 1
        while cap.grab():
            count += 1
            if count % _CHECK_EVERY == 0:
                if cancel is not None and cancel.is_set():
                    raise Cancelled(f"Reading {video_io.describe(path)} was cancelled.")
                if max_seconds is not None and time.monotonic() - started > max_seconds:
                    raise InvalidInput(
                        f"{video_io.describe(path)} took longer than {max_seconds:.0f} s to read; "
                        "it is too long or too slow to decode."
                    )
    finally:
        cap.release()
    return VideoInfo(count, fps, int(width), int(height), count / fps)


def make_thumbnail(
    path: Path, max_side: int = 160, *, frame_count: int | None = None, quality: int = 85
) -> bytes:
    """A JPEG of the frame about 10% into the video, scaled so its longer side is `max_side`.

    Seeking is approximate on some files; for a thumbnail that is fine, and when the seek
    fails the first frame is used.
    """
    path = Path(path)
    cap, _, _ = video_io.open_capture(path)
    try:
        estimate = (
            frame_count if frame_count is not None else int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        )
        target = max(0, int(estimate * 0.1))
        frame = None
        if target:
            cap.set(cv2.CAP_PROP_POS_FRAMES, target)
            ok, frame = cap.read()
            if not ok:
                frame = None
        if frame is None:
            cap.release()
            cap, _, _ = video_io.open_capture(path)
            ok, frame = cap.read()
            if not ok or frame is None:
                raise video_io.not_readable(path, "not a single frame decodes")
    finally:
        cap.release()
    h, w = frame.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise InvalidInput(f"Could not make a thumbnail of {video_io.describe(path)}.")
    return buf.tobytes()
