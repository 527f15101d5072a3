"""probe_video counts frames that decode, and refuses what is not a readable video, quickly."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from videolab.domain.errors import Cancelled, InvalidInput
from videolab.inference.probe import make_thumbnail, probe_video
from videolab.inference.synthetic import SyntheticVideo

ClipFactory = Callable[..., SyntheticVideo]  # the root conftest's make_clip
REFUSAL_SECONDS = 2.0  # a hostile file is refused in well under this, even on a loaded machine


def decoded_frames(path: Path) -> int:
    cap = cv2.VideoCapture(str(path))
    count = 0
    while cap.grab():
        count += 1
    cap.release()
    return count


def write_avi(path: Path, frames: int, size: tuple[int, int] = (320, 180)) -> Path:
    """An MJPG AVI of noise: its header states the frame count, its index sits at the end."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 24.0, size)
    rng = np.random.default_rng(0)
    for _ in range(frames):
        writer.write(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))
    writer.release()
    return path


def assert_refused(path: Path, match: str = "is not a video VideoLab can read") -> None:
    started = time.monotonic()
    with pytest.raises(InvalidInput, match=match):
        probe_video(path)
    assert time.monotonic() - started < REFUSAL_SECONDS


def test_generated_video_reports_decoded_frames_rate_and_size(make_clip: ClipFactory) -> None:
    clip = make_clip(seed=4, frames=30, size=(320, 180))
    info = probe_video(clip.path)
    assert info.frame_count == clip.frame_count == decoded_frames(clip.path)
    assert (info.width, info.height) == (320, 180)
    assert info.fps == pytest.approx(24.0)
    assert info.duration_s == pytest.approx(30 / 24.0)


def test_truncated_avi_counts_only_frames_that_decode(tmp_path: Path) -> None:
    whole = write_avi(tmp_path / "whole.avi", 40)
    data = whole.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    cap = cv2.VideoCapture(str(cut))
    claimed = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    info = probe_video(cut)
    assert claimed == 40, "the header still claims every frame"
    assert 0 < info.frame_count < claimed
    assert info.frame_count == decoded_frames(cut)


def test_truncated_mp4_without_its_index_is_refused(make_clip: ClipFactory, tmp_path: Path) -> None:
    data = make_clip(seed=4, frames=30, size=(320, 180)).path.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # OpenCV writes the moov index last
    assert_refused(cut)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.mp4", b""),
        ("random.mp4", np.random.default_rng(1).bytes(200_000)),
        ("text.mp4", b"#EXTM3U\n#EXT-X-TARGETDURATION:10\nhttp://example.com/a.ts\n"),
        ("corrupt.mp4", b"\x00\x00\x00\x18ftypisom" + np.random.default_rng(2).bytes(50_000)),
        ("corrupt.avi", b"RIFF\x00\x10\x00\x00AVI LIST" + np.random.default_rng(3).bytes(50_000)),
    ],
)
def test_files_that_are_not_videos_are_refused_quickly(
    tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert_refused(path)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    assert_refused(tmp_path / "nowhere.mp4", match="does not exist")


def test_absurd_resolution_is_refused_before_decoding(tmp_path: Path) -> None:
    path = write_avi(tmp_path / "wide.avi", 1, size=(9000, 16))
    assert_refused(path, match="9000x16 pixels")


def test_pixel_limit_is_configurable(make_clip: ClipFactory) -> None:
    clip = make_clip(seed=4, frames=30, size=(320, 180))
    with pytest.raises(InvalidInput, match="larger than"):
        probe_video(clip.path, max_pixels=320 * 180 - 1)


def test_cancel_stops_probing(tmp_path: Path) -> None:
    path = write_avi(tmp_path / "long.avi", 80)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        probe_video(path, cancel=cancel)


def test_thumbnail_is_a_small_jpeg(make_clip: ClipFactory) -> None:
    clip = make_clip(seed=4, frames=30, size=(320, 180))
    jpeg = make_thumbnail(clip.path, max_side=160)
    assert jpeg[:2] == b"\xff\xd8"
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (90, 160, 3)


def test_thumbnail_of_a_non_video_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.mp4"
    path.write_bytes(b"not a video at all")
    with pytest.raises(InvalidInput):
        make_thumbnail(path)


def test_a_file_name_that_is_not_utf8_opens_instead_of_crashing(tmp_path: Path) -> None:
    """OpenCV segfaults on such a name (legal on Linux); every reader goes through
    open_capture, which opens it through a link. Run in a child, so a regression shows as a
    failed test rather than a dead test run."""
    clip = write_avi(tmp_path / "plain.avi", frames=6)
    odd = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"clip-\xff\xfe-caf\xe9.avi")))
    os.rename(clip, odd)
    script = (
        "import sys; from pathlib import Path;"
        "from videolab.inference.probe import make_thumbnail, probe_video;"
        "from videolab.inference.quantize import sample_frames;"
        "p = Path(sys.argv[1]); info = probe_video(p);"
        "print(info.frame_count, len(sample_frames(p, info.frame_count, 3)),"
        " make_thumbnail(p)[:2] == b'\\xff\\xd8')"
    )
    temp = tmp_path / "temp"
    temp.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", script, odd],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TMPDIR": str(temp)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["6", "3", "True"]
    assert list(temp.iterdir()) == []  # each link went with the capture that opened it
