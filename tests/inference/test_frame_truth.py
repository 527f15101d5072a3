"""Frames are what the viewer saw: presentation times (VFR), square pixels (anamorphic), AV1,
upright (rotation), exact random access, one count for every reader."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np
import pytest

from tests.inference.av_clips import has_encoder, number, numbered_frames, write_clip
from videolab.domain.errors import Cancelled
from videolab.domain.params import DetectionParams
from videolab.inference import pipeline, video_io
from videolab.inference.detections import Detection
from videolab.inference.exports import to_coco, to_csv_rows
from videolab.inference.models import resolve_model
from videolab.inference.pipeline import run_detection
from videolab.inference.probe import make_thumbnail, probe_video
from videolab.inference.synthetic import generate_video

# A phone-style clip: bursts at 25 fps with pauses, average ~9 fps.
VFR_PTS_MS = [0, 40, 80, 300, 340, 900, 940, 980, 1500, 1540, 1580, 2400]


class _Quiet:
    """CodeCarbon's start-up is not what these tests are about."""

    report = None

    def __init__(self, settings: Any) -> None:
        pass

    def __enter__(self) -> _Quiet:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.fixture(autouse=True)
def _no_carbon(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "CarbonMeter", _Quiet)


class RecordingDetector:
    """Finds one box per frame, fixed in display pixels, and keeps the frames it was given."""

    device = "cpu"
    backend = "fake"
    names: ClassVar[dict[int, str]] = {0: "square"}
    batch_size = 1

    def __init__(self, box: tuple[float, float, float, float] = (10.0, 20.0, 30.0, 40.0)) -> None:
        self.box = box
        self.shapes: list[tuple[int, ...]] = []

    def check_classes(self, classes: Any) -> None:
        pass

    def detect(self, frames: list[np.ndarray], options: Any) -> list[list[Detection]]:
        self.shapes.extend(f.shape for f in frames)
        return [[Detection(0, "square", 0.9, self.box)] for _ in frames]


def _run(clip: Path, tmp_path: Path, detector: Any = None, **params: Any) -> dict[str, Any]:
    outcome = run_detection(
        clip,
        DetectionParams(device="cpu", backend="torch", **params),
        model=resolve_model("demo"),
        out_zip=tmp_path / "result.zip",
        cancel=threading.Event(),
        detector=detector or RecordingDetector(),
    )
    return outcome.result_json


# -- 6: variable frame rate ----------------------------------------------------------------------
def test_vfr_times_are_presentation_timestamps_in_json_csv_and_coco(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "vfr.mp4", numbered_frames(len(VFR_PTS_MS)), pts_ms=VFR_PTS_MS)
    assert probe_video(clip).frame_count == len(VFR_PTS_MS)
    result = _run(clip, tmp_path)
    expected = [ms / 1000 for ms in VFR_PTS_MS]
    assert [f["time_s"] for f in result["frames"]] == pytest.approx(expected, abs=1e-3)
    assert [row[1] for row in to_csv_rows(result)] == pytest.approx(expected, abs=1e-3)
    assert [im["time_s"] for im in to_coco(result)["images"]] == pytest.approx(expected, abs=1e-3)


def test_vfr_times_hold_with_a_range_and_stride(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "vfr.mp4", numbered_frames(len(VFR_PTS_MS)), pts_ms=VFR_PTS_MS)
    result = _run(clip, tmp_path, start=3, end=11, stride=2)
    assert [f["index"] for f in result["frames"]] == [3, 5, 7, 9]
    assert [f["time_s"] for f in result["frames"]] == pytest.approx([0.3, 0.9, 0.98, 1.54])


# -- 7: anamorphic video ---------------------------------------------------------------------------
def test_anamorphic_video_is_read_in_square_pixels(tmp_path: Path) -> None:
    """480x360 stored with 4:3 pixels is a 640x360 picture: the probe, the frames the model
    gets, the thumbnail and the result all say so."""
    squashed = [np.full((360, 480, 3), 90, np.uint8) for _ in range(4)]
    clip = write_clip(tmp_path / "ana.mp4", squashed, sar=Fraction(4, 3))
    info = probe_video(clip)
    assert (info.width, info.height) == (640, 360)
    detector = RecordingDetector()
    result = _run(clip, tmp_path, detector=detector)
    assert detector.shapes == [(360, 640, 3)] * 4
    video = result["video"]
    assert (video["width"], video["height"]) == (640, 360)
    assert (video["stored_width"], video["stored_height"]) == (480, 360)
    assert video["sample_aspect_ratio"] == "4/3"
    thumb = cv2.imdecode(np.frombuffer(make_thumbnail(clip, max_side=160), np.uint8), 1)
    assert thumb.shape[:2] == (90, 160)


