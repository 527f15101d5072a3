"""What a video really contains: frames that decode, rate, size; and a thumbnail.

Container headers lie (a truncated mp4 still claims its original frame count), and credits
are charged per frame, so the count here is the number of frames that actually decode, by the
same reader (``video_io.VideoReader``) the detection pipeline uses.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import cv2

from videolab.domain.errors import Cancelled, InvalidInput
from videolab.inference import video_io
from videolab.inference.video_io import FALLBACK_FPS, MAX_PIXELS

__all__ = ["FALLBACK_FPS", "VideoInfo", "make_thumbnail", "probe_video"]

_CHECK_EVERY = 32  # frames between cancel/deadline checks: cheap, and well under a second


@dataclass(frozen=True)
class VideoInfo:
    """Facts about a video file, measured by decoding it. Width and height are display pixels
    (square pixels, upright), the geometry every frame VideoLab hands out has."""

    frame_count: int
    fps: float
    width: int
    height: int
    duration_s: float


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
    count = 0
    with video_io.open_video(path, max_pixels=max_pixels) as reader:
        for frame in reader.frames(want=lambda _index: False):
            count = frame.index + 1
            if count % _CHECK_EVERY == 0:
                if cancel is not None and cancel.is_set():
                    raise Cancelled(f"Reading {video_io.describe(path)} was cancelled.")
                if max_seconds is not None and time.monotonic() - started > max_seconds:
                    raise InvalidInput(
                        f"{video_io.describe(path)} took longer than {max_seconds:.0f} s to read; "
                        "it is too long or too slow to decode."
                    )
        fps, width, height = reader.fps, reader.width, reader.height
    return VideoInfo(count, fps, width, height, count / fps)


def make_thumbnail(
    path: Path, max_side: int = 160, *, frame_count: int | None = None, quality: int = 85
) -> bytes:
    """A JPEG of the frame about 10% into the video, scaled so its longer side is `max_side`.

    The frame is found by time (a seek to the key frame before it), which is all a thumbnail
    needs; when that fails the first frame is used.
    """
    path = Path(path)
    with video_io.open_video(path) as reader:
        count = frame_count if frame_count is not None else reader.frame_count_estimate
        frame = reader.read_near(0.1 * count / reader.fps) if count > 1 else None
        if frame is None:
            frame = reader.read(0)
        if frame is None or frame.image is None:
            raise video_io.not_readable(path, "not a single frame decodes")
        image = frame.image
    h, w = image.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise InvalidInput(f"Could not make a thumbnail of {video_io.describe(path)}.")
    return bytes(buf.tobytes())
