"""Opening video files with OpenCV defensively: the one way VideoLab reads a video.

Uploaded files are untrusted. Before FFmpeg sees a file we check that it starts like a video
container (so playlists and other text formats that make FFmpeg open URLs or other files never
reach it, and random bytes fail in microseconds), we force the FFmpeg backend (OpenCV would
otherwise treat a name containing %d as an image sequence), we give FFmpeg open/read
timeouts, and we refuse absurd frame sizes before decoding a single frame.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import cv2

from videolab.domain.errors import InvalidInput

MAX_SIDE = 8192
MAX_PIXELS = 40_000_000
_TIMEOUT_MS = 10_000

# ISO-BMFF / QuickTime top-level atoms that may open an .mp4/.mov/.m4v/.3gp file.
_MP4_ATOMS = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid"}
_ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")


def looks_like_video(head: bytes) -> bool:
    """True when `head` (the first bytes of a file) starts like a video container we accept."""
    if len(head) >= 8 and head[4:8] in _MP4_ATOMS:
        return True
    if head[:4] == b"RIFF" and head[8:12] in {b"AVI ", b"AVIX"}:
        return True
    if head[:4] == b"\x1a\x45\xdf\xa3":  # Matroska / WebM (EBML)
        return True
    if head[:4] in {b"OggS"} or head[:3] == b"FLV" or head[:16] == _ASF_GUID:
        return True
    if head[:4] in {b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"}:  # MPEG program stream / video
        return True
    # MPEG transport stream: a sync byte every 188 bytes.
    return len(head) >= 377 and head[0] == head[188] == head[376] == 0x47


def describe(path: Path) -> str:
    """The file's name for a message, even when its bytes are not UTF-8 (legal on Linux)."""
    return f"'{os.fsencode(path.name).decode('utf-8', errors='replace')}'"


def not_readable(path: Path, reason: str) -> InvalidInput:
    return InvalidInput(f"{describe(path)} is not a video VideoLab can read: {reason}.")


def check_container(path: Path) -> None:
    """Raise InvalidInput unless `path` is a non-empty file that starts like a video."""
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
    if not looks_like_video(head):
        raise not_readable(path, "it is not in a known video format (MP4, MOV, AVI, MKV, WebM...)")


def open_capture(path: Path, *, max_pixels: int = MAX_PIXELS) -> tuple[cv2.VideoCapture, int, int]:
    """Open `path` for decoding; return the capture and its frame width and height.

    The caller owns the capture and must release() it.
    """
    check_container(path)
    params = [
        cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
        _TIMEOUT_MS,
        cv2.CAP_PROP_READ_TIMEOUT_MSEC,
        _TIMEOUT_MS,
    ]
    cap = _open_ffmpeg(path, params)
    if not cap.isOpened():
        cap.release()
        raise not_readable(path, "no video stream could be decoded")
    width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
    height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    if width <= 0 or height <= 0:
        cap.release()
        raise not_readable(path, "it has no picture size")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > max_pixels:
        cap.release()
        raise not_readable(
            path,
            f"its frames are {width}x{height} pixels, larger than the {MAX_SIDE}x{MAX_SIDE} "
            f"and {max_pixels / 1e6:.0f} megapixel limit",
        )
    return cap, width, height


def _open_ffmpeg(path: Path, params: list[int]) -> cv2.VideoCapture:
    """OpenCV passes the name to FFmpeg as UTF-8 and crashes the process (a segmentation
    fault) on a name whose bytes are not UTF-8. Such a file is opened through a link with a
    readable name in a private temporary folder, removed again once FFmpeg has the file open
    (it reads through the open file from then on)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        return cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, params)
    with tempfile.TemporaryDirectory(prefix="videolab-open-") as folder:
        suffix = "".join(c for c in path.suffix[:8] if c.isascii() and (c.isalnum() or c == "."))
        alias = Path(folder) / f"video{suffix}"
        try:
            os.symlink(os.path.abspath(path), alias)
        except OSError as exc:
            raise not_readable(path, "its name cannot be passed on; rename the file") from exc
        return cv2.VideoCapture(str(alias), cv2.CAP_FFMPEG, params)
