"""INT8 calibration and its check see frames from the whole video, however long it is."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from videolab.inference import quantize

FRAMES = 1200
SIZE = (64, 48)


def _write_numbered(path: Path, fourcc: str, frames: int = FRAMES) -> Path:
    """A clip whose frame i shows i in its colour: one base-16 digit per channel."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), 25, SIZE)
    for i in range(frames):
        frame = np.empty((SIZE[1], SIZE[0], 3), np.uint8)
        for channel, digit in enumerate((i % 16, i // 16 % 16, i // 256)):
            frame[..., channel] = digit * 16 + 8
        writer.write(frame)
    writer.release()
    return path


def _number(frame: np.ndarray) -> int:
    digits = [round((float(frame[..., c].mean()) - 8) / 16) for c in range(3)]
    return digits[0] + 16 * digits[1] + 256 * digits[2]


def _spread(frames: int, count: int) -> list[int]:
    return [int(i) for i in np.linspace(0, frames - 1, num=count)]


@pytest.mark.parametrize(("fourcc", "suffix"), [("MJPG", "avi"), ("mp4v", "mp4")])
def test_a_long_video_is_sampled_from_start_to_end_by_seeking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fourcc: str, suffix: str
) -> None:
    """Longer than the sequential span (shrunk here so the clip stays small): the samples
    still reach the last frame, exactly where asked (mp4v seeks through key frames)."""
    clip = _write_numbered(tmp_path / f"long.{suffix}", fourcc)
    monkeypatch.setattr(quantize, "SEQUENTIAL_SPAN", 300)
    frames = quantize.sample_frames(clip, FRAMES, count=12)
    assert [_number(f) for f in frames] == _spread(FRAMES, 12)


def test_a_short_video_is_read_in_order_with_the_same_spread(tmp_path: Path) -> None:
    clip = _write_numbered(tmp_path / "short.avi", "MJPG")
    frames = quantize.sample_frames(clip, FRAMES, count=12)
    assert [_number(f) for f in frames] == _spread(FRAMES, 12)


def test_a_video_that_cannot_seek_falls_back_to_its_first_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = _write_numbered(tmp_path / "long.avi", "MJPG")
    monkeypatch.setattr(quantize, "SEQUENTIAL_SPAN", 300)
    monkeypatch.setattr(quantize, "_read_by_seeking", lambda _video, _wanted: [])
    frames = quantize.sample_frames(clip, FRAMES, count=12)
    assert [_number(f) for f in frames] == _spread(300, 12)


def test_a_frame_count_above_the_real_one_returns_the_frames_there_are(tmp_path: Path) -> None:
    """The stored count came from the upload's probe; a file that decodes fewer frames now
    still gives samples rather than an error."""
    clip = _write_numbered(tmp_path / "short.avi", "MJPG", frames=100)
    frames = quantize.sample_frames(clip, 5000, count=12)
    assert 0 < len(frames) < 12
    assert all(_number(f) < 100 for f in frames)