def test_the_demo_model_finds_shapes_of_anamorphic_video_where_they_are_seen(
    tmp_path: Path,
) -> None:
    """Shapes drawn in display geometry and stored squashed: the model sees them round again and
    its boxes land on the drawn shapes in display pixels (squashed, it found them elsewhere)."""
    truth = generate_video(tmp_path / "wide.mp4", seed=3, frames=6, min_shapes=2, max_shapes=3)
    frames = _opencv_frames(truth.path)
    squashed = [cv2.resize(f, (480, 360), interpolation=cv2.INTER_AREA) for f in frames]
    clip = write_clip(tmp_path / "ana.mp4", squashed, sar=Fraction(4, 3), options={"crf": "12"})
    outcome = run_detection(
        clip,
        DetectionParams(device="cpu", backend="torch"),
        model=resolve_model("demo"),
        out_zip=tmp_path / "result.zip",
        cancel=threading.Event(),
    )
    for frame, boxes in zip(outcome.result_json["frames"], truth.boxes, strict=True):
        found = frame["detections"]
        for gt in boxes:
            same_class = [d["box_xyxy"] for d in found if d["class_id"] == gt.class_id]
            assert max((_iou(gt.box_xyxy, box) for box in same_class), default=0.0) > 0.7


def _opencv_frames(path: Path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


def _iou(a: Any, b: Any) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


# -- 8: AV1 ----------------------------------------------------------------------------------------
@pytest.fixture
def av1_clip(tmp_path: Path) -> Path:
    if not has_encoder("libsvtav1"):
        pytest.skip("this PyAV build has no AV1 encoder to make the clip with")
    return write_clip(tmp_path / "clip.mp4", numbered_frames(20, (128, 96)), codec="libsvtav1")


def test_av1_is_probed_and_detected_like_any_video(av1_clip: Path, tmp_path: Path) -> None:
    info = probe_video(av1_clip)
    assert (info.frame_count, info.width, info.height) == (20, 128, 96)
    result = _run(av1_clip, tmp_path, stride=5)
    assert [f["index"] for f in result["frames"]] == [0, 5, 10, 15]
    assert result["video"]["codec"] == "libdav1d"
    with video_io.open_video(av1_clip) as reader:
        frame = reader.read(13)
        assert frame is not None and frame.image is not None
        assert number(frame.image) == 13


# -- rotation (was handled by OpenCV; must stay handled) -------------------------------------------
def test_rotated_video_is_upright_like_opencv_shows_it(tmp_path: Path) -> None:
    image = np.zeros((48, 64, 3), np.uint8)
    image[:8] = (255, 0, 0)  # a blue top edge
    image[:, :8] = (0, 0, 255)  # a red left edge
    for degrees in (90, -90, 180):
        clip = write_clip(tmp_path / f"rot{degrees}.mp4", [image] * 3, rotation=degrees)
        cap = cv2.VideoCapture(str(clip), cv2.CAP_FFMPEG)
        ok, expected = cap.read()
        cap.release()
        assert ok
        with video_io.open_video(clip) as reader:
            got = reader.read(0)
            assert got is not None and got.image is not None
            assert (reader.width, reader.height) == (expected.shape[1], expected.shape[0])
        assert np.abs(got.image.astype(int) - expected).mean() < 2


# -- random access and counting ------------------------------------------------------------------
def test_random_access_returns_exactly_the_frame_asked_for_in_vfr_video(tmp_path: Path) -> None:
    """Jumps back and far ahead seek by timestamp: the frame's own number, never a neighbour,
    also where the frame rate varies (seeking by index / fps would land elsewhere)."""
    count = 700
    pts = [i * 40 + (i // 100) * 1000 for i in range(count)]  # a 1 s gap every 100 frames
    clip = write_clip(
        tmp_path / "long.mp4", numbered_frames(count), pts_ms=pts, options={"g": "50"}
    )
    with video_io.open_video(clip) as reader:
        for index in (650, 3, 699, 420, 421, 0, 300):
            frame = reader.read(index)
            assert frame is not None and frame.image is not None
            assert (frame.index, number(frame.image)) == (index, index)
            assert frame.time_s == pytest.approx(pts[index] / 1000, abs=1e-3)
        assert reader.read(count) is None
        near = reader.read_near(10.0)  # a seek by time (thumbnails): frame 200 is at 10 s
        assert near is not None and near.image is not None
        assert number(near.image) == 200
        for index in (5, 0, 6):  # exact reads again after it
            frame = reader.read(index)
            assert frame is not None and frame.image is not None
            assert (frame.index, number(frame.image)) == (index, index)


def test_count_decodable_frames_counts_what_jobs_decode_and_can_be_cancelled(
    tmp_path: Path,
) -> None:
    clip = write_clip(tmp_path / "c.mp4", numbered_frames(70))
    assert video_io.count_decodable_frames(clip) == 70 == probe_video(clip).frame_count
    seen: list[int] = []
    assert video_io.count_decodable_frames(clip, on_frame=seen.append) == 70
    assert seen == [32, 64]
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        video_io.count_decodable_frames(clip, cancel)


def test_iter_frames_gives_pictures_only_where_wanted(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "c.mp4", numbered_frames(10))
    frames: Iterator[video_io.DecodedFrame] = video_io.iter_frames(clip, want={2, 7}.__contains__)
    got = [(f.index, None if f.image is None else number(f.image)) for f in frames]
    assert got == [(i, i if i in (2, 7) else None) for i in range(10)]
