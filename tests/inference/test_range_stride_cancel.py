"""Frame ranges and strides are exact; cancel returns a consistent partial result."""

from __future__ import annotations

import threading
import time
import zipfile
from pathlib import Path

import pytest

from videolab.domain.errors import InvalidInput
from videolab.domain.params import DetectionParams
from videolab.inference.models import resolve_model
from videolab.inference.pipeline import DetectionProgress, run_detection
from videolab.inference.synthetic import SyntheticVideo, generate_video


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> SyntheticVideo:
    return generate_video(tmp_path_factory.mktemp("rs") / "clip.mp4", seed=3, frames=50)


@pytest.mark.parametrize(("start", "end", "stride"), [(0, None, 7), (5, 23, 3), (49, 50, 1)])
def test_range_and_stride_are_honoured_exactly(clip: SyntheticVideo, tmp_path: Path,
                                               start: int, end: int | None, stride: int) -> None:
    params = DetectionParams(start=start, end=end, stride=stride, device="cpu")
    out = tmp_path / "r.zip"
    outcome = run_detection(clip.path, params, model=resolve_model("demo"), out_zip=out)
    expected = list(range(start, end if end is not None else clip.frame_count, stride))
    assert [f["index"] for f in outcome.result_json["frames"]] == expected
    assert outcome.processed_frames == len(expected)
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == [f"frame_{i:06d}.jpg" for i in expected]
    fps = outcome.result_json["video"]["fps"]
    assert outcome.result_json["frames"][0]["time_s"] == pytest.approx(expected[0] / fps, 1e-3)


def test_cancel_returns_a_partial_but_consistent_result(clip: SyntheticVideo, tmp_path: Path
                                                        ) -> None:
    cancel = threading.Event()
    at_cancel: list[int] = []
    cancelled_at: list[float] = []

    def progress(p: DetectionProgress) -> None:
        if p.done >= 2 and not cancel.is_set():
            at_cancel.append(p.done)
            cancelled_at.append(time.monotonic())
            cancel.set()

    out = tmp_path / "c.zip"
    outcome = run_detection(clip.path, DetectionParams(device="cpu"), model=resolve_model("demo"),
                            out_zip=out, progress=progress, cancel=cancel)
    assert outcome.cancelled
    assert time.monotonic() - cancelled_at[0] < 1.0  # DESIGN.md: a cancel stops it within a second
    frames = outcome.result_json["frames"]
    assert len(frames) == outcome.processed_frames < clip.frame_count
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == [f"frame_{f['index']:06d}.jpg" for f in frames]


def test_unknown_class_filter_is_refused(clip: SyntheticVideo, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="do not exist"):
        run_detection(clip.path, DetectionParams(classes=(7,), device="cpu"),
                      model=resolve_model("demo"), out_zip=tmp_path / "x.zip")


def test_class_filter_keeps_only_those_classes(clip: SyntheticVideo, tmp_path: Path) -> None:
    outcome = run_detection(clip.path, DetectionParams(classes=(1,), end=10, device="cpu"),
                            model=resolve_model("demo"), out_zip=tmp_path / "f.zip")
    ids = {d["class_id"] for f in outcome.result_json["frames"] for d in f["detections"]}
    assert ids <= {1}
