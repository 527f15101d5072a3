"""Clips written with PyAV, for what OpenCV's writer cannot make: explicit presentation
timestamps (variable frame rate), a sample aspect ratio (anamorphic), AV1, rotation."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

MS = Fraction(1, 1000)


def write_clip(
    path: Path,
    frames: Sequence[np.ndarray],
    *,
    codec: str = "libx264",
    pts_ms: Sequence[int] | None = None,
    rate: int = 25,
    sar: Fraction | None = None,
    rotation: int | None = None,
    options: dict[str, str] | None = None,
) -> Path:
    """Encode BGR ``frames`` into ``path``; ``pts_ms`` gives each frame's time in ms."""
    height, width = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, options=options or {})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if pts_ms is not None:  # a millisecond clock, so every timestamp survives as given
            stream.codec_context.time_base = MS
            stream.time_base = MS
        if sar is not None:
            stream.codec_context.sample_aspect_ratio = sar
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")
            if pts_ms is not None:
                frame.pts, frame.time_base = pts_ms[i], MS
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def numbered_frames(count: int, size: tuple[int, int] = (64, 48)) -> list[np.ndarray]:
    """Frame i shows i in its colour (one base-16 digit per channel): see ``number``."""
    frames = []
    for i in range(count):
        frame = np.empty((size[1], size[0], 3), np.uint8)
        for channel, digit in enumerate((i % 16, i // 16 % 16, i // 256)):
            frame[..., channel] = digit * 16 + 8
        frames.append(frame)
    return frames


def number(frame: np.ndarray) -> int:
    digits = [round((float(frame[..., c].mean()) - 8) / 16) for c in range(3)]
    return digits[0] + 16 * digits[1] + 256 * digits[2]


def has_encoder(name: str) -> bool:
    return name in av.codecs_available
