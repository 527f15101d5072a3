"""What a job holds grows with bytes, not frames: byte-bounded queues, bounded stored frames."""

from __future__ import annotations

import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from tests.inference.av_clips import write_clip
from tests.inference.test_frame_truth import RecordingDetector, _Quiet
from videolab.domain.params import DetectionParams
from videolab.inference import pipeline
from videolab.inference.byte_queue import ByteQueue
from videolab.inference.models import resolve_model
from videolab.inference.pipeline import run_detection
from videolab.settings import annotated_max_side


@pytest.fixture(autouse=True)
def _no_carbon(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "CarbonMeter", _Quiet)


def _textured(width: int, height: int, count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    base = cv2.resize(rng.integers(0, 255, (9, 16, 3), dtype=np.uint8), (width, height))
    return [np.roll(base, 7 * i, axis=1) for i in range(count)]


# -- 12: queues bounded by bytes ---------------------------------------------------------------
def test_byte_queue_admits_by_bytes_and_always_one_item() -> None:
    q = ByteQueue(max_bytes=100, max_items=8)
    assert q.put("huge", 500, timeout=0)  # bigger than the budget, into an empty queue
    assert not q.put("small", 1, timeout=0)  # nothing more while it is there
    assert q.get(timeout=0) == (True, "huge")
    assert q.put("a", 60, timeout=0) and q.put("b", 40, timeout=0)
    assert not q.put("c", 1, timeout=0)
    assert q.held_bytes == 100 and q.peak_bytes == 500
    q.put_nowait_unbounded("end")
    assert [q.get(timeout=0)[1] for _ in range(3)] == ["a", "b", "end"]
    assert q.get(timeout=0) == (False, None)


def test_byte_queue_counts_items_too() -> None:
    q = ByteQueue(max_bytes=10**9, max_items=2)
    assert q.put(1, 1, timeout=0) and q.put(2, 1, timeout=0)
    assert not q.put(3, 1, timeout=0)


def test_byte_queue_wakes_a_waiting_producer() -> None:
    q = ByteQueue(max_bytes=10, max_items=4)
    q.put("first", 10)
    done = threading.Event()

    def producer() -> None:
        q.put("second", 10)
        done.set()

    thread = threading.Thread(target=producer)
    thread.start()
    assert q.get() == (True, "first")
    thread.join(timeout=10)
    assert done.is_set() and q.get(timeout=0) == (True, "second")


class SlowDetector(RecordingDetector):
    """Slower than decoding, so the decoder runs ahead as far as the queues let it; records
    how many frames were decoded but not yet written at each call."""

    def __init__(self, decoded: list[int], written: list[int]) -> None:
        super().__init__()
        self.decoded, self.written, self.in_flight = decoded, written, [0]

    def detect(self, frames: list[np.ndarray], options: Any) -> list[Any]:
        time.sleep(0.01)
        self.in_flight.append(self.decoded[0] - self.written[0])
        return super().detect(frames, options)


def test_a_job_holds_frames_by_bytes_not_by_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1280x720 frames (2.8 MB) with 6 MB per queue: at most two per queue, so at most about
    seven frames alive (two per queue, one in each stage), where 16-frame queues held 30+."""
    clip = write_clip(
        tmp_path / "hd.mp4", _textured(1280, 720, 40), options={"preset": "ultrafast"}
    )
    decoded, written = [0], [0]
    real_open = pipeline.open_video

    def counting_open(path: Path) -> Any:
        reader = real_open(path)
        frames = reader.frames

        def counted(want: Any = None) -> Any:
            for frame in frames(want):
                if frame.image is not None:
                    decoded[0] += 1
                yield frame

        reader.frames = counted  # type: ignore[method-assign]
        return reader

    monkeypatch.setattr(pipeline, "open_video", counting_open)
    detector = SlowDetector(decoded, written)
    outcome = run_detection(
        clip,
        DetectionParams(device="cpu", backend="torch"),
        model=resolve_model("demo"),
        out_zip=tmp_path / "r.zip",
        detector=detector,
        queue_bytes=6 * 1024 * 1024,
        on_frame=lambda _result: written.__setitem__(0, written[0] + 1),
    )
    assert outcome.processed_frames == 40
    assert max(detector.in_flight) <= 7


# -- 13: stored annotated frames at a bounded size ---------------------------------------------
def _zip_frames(path: Path) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(path) as archive:
        return {
            name: cv2.imdecode(np.frombuffer(archive.read(name), np.uint8), cv2.IMREAD_COLOR)
            for name in archive.namelist()
        }


def test_annotated_frames_are_stored_at_1280_px_with_boxes_in_video_pixels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIDEOLAB_ANNOTATED_MAX_SIDE", raising=False)
    frames = _textured(1920, 1080, 3)
    clip = write_clip(tmp_path / "fhd.mp4", frames)
    box = (960.0, 450.0, 1350.0, 900.0)
    outcome = run_detection(
        clip,
        DetectionParams(device="cpu", backend="torch"),
        model=resolve_model("demo"),
        out_zip=tmp_path / "r.zip",
        detector=RecordingDetector(box),
    )
    result = outcome.result_json
    assert result["frames"][0]["detections"][0]["box_xyxy"] == list(box)
    assert (result["video"]["width"], result["video"]["height"]) == (1920, 1080)
    assert result["annotated_max_side"] == 1280
    stored = _zip_frames(tmp_path / "r.zip")
    assert sorted(stored) == [f"frame_{i:06d}.jpg" for i in range(3)]
    image = stored["frame_000000.jpg"]
    assert image.shape == (720, 1280, 3)
    # The box is drawn where it is in the scaled picture (x 640..900, y 300..600), not at
    # its full-size coordinates.
    plain = cv2.resize(frames[0], (1280, 720), interpolation=cv2.INTER_AREA)
    changed = np.abs(image.astype(int) - plain).max(axis=2) > 60
    xs = np.flatnonzero(changed[450])
    assert xs.min() == pytest.approx(640, abs=4) and xs.max() == pytest.approx(900, abs=4)


def test_the_setting_can_keep_full_size_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDEOLAB_ANNOTATED_MAX_SIDE", "0")
    assert annotated_max_side() is None
    clip = write_clip(tmp_path / "fhd.mp4", _textured(1920, 1080, 1))
    run_detection(
        clip,
        DetectionParams(device="cpu", backend="torch"),
        model=resolve_model("demo"),
        out_zip=tmp_path / "r.zip",
        detector=RecordingDetector(),
    )
    assert _zip_frames(tmp_path / "r.zip")["frame_000000.jpg"].shape == (1080, 1920, 3)


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIDEOLAB_ANNOTATED_MAX_SIDE", raising=False)
    assert annotated_max_side() == 1280
    monkeypatch.setenv("VIDEOLAB_ANNOTATED_MAX_SIDE", "640")
    assert annotated_max_side() == 640
    monkeypatch.setenv("VIDEOLAB_ANNOTATED_MAX_SIDE", "lots")
    assert annotated_max_side() == 1280


def test_small_videos_are_stored_as_they_are(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "small.mp4", _textured(640, 360, 1))
    run_detection(
        clip,
        DetectionParams(device="cpu", backend="torch"),
        model=resolve_model("demo"),
        out_zip=tmp_path / "r.zip",
        detector=RecordingDetector(),
    )
    assert _zip_frames(tmp_path / "r.zip")["frame_000000.jpg"].shape == (360, 640, 3)
