"""A job stores its annotated frames at a bounded size; the full-size export renders them again
from the video with the stored boxes."""

from __future__ import annotations

import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.inference.av_clips import write_clip
from tests.jobs.conftest import JobWorld
from videolab.domain.enums import JobStatus
from videolab.domain.params import DetectionParams
from videolab.inference.synthetic import generate_video


def _sizes(path: Path) -> dict[str, tuple[int, int]]:
    with zipfile.ZipFile(path) as archive:
        return {
            name: cv2.imdecode(np.frombuffer(archive.read(name), np.uint8), 1).shape[:2]
            for name in archive.namelist()
        }


def test_stored_frames_are_bounded_and_zip_full_renders_full_size(
    world: JobWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIDEOLAB_ANNOTATED_MAX_SIDE", raising=False)
    small = generate_video(tmp_path / "shapes.mp4", seed=5, frames=4)
    cap = cv2.VideoCapture(str(small.path))
    frames = []
    for _ in range(4):
        ok, frame = cap.read()
        assert ok
        frames.append(cv2.resize(frame, (1920, 1080), interpolation=cv2.INTER_CUBIC))
    cap.release()
    clip = write_clip(tmp_path / "big.mp4", frames)
    dataset = world.app.datasets.create(world.alice, "big")
    video = world.app.videos.upload(world.alice, dataset.id, clip)
    job = world.app.jobs.create(
        world.alice, video.id, DetectionParams(stride=2, device="cpu", backend="torch")
    )
    done = world.app.jobs.run(world.alice, job.id)
    assert done.status is JobStatus.COMPLETED, done.error

    stored = world.app.jobs.export_result(world.alice, job.id, "zip", tmp_path / "stored.zip")
    assert _sizes(stored) == {"frame_000000.jpg": (720, 1280), "frame_000002.jpg": (720, 1280)}
    full = world.app.jobs.export_result(world.alice, job.id, "zip-full", tmp_path / "full.zip")
    assert _sizes(full) == {"frame_000000.jpg": (1080, 1920), "frame_000002.jpg": (1080, 1920)}

    result = world.app.jobs.result(world.alice, job.id)
    assert (result["video"]["width"], result["video"]["height"]) == (1920, 1080)
    assert result["annotated_max_side"] == 1280
