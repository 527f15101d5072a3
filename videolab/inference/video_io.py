"""Reading video files with PyAV (FFmpeg), defensively: the one way VideoLab reads a video.

Upload probe, thumbnails, jobs, INT8 calibration sampling and the GUI's frames all read through
:class:`VideoReader`, so the frames counted (and charged) at upload are the frames a job sees,
numbered the same way: ``index`` is a frame's position among the frames that decode, in
presentation order.

PyAV rather than OpenCV's ``VideoCapture`` because it gives what OpenCV hides: each frame's
presentation timestamp (variable-frame-rate video), the sample aspect ratio (anamorphic video)
and a software AV1 decoder (libdav1d; OpenCV's bundled FFmpeg has none). With one shared
``VideoReformatter`` it converts to BGR as fast as OpenCV (``benchmarks/decode_speed.py``).

What every frame handed out looks like: BGR, ``uint8``, in **display geometry**: rotated as
the container's display matrix says (as OpenCV did) and, for non-square pixels, resampled to
square pixels (480x360 stored with a 4:3 sample aspect ratio comes out 640x360). Everything
downstream (model input, boxes, thumbnails, annotated frames) is in those pixels.

Uploaded files are untrusted. Before FFmpeg sees a file we check that it starts like a video
container and open it with the demuxer of that container forced (so playlists, concat lists
and other formats that make FFmpeg open URLs or other files never run, and random bytes fail
in microseconds); FFmpeg reads only through a Python file object we opened, may not open any
other file, and has open/read timeouts; absurd frame sizes are refused before decoding a
single frame, and every decoded frame is checked again.
"""

from __future__ import annotations

import bisect
import contextlib
import math
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import av
import cv2
import numpy as np
from av.video.reformatter import VideoReformatter

from videolab.domain.errors import InvalidInput

MAX_SIDE = 8192
MAX_PIXELS = 40_000_000
_TIMEOUT_S = 10.0
# Containers without a usable rate (0, NaN, 90000 from a raw timebase) get this one.
FALLBACK_FPS = 25.0
_MAX_FPS = 1000.0
# Packets in a row that fail to decode before the rest of the file is given up as damaged.
_MAX_BAD_PACKETS = 256
# A forward jump of up to this many frames is decoded through rather than sought.
_SEQUENTIAL_LIMIT = 250
_SCALER_THREADS_FROM = 1_000_000  # pixels
_LOST = -(10**9)  # the reader's position after a seek by time: read() seeks again
# FFmpeg's frame threads each hold a picture: bound them so an 8K video's decoder stays small.
_DECODER_BYTES = 128 * 1024 * 1024

# ISO-BMFF / QuickTime top-level atoms that may open an .mp4/.mov/.m4v/.3gp file.
_MP4_ATOMS = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid"}
_ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")


def _keep_frame_buffers_mapped() -> None:
    """Let glibc reuse freed picture buffers instead of returning them to the kernel.

    Each converted frame is a fresh FFmpeg buffer (0.7 MB at 640x360, 6 MB at 1080p). glibc
    serves allocations that size with mmap and trims the heap as soon as they are freed, so
    every frame faulted in fresh zeroed pages: ~100 page faults a 640x360 frame, and PyAV
    converted 25-38% fewer frames per CPU-second than OpenCV (which reuses its buffers).
    Keeping up to 32 MiB blocks on the heap and 64 MiB free at its top removes the faults:
    PyAV then converts as fast as OpenCV or faster (benchmarks/decode_speed.py). 8K frames
    (100 MB) are still mapped and unmapped, so they go back to the system at once.
    """
    if os.name != "posix":
        return
    try:
        import ctypes
        import ctypes.util

        name = ctypes.util.find_library("c")
        libc = ctypes.CDLL(name) if name else None
        mallopt = getattr(libc, "mallopt", None)
        if mallopt is None:  # not glibc (musl, macOS): nothing to tune
            return
        mallopt(-3, 32 * 1024 * 1024)  # M_MMAP_THRESHOLD
        mallopt(-1, 64 * 1024 * 1024)  # M_TRIM_THRESHOLD
    except OSError:
        return


