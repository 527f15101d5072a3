"""Big files upload and export in constant memory, and come back byte-identical.

The file is a real video (raw I420 frames in AVI, 1920x1080, about 3 MB a frame), so the upload
probes and decodes it like any other; raw frames make a 2 GB file quick to write and to decode.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np
import psutil
import pytest

from videolab.services.app import VideoLab

MB = 1024 * 1024
MEMORY_LIMIT = 100 * MB
WIDTH, HEIGHT = 1920, 1080

T = TypeVar("T")


def write_raw_video(path: Path, min_bytes: int) -> int:
    """Write an AVI of raw frames at least ``min_bytes`` long; return the frame count."""
    writer = cv2.VideoWriter(
        str(path), cv2.CAP_FFMPEG, cv2.VideoWriter.fourcc(*"I420"), 24.0, (WIDTH, HEIGHT)
    )
    assert writer.isOpened(), "OpenCV cannot write raw AVI here"
    rng = np.random.default_rng(2024)
    pool = [rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8) for _ in range(3)]
    frame_bytes = WIDTH * HEIGHT * 3 // 2
    frames = -(-min_bytes // frame_bytes) + 1
    try:
        for i in range(frames):
            frame = pool[i % len(pool)]
            # A per-frame stamp, so no two frames (and no two chunks) are alike.
            frame[:8, :64] = (i * 37) % 256
            frame[8:16, :64] = (i // 7) % 256
            writer.write(frame)
    finally:
        writer.release()
    assert path.stat().st_size >= min_bytes
    return frames


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(MB), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def peak_rss_growth() -> Iterator[Callable[[], int]]:
    """Sample this process's RSS every few milliseconds; yields a getter of peak - start."""
    proc = psutil.Process()
    start = proc.memory_info().rss
    peak = start
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, proc.memory_info().rss)
            done.wait(0.005)

    sampler = threading.Thread(target=sample, name="rss-sampler", daemon=True)
    sampler.start()
    try:
        yield lambda: peak - start
    finally:
        done.set()
        sampler.join()
        peak = max(peak, proc.memory_info().rss)


def measured(fn: Callable[[], T]) -> tuple[T, int, float]:
    started = time.monotonic()
    with peak_rss_growth() as growth:
        value = fn()
    return value, growth(), time.monotonic() - started


@pytest.mark.parametrize(
    "size",
    [
        pytest.param(200 * MB, id="200MB"),
        pytest.param(2 * 1024 * MB, id="2GB", marks=pytest.mark.slow),
    ],
)
def test_big_upload_runs_in_constant_memory_and_exports_byte_identical(
    app: VideoLab, app_db: Path, demo, tmp_path: Path, size: int, audit_balance
) -> None:
    source = tmp_path / "big.avi"
    exported = tmp_path / "exported.avi"
    try:
        frames = write_raw_video(source, size)
        expected_sha = sha256_of(source)
        alice = demo.alice
        dataset = app.datasets.create(alice, "big files")
        before = app.credits.balance(alice)

        video, upload_growth, upload_s = measured(
            lambda: app.videos.upload(alice, dataset.id, source)
        )
        _, export_growth, export_s = measured(lambda: app.videos.export(alice, video.id, exported))

        print(
            f"\n{source.stat().st_size / MB:.0f} MiB, {frames} frames: upload {upload_s:.1f} s "
            f"(+{upload_growth / MB:.1f} MiB RSS), export {export_s:.1f} s "
            f"(+{export_growth / MB:.1f} MiB RSS)"
        )
        assert video.size_bytes == source.stat().st_size
        assert video.frame_count == frames
        assert video.cost_milli == frames
        assert audit_balance(app, alice) == (before - frames, before - frames)
        assert upload_growth < MEMORY_LIMIT, f"upload grew RSS by {upload_growth / MB:.0f} MiB"
        assert export_growth < MEMORY_LIMIT, f"export grew RSS by {export_growth / MB:.0f} MiB"
        assert video.sha256 == expected_sha
        assert exported.stat().st_size == source.stat().st_size
        assert sha256_of(exported) == expected_sha
    finally:
        # Never leave gigabytes behind in pytest's kept temp folders (the database included).
        app.close()
        for leftover in (source, exported, *app_db.parent.glob(app_db.name + "*")):
            leftover.unlink(missing_ok=True)
