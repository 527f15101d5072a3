"""Counting a video's frames from its container's packets, without decoding them.

An upload is charged per frame. Decoding every frame to count them runs at 50-60 MB/s for
1080p MJPEG on one core (slower still for H.264), so the upload charges the number of video
packets the container really holds (demuxing reads the file at disk speed) and the frames that
decode are counted later, by the decoder jobs use, with a refund for any packet that did not
decode (see ``VideoService.verify_frames``).

Uploaded files are untrusted: the same container sniffing as ``video_io.check_container``
runs before FFmpeg sees the file, the file is handed to FFmpeg as an open Python file (no
protocol, no name to interpret, nothing else it could open), only the demuxers of the formats
the sniff accepts may read it, frame sizes are checked against the decoder's limits, and the
number of packets is bounded by the file's bytes.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from videolab.domain.errors import Cancelled
from videolab.inference import video_io
from videolab.inference.video_io import MAX_PIXELS, MAX_SIDE

#: The demuxers of the containers ``video_io.looks_like_video`` lets through.
DEMUXERS = "mov,mp4,avi,matroska,webm,ogg,flv,asf,mpeg,mpegts,mpegvideo"
FALLBACK_FPS = 25.0
_MAX_FPS = 1000.0
_CHECK_EVERY = 256  # packets between cancel checks and progress reports
_BUFFER = 1 << 20  # FFmpeg reads the Python file in blocks of this size

#: ``progress(done_bytes, total_bytes)``
PacketProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class PacketCount:
    """What the container says, checked by reading every packet of its video stream."""

    frame_count: int
    fps: float
    width: int
    height: int
    duration_s: float


def _rate(stream: av.video.stream.VideoStream) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate:
            fps = float(Fraction(rate))
            if math.isfinite(fps) and 0 < fps <= _MAX_FPS:
                return fps
    return FALLBACK_FPS


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream | None:
    """The first video stream that is a video, not a cover picture (phones attach those)."""
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    return None


def count_packets(
    path: Path,
    *,
    cancel: threading.Event | None = None,
    progress: PacketProgress | None = None,
    max_pixels: int = MAX_PIXELS,
) -> PacketCount:
    """Read every packet of `path`'s video stream and count those that carry a frame.

    Raises InvalidInput for anything that is not a video VideoLab can read (same wording as
    the decoder's refusals), Cancelled when `cancel` is set.
    """
    path = Path(path)
    video_io.check_container(path)  # before FFmpeg sees a byte
    size = path.stat().st_size
    try:
        source = path.open("rb")
    except OSError as exc:
        raise video_io.not_readable(path, f"it cannot be opened ({exc.strerror or exc})") from exc
    with source:
        try:
            container = av.open(
                source,
                "r",
                options={"format_whitelist": DEMUXERS},
                buffer_size=_BUFFER,
                timeout=10.0,
            )
        except (av.FFmpegError, ValueError, OSError) as exc:
            raise video_io.not_readable(path, "no video stream could be read") from exc
        with container:
            return _count(path, container, size, cancel, progress, max_pixels)


def _count(
    path: Path,
    container: av.container.InputContainer,
    size: int,
    cancel: threading.Event | None,
    progress: PacketProgress | None,
    max_pixels: int,
) -> PacketCount:
    stream = _video_stream(container)
    if stream is None:
        raise video_io.not_readable(path, "it has no video stream")
    width, height = int(stream.codec_context.width), int(stream.codec_context.height)
    if width <= 0 or height <= 0:
        raise video_io.not_readable(path, "it has no picture size")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > max_pixels:
        raise video_io.not_readable(
            path,
            f"its frames are {width}x{height} pixels, larger than the {MAX_SIDE}x{MAX_SIDE} "
            f"and {max_pixels / 1e6:.0f} megapixel limit",
        )
    fps = _rate(stream)
    frames = 0
    seen = 0
    try:
        for packet in container.demux(stream):
            seen += 1
            if packet.size > 0:
                frames += 1
            if seen % _CHECK_EVERY == 0:
                if cancel is not None and cancel.is_set():
                    raise Cancelled(f"Reading {video_io.describe(path)} was cancelled.")
                if seen > size:
                    # Every packet costs the file at least a byte; an index that lists more
                    # is lying, and would keep us counting nothing for hours.
                    raise video_io.not_readable(path, "its index lists more packets than bytes")
                if progress is not None and packet.pos is not None and packet.pos >= 0:
                    progress(min(size, int(packet.pos)), size)
    except av.FFmpegError as exc:
        if frames == 0:
            raise video_io.not_readable(path, "no video packet could be read") from exc
        # A damaged tail ends the count; the frames before it are still there.
    if frames == 0:
        raise video_io.not_readable(
            path, "not a single frame decodes (the file may be truncated or damaged)"
        )
    if progress is not None:
        progress(size, size)
    return PacketCount(frames, fps, width, height, frames / fps)