_keep_frame_buffers_mapped()


def container_format(head: bytes) -> str | None:
    """The FFmpeg demuxer for a file starting with `head`, or None if it is no video we accept."""
    if len(head) >= 8 and head[4:8] in _MP4_ATOMS:
        return "mov"
    if head[:4] == b"RIFF" and head[8:12] in {b"AVI ", b"AVIX"}:
        return "avi"
    if head[:4] == b"\x1a\x45\xdf\xa3":  # Matroska / WebM (EBML)
        return "matroska"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:3] == b"FLV":
        return "flv"
    if head[:16] == _ASF_GUID:
        return "asf"
    if head[:4] == b"\x00\x00\x01\xba":  # MPEG program stream
        return "mpeg"
    if head[:4] == b"\x00\x00\x01\xb3":  # MPEG-1/2 video elementary stream
        return "mpegvideo"
    # MPEG transport stream: a sync byte every 188 bytes.
    if len(head) >= 377 and head[0] == head[188] == head[376] == 0x47:
        return "mpegts"
    return None


def looks_like_video(head: bytes) -> bool:
    """True when `head` (the first bytes of a file) starts like a video container we accept."""
    return container_format(head) is not None


def describe(path: Path) -> str:
    """The file's name for a message, even when its bytes are not UTF-8 (legal on Linux)."""
    return f"'{os.fsencode(path.name).decode('utf-8', errors='replace')}'"


def not_readable(path: Path, reason: str) -> InvalidInput:
    return InvalidInput(f"{describe(path)} is not a video VideoLab can read: {reason}.")


def check_container(path: Path) -> str:
    """The demuxer to use for `path`; InvalidInput unless it is a non-empty file that starts
    like a video."""
    try:
        if not path.is_file():
            raise not_readable(path, "the file does not exist")
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(512)
    except OSError as exc:
        raise not_readable(path, f"it cannot be opened ({exc.strerror or exc})") from exc
    if size == 0:
        raise not_readable(path, "the file is empty")
    fmt = container_format(head)
    if fmt is None:
        raise not_readable(path, "it is not in a known video format (MP4, MOV, AVI, MKV, WebM...)")
    return fmt


def _refuse_io_open(url: str, flags: int, options: dict[str, Any]) -> None:
    """FFmpeg asks this to open any file besides the one we gave it (QuickTime references,
    HLS segments...): never."""
    raise PermissionError("VideoLab reads one file at a time")


@dataclass(frozen=True)
class DecodedFrame:
    """One frame: its index among the frames that decode, its presentation time in seconds
    since the first frame, and the picture (None when the caller did not want it converted)."""

    index: int
    time_s: float
    image: np.ndarray | None


def _fraction(value: Any) -> Fraction | None:
    try:
        frac = Fraction(value) if value is not None else None
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return frac if frac is not None and frac > 0 else None


def _usable_sar(stream: Any) -> Fraction:
    """The sample (pixel) aspect ratio: the container's, else the codec's; 1 when absent or
    absurd (a tenth or ten times wider than tall is a broken header, not a camera)."""
    for source in (stream, stream.codec_context):
        sar = _fraction(getattr(source, "sample_aspect_ratio", None))
        if sar is not None and Fraction(1, 10) <= sar <= 10:
            return sar
    return Fraction(1)


def display_size(width: int, height: int, sar: Fraction) -> tuple[int, int]:
    """Stored pixels -> square display pixels, never dropping stored detail: wide pixels
    widen the picture, tall ones make it taller."""
    if sar > 1:
        return max(1, round(width * sar)), height
    if sar < 1:
        return width, max(1, round(height / sar))
    return width, height


_ROTATIONS = {
    90: cv2.ROTATE_90_COUNTERCLOCKWISE,
    -270: cv2.ROTATE_90_COUNTERCLOCKWISE,
    -90: cv2.ROTATE_90_CLOCKWISE,
    270: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    -180: cv2.ROTATE_180,
}


class VideoReader:
    """One video file opened for decoding: header facts, sequential frames, random access.

    Not thread-safe: one reader per thread. Use as a context manager, or call close().
    Opening decodes the first frame (a file of which no frame decodes is refused at once).
    """

    def __init__(self, path: Path, *, max_pixels: int = MAX_PIXELS) -> None:
        self.path = Path(path)
        self.max_pixels = max_pixels
        self._format = check_container(self.path)
        self._file: IO[bytes] | None = None
        self._container: Any = None
        self._reformatter = VideoReformatter()
        self._sizes: dict[tuple[int, int], tuple[int, int]] = {}
        self._pts_table: list[int] | None = None
        self._pending: Any = None
        try:
            self._open()
            first = next(self._frames, None)
            if first is None:
                raise not_readable(
                    self.path, "not a single frame decodes (the file may be truncated or damaged)"
                )
            self._pending = first
            self._origin = first.pts if first.pts is not None else 0
            self.rotation = (
                int(first.rotation or 0) if int(first.rotation or 0) in _ROTATIONS else 0
            )
            width, height = display_size(first.width, first.height, self.sample_aspect_ratio)
            if self.rotation in (90, -90, 270, -270):
                width, height = height, width
            self.width, self.height = width, height
            self._check_size(self.width, self.height)
        except BaseException:
            self.close()
            raise

    # -- opening -----------------------------------------------------------------------------
    def _open(self) -> None:
        self.close()
        self._file = self.path.open("rb")
        try:
            self._container = av.open(
                self._file,
                format=self._format,
                timeout=_TIMEOUT_S,
                io_open=_refuse_io_open,
            )
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise not_readable(self.path, f"it cannot be opened ({exc})") from exc
        video = [
            s
            for s in self._container.streams.video
            if not s.disposition & av.stream.Disposition.attached_pic
        ]
        if not video:
            raise not_readable(self.path, "it has no video stream")
        self._stream = video[0]
        codec = self._stream.codec_context
        self.stored_width, self.stored_height = int(codec.width or 0), int(codec.height or 0)
        if self.stored_width <= 0 or self.stored_height <= 0:
            raise not_readable(self.path, "it has no picture size")
        self.sample_aspect_ratio = _usable_sar(self._stream)
        self._check_size(self.stored_width, self.stored_height)
        self._check_size(
            *display_size(self.stored_width, self.stored_height, self.sample_aspect_ratio)
        )
        self.codec = str(codec.name)
        self.time_base = self._stream.time_base or Fraction(1, 90_000)
        rate = _fraction(self._stream.average_rate) or _fraction(self._stream.guessed_rate)
        fps = float(rate) if rate is not None else math.nan
        self.fps = fps if math.isfinite(fps) and 0 < fps <= _MAX_FPS else FALLBACK_FPS
        self.frame_count_estimate = int(self._stream.frames or 0)
        frame_bytes = self.stored_width * self.stored_height * 3 // 2
        codec.thread_type = "AUTO"
        # FFmpeg's own choice (cores + 1) unless that many pictures in flight would be too
        # big: setting it to the core count instead cost 22% on 360p H.264 here.
        cap = max(1, _DECODER_BYTES // frame_bytes)
        if cap < (os.cpu_count() or 1) + 1:
            codec.thread_count = cap
        self._frames: Iterator[Any] = self._decode(self._container.demux(self._stream))
        self._pending = None
        self._next = 0

    def _check_size(self, width: int, height: int) -> None:
        if width > MAX_SIDE or height > MAX_SIDE or width * height > self.max_pixels:
            raise not_readable(
                self.path,
                f"its frames are {width}x{height} pixels, larger than the {MAX_SIDE}x{MAX_SIDE} "
                f"and {self.max_pixels / 1e6:.0f} megapixel limit",
            )

    def _decode(self, packets: Iterable[Any]) -> Iterator[Any]:
        """Raw frames in presentation order. A packet that fails to decode is skipped (a damaged
        stretch mid-file costs its frames, not the rest); a read error ends the file there."""
        codec = self._stream.codec_context
        bad = 0
        flushed = False
        try:
            for packet in packets:
                flushed = packet.size == 0
                try:
                    frames = codec.decode(packet)
                except av.FFmpegError:
                    bad += 1
                    if bad > _MAX_BAD_PACKETS:
                        return
                    continue
                for frame in frames:
                    bad = 0
                    yield frame
                frames = frame = None  # not held while the next packet decodes
        except av.FFmpegError:
            pass  # truncated or damaged container: what decoded so far is the video
        if not flushed:
            with contextlib.suppress(av.FFmpegError):
                yield from codec.decode(None)

    # -- frames ------------------------------------------------------------------------------
    def _raw(self) -> Any:
        """The next raw frame (or None at the end), counting it."""
        frame = self._pending if self._pending is not None else next(self._frames, None)
        self._pending = None
        if frame is None:
            return None
        if (
            frame.width * frame.height > self.max_pixels
            or max(frame.width, frame.height) > MAX_SIDE
        ):
            raise not_readable(self.path, f"a frame of {frame.width}x{frame.height} pixels")
        self._next += 1
        return frame

    def time_of(self, frame: Any, index: int) -> float:
        if frame.pts is None:
            return index / self.fps
        return float((frame.pts - self._origin) * self.time_base)

    def to_bgr(self, frame: Any) -> np.ndarray:
        """A decoded frame as BGR in display geometry (square pixels, rotated upright)."""
        key = (frame.width, frame.height)
        size = self._sizes.get(key)
        if size is None:
            size = self._sizes[key] = display_size(
                frame.width, frame.height, self.sample_aspect_ratio
            )
        # Small frames convert fastest in this thread (a scaler pool costs more than it saves:
        # 360p H.264 2639 -> 3706 frames/s with one thread); from about 1 megapixel the
        # scaler's own threads pay (1080p MJPEG 264 -> 287 frames per CPU-second, and faster
        # by the clock). benchmarks/decode_speed.py.
        threads = 1 if frame.width * frame.height < _SCALER_THREADS_FROM else 0
        image = self._reformatter.reformat(
            frame, width=size[0], height=size[1], format="bgr24", threads=threads
        ).to_ndarray()
        code = _ROTATIONS.get(int(frame.rotation or 0))
        return cv2.rotate(image, code) if code is not None else image

    def frames(self, want: Callable[[int], bool] | None = None) -> Iterator[DecodedFrame]:
        """Every remaining frame, in order; the picture only where ``want(index)`` (all when
        None): a skipped frame is decoded (it must be, to reach the next) but not converted.
        (Not after ``read_near``: call ``read`` first.)"""
        while True:
            index = self._next
            frame = self._raw()
            if frame is None:
                return
            image = self.to_bgr(frame) if want is None or want(index) else None
            decoded = DecodedFrame(index, self.time_of(frame, index), image)
            del frame, image  # only the caller holds the picture while the next one decodes
            yield decoded
            del decoded

    def read(self, index: int) -> DecodedFrame | None:
        """Frame ``index`` (exactly that one, also in variable-frame-rate video), or None past
        the end. Reading forward is cheap; a jump back or far ahead seeks to the key frame
        before it by its presentation timestamp."""
        if index < 0:
            return None
        if not (self._next <= index <= self._next + _SEQUENTIAL_LIMIT):
            self._seek_to(index)
        while self._next < index:
            if self._raw() is None:
                return None
        for frame in self.frames():
            return frame
        return None

    def read_near(self, time_s: float) -> DecodedFrame | None:
        """A frame at about ``time_s`` (the key frame before it, decoded up to it): for
        thumbnails and samples, where the exact index does not matter. Its index is a guess."""
        target = self._origin + int(max(0.0, time_s) / self.time_base)
        try:
            self._container.seek(target, stream=self._stream, backward=True)
        except av.FFmpegError:
            return None
        self._stream.codec_context.flush_buffers()
        self._frames = self._decode(self._container.demux(self._stream))
        self._pending = None
        # Where the reader stands is unknown from here: the next read() seeks.
        self._next = _LOST
        for frame in self._frames:
            if frame.pts is None or frame.pts >= target:
                guess = max(0, round(self.time_of(frame, 0) * self.fps))
                return DecodedFrame(guess, self.time_of(frame, guess), self.to_bgr(frame))
        return None

    def _seek_to(self, index: int) -> None:
        """Position the reader so the next frame it decodes is ``index``."""
        table = self._presentation_times()
        if index == 0 or table is None or index >= len(table):
            self._open()  # from the start (or to the end, for an index past it)
            return
        target = table[index]
        try:
            self._container.seek(target, stream=self._stream, backward=True)
        except av.FFmpegError:
            self._open()
            return
        self._stream.codec_context.flush_buffers()
        self._frames = self._decode(self._container.demux(self._stream))
        self._pending = None
        for frame in self._frames:
            pos = bisect.bisect_left(table, frame.pts) if frame.pts is not None else -1
            if pos < 0 or pos >= len(table) or table[pos] != frame.pts:
                break  # timestamps do not match the packets': decode from the start instead
            if pos >= index:
                self._pending, self._next = frame, pos
                return
        self._open()

    def _presentation_times(self) -> list[int] | None:
        """Every frame's pts in order, from the packets (demuxing only: no decoding); None if
        the packets carry no timestamps to seek by."""
        if self._pts_table is None:
            times: list[int] = []
            with self.path.open("rb") as f:
                try:
                    with av.open(
                        f, "r", format=self._format, timeout=_TIMEOUT_S, io_open=_refuse_io_open
                    ) as container:
                        for packet in container.demux(container.streams[self._stream.index]):
                            if packet.size and packet.pts is not None:
                                times.append(int(packet.pts))
                except av.FFmpegError:
                    pass
            times.sort()
            self._pts_table = times
        return self._pts_table or None

    def close(self) -> None:
        if self._container is not None:
            with contextlib.suppress(Exception):
                self._container.close()
            self._container = None
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_video(path: Path, *, max_pixels: int = MAX_PIXELS) -> VideoReader:
    """Open `path` for decoding (InvalidInput when it is no readable video). Close it after."""
    return VideoReader(Path(path), max_pixels=max_pixels)


def iter_frames(
    path: Path,
    *,
    want: Callable[[int], bool] | None = None,
    max_pixels: int = MAX_PIXELS,
) -> Iterator[DecodedFrame]:
    """Every frame of `path` that decodes, with its presentation time; pictures where
    ``want(index)`` (all when None, none with ``want=lambda i: False``). The file is closed
    when the iterator is exhausted or closed."""
    with open_video(path, max_pixels=max_pixels) as reader:
        yield from reader.frames(want)


def count_decodable_frames(
    path: Path,
    cancel: Any = None,
    *,
    max_pixels: int = MAX_PIXELS,
    on_frame: Callable[[int], None] | None = None,
) -> int:
    """How many frames of `path` decode: the number VideoLab charges and jobs number by.

    ``cancel`` (a threading.Event) is checked every 32 frames and raises Cancelled;
    ``on_frame(count)`` is called at the same points (for progress or a deadline: raise in it
    to stop).
    """
    from videolab.domain.errors import Cancelled

    count = 0
    for frame in iter_frames(path, want=_nothing, max_pixels=max_pixels):
        count = frame.index + 1
        if count % 32 == 0:
            if cancel is not None and cancel.is_set():
                raise Cancelled(f"Reading {describe(Path(path))} was cancelled.")
            if on_frame is not None:
                on_frame(count)
    return count


def _nothing(index: int) -> bool:
    return False


def read_frames(path: Path, wanted: Iterable[int]) -> list[np.ndarray]:
    """The pictures of frames ``wanted`` (any order; returned in ascending order), read with
    one reader: sequential stretches decoded through, far jumps sought. Frames past the end
    are left out."""
    images: list[np.ndarray] = []
    with open_video(path) as reader:
        for index in sorted(set(wanted)):
            frame = reader.read(index)
            if frame is None:
                break
            assert frame.image is not None
            images.append(frame.image)
    return images
