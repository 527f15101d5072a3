"""The direct OpenVINO runner and INT8: same boxes as Ultralytics, an INT8 model that has to
earn its place, and CPU jobs that never load torch.

No timings are asserted (benchmarks/ measures speed).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.performance.box_matching import read_frames, unmatched
from videolab.domain.errors import Unavailable
from videolab.inference import backends, export_cache, quantize
from videolab.inference.backends import Calibration, plan_backend
from videolab.inference.detector import Detector, PredictOptions
from videolab.inference.export_cache import ExportCache, cache_key
from videolab.inference.models import file_sha256, resolve_model
from videolab.inference.openvino_runner import OpenVinoDetector
from videolab.inference.ultralytics_env import import_ultralytics
from videolab.inference.yolo_postprocess import Letterbox, decode, nms


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ov-exports")


@pytest.fixture(scope="module")
def video(make_clip):  # type: ignore[no-untyped-def]
    return make_clip(seed=21, frames=40, size=(640, 360))


@pytest.fixture(scope="module")
def frames(video) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    return read_frames(video.path)


def _forget_int8_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build INT8 afresh instead of copying this session's build from another cache folder
    (FP32 exports still may be copied)."""
    monkeypatch.setattr(
        export_cache,
        "_verified",
        {k: v for k, v in export_cache._verified.items() if "openvino-int8" not in k},
    )


def _calibration(video, selected: int | None = None) -> Calibration:  # type: ignore[no-untyped-def]
    return Calibration(video.path, video.frame_count, selected or video.frame_count)


# -- pre/post-processing ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "frame_hw, input_hw, resized, pads",
    [
        ((360, 640), (384, 640), (640, 360), (12, 12, 0, 0)),
        ((1080, 1920), (384, 640), (640, 360), (12, 12, 0, 0)),
        ((640, 360), (640, 384), (360, 640), (0, 0, 12, 12)),
        ((181, 320), (384, 640), (640, 362), (11, 11, 0, 0)),  # odd padding, upscaled
    ],
)
def test_letterbox_is_ultralytics(
    frame_hw: tuple[int, int],
    input_hw: tuple[int, int],
    resized: tuple[int, int],
    pads: tuple[int, int, int, int],
) -> None:
    import_ultralytics()  # set up offline before Ultralytics loads
    from ultralytics.data.augment import LetterBox

    plan = Letterbox.plan(frame_hw, input_hw)
    assert (plan.new_w, plan.new_h) == resized
    assert (plan.top, plan.bottom, plan.left, plan.right) == pads
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (*frame_hw, 3), dtype=np.uint8)
    ours = plan.apply(frame)
    theirs = LetterBox(input_hw, auto=False, stride=32)(image=frame)
    assert ours.shape == theirs.shape == (*input_hw, 3)
    assert np.array_equal(ours, theirs)
    # A box maps back onto the frame as Ultralytics' scale_boxes maps it.
    import torch
    from ultralytics.utils.ops import scale_boxes

    box = np.array([[10.0, 20.0, 300.0, 200.0]])
    expected = scale_boxes(input_hw, torch.tensor(box), frame_hw).numpy()
    assert np.allclose(plan.to_frame(box), expected, atol=1e-3)


def test_nms_matches_torchvision() -> None:
    import torch
    import torchvision

    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 500, (300, 2))
    wh = rng.uniform(5, 120, (300, 2))
    boxes = np.concatenate([xy, xy + wh], axis=1)
    scores = rng.uniform(0, 1, 300)
    order = np.argsort(-scores, kind="stable")
    ours = order[nms(boxes[order], scores[order], 0.5)]
    theirs = torchvision.ops.nms(torch.tensor(boxes), torch.tensor(scores), 0.5).numpy()
    assert ours.tolist() == theirs.tolist()


def test_decode_filters_by_confidence_and_class() -> None:
    # Two classes, three anchors: one sure class-1 box, one class-0 box under the threshold.
    out = np.zeros((6, 3), dtype=np.float32)
    out[:4, 0] = [50, 50, 20, 20]
    out[5, 0] = 0.9
    out[:4, 1] = [100, 100, 10, 10]
    out[4, 1] = 0.1
    out[:4, 2] = [52, 50, 20, 20]  # overlaps anchor 0, same class, lower score: suppressed
    out[5, 2] = 0.8
    boxes, cls, score = decode(out, conf=0.25, iou=0.7, max_det=300)
    assert cls.tolist() == [1] and np.allclose(boxes[0], [40, 40, 60, 60])
    assert score.tolist() == pytest.approx([0.9])
    assert decode(out, conf=0.25, iou=0.7, max_det=300, classes=(0,))[0].shape == (0, 4)


# -- the direct runner against Ultralytics ------------------------------------------------------
def test_direct_runner_gives_ultralytics_boxes(frames: list[np.ndarray], cache_dir: Path) -> None:
    model = resolve_model("demo")
    direct = Detector.for_job(
        model, device="cpu", backend="openvino", frame_size=(640, 360), cache_dir=cache_dir
    )
    assert isinstance(direct, OpenVinoDetector) and direct.backend == "openvino"
    # Ultralytics running the very same exported files.
    ultra = Detector(
        model, device="cpu", weights=str(direct.plan.weights), backend="openvino", imgsz=(384, 640)
    )
    options = PredictOptions(conf=0.25)
    ref = [ultra.detect([f], options)[0] for f in frames]
    got = direct.detect(frames, options)  # several frames at once: results keep their order
    assert sum(len(d) for d in ref) >= len(frames)
    assert sorted(direct.names.items()) == sorted(ultra.names.items())
    for mine, theirs in zip(got, ref, strict=True):
        assert len(mine) == len(theirs)
    # Same files, same boxes up to float rounding (kernels differ with the performance hint):
    # every box, however unsure, within IoU 0.9 of Ultralytics' own.
    assert not unmatched(ref, got, min_iou=0.9, sure=0.0)
    assert not unmatched(got, ref, min_iou=0.9, sure=0.0)
    # The class filter and max_det behave as in Ultralytics.
    only = direct.detect(frames[:4], PredictOptions(classes=(1,), max_det=1))
    assert all(len(d) <= 1 and all(x.class_id == 1 for x in d) for d in only)


# -- INT8 -------------------------------------------------------------------------------------
def test_int8_agrees_with_torch(video, frames: list[np.ndarray], cache_dir: Path) -> None:  # type: ignore[no-untyped-def]
    model = resolve_model("demo")
    int8 = Detector.for_job(
        model,
        device="cpu",
        backend="openvino-int8",
        frame_size=(640, 360),
        cache_dir=cache_dir,
        calibration=_calibration(video),
    )
    assert int8.backend == "openvino-int8" and int8.device == "cpu"
    verdict = json.loads((Path(int8.plan.weights).parent / "quantization.json").read_text())
    assert verdict["accepted"] and verdict["matched"] >= 0.97 * verdict["fp32_boxes"]
    torch_det = Detector(model, device="cpu")
    options = PredictOptions(conf=0.25)
    ref = [torch_det.detect([f], options)[0] for f in frames]
    got = int8.detect(frames, options)
    assert sum(len(d) for d in ref) >= len(frames)
    assert not unmatched(ref, got), "INT8 missed torch's boxes"
    assert not unmatched(got, ref), "INT8 found boxes torch did not"


def test_auto_uses_int8_only_when_it_pays_or_exists(video, cache_dir: Path, make_clip) -> None:  # type: ignore[no-untyped-def]
    model = resolve_model("demo")
    other = make_clip(seed=22, frames=30, size=(640, 360))

    def plan(clip, selected):  # type: ignore[no-untyped-def]
        return plan_backend(
            model,
            device="cpu",
            frame_size=(640, 360),
            cache_dir=cache_dir,
            calibration=Calibration(clip.path, clip.frame_count, selected),
        )

    short = backends.INT8_MIN_FRAMES - 1
    # A short job on a video without an INT8 model: calibrating would cost more than it saves.
    assert plan(other, short).backend == "openvino"
    # A long one calibrates (once) on its video ...
    long_plan = plan(other, backends.INT8_MIN_FRAMES)
    assert long_plan.backend == "openvino-int8"
    # ... after which even a short job on that video uses it, and no other video does.
    again = plan(other, 1)
    assert again.backend == "openvino-int8" and not again.exported
    assert again.weights == long_plan.weights
    assert plan(video, 1).weights != again.weights
    key = cache_key(model.sha256, "openvino-int8", (384, 640), file_sha256(other.path))
    assert ExportCache(cache_dir).lookup(key) is not None


def test_int8_that_fails_its_check_is_refused_and_remembered(
    video, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    model = resolve_model("demo")
    monkeypatch.setattr(quantize, "MIN_RECALL", 1.01)  # no INT8 model can pass
    _forget_int8_builds(monkeypatch)
    cal = _calibration(video, selected=backends.INT8_MIN_FRAMES)
    plan = plan_backend(
        model, device="cpu", frame_size=(640, 360), cache_dir=tmp_path, calibration=cal
    )
    assert plan.backend == "openvino"  # the job still runs, in FP32
    key = cache_key(model.sha256, "openvino-int8", (384, 640), cal.video_sha256)
    verdict = json.loads((tmp_path / key / "rejected.json").read_text())
    assert verdict["accepted"] is False and verdict["fp32_boxes"] > 0
    # The verdict is cached: the next job does not calibrate again, even if it would now pass.
    monkeypatch.setattr(quantize, "MIN_RECALL", 0.0)
    monkeypatch.setattr(
        quantize, "quantize_export", lambda *a, **k: pytest.fail("calibrated twice")
    )
    assert (
        plan_backend(
            model, device="cpu", frame_size=(640, 360), cache_dir=tmp_path, calibration=cal
        ).backend
        == "openvino"
    )
    with pytest.raises(Unavailable, match="accuracy check: it found"):
        plan_backend(
            model,
            device="cpu",
            requested="openvino-int8",
            frame_size=(640, 360),
            cache_dir=tmp_path,
            calibration=cal,
        )


def test_a_job_calibrates_int8_in_a_child_process_that_reports_its_progress(
    video, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """With a cancel event (as every job passes), the build runs in a child process: its
    arguments must survive pickling and its status lines must reach the job."""
    import threading

    _forget_int8_builds(monkeypatch)
    messages: list[str] = []
    model = resolve_model("demo")
    cal = _calibration(video, selected=backends.INT8_MIN_FRAMES)
    plan = plan_backend(
        model,
        device="cpu",
        frame_size=(640, 360),
        cache_dir=tmp_path,
        calibration=cal,
        status=messages.append,
        cancel=threading.Event(),
    )
    assert plan.backend == "openvino-int8" and plan.exported
    assert any(m.startswith("Calibrating INT8") for m in messages), messages
    key = cache_key(model.sha256, "openvino-int8", (384, 640), cal.video_sha256)
    assert ExportCache(tmp_path).lookup(key) is not None


def test_int8_needs_a_video(cache_dir: Path) -> None:
    with pytest.raises(Unavailable, match="no video to calibrate"):
        plan_backend(
            resolve_model("demo"), device="cpu", requested="openvino-int8", cache_dir=cache_dir
        )


# -- start-up -----------------------------------------------------------------------------------
_NO_TORCH = r"""
import sys
from pathlib import Path
from videolab.inference.devices import cuda_driver_present
from videolab.inference.models import resolve_model
from videolab.domain.params import DetectionParams
from videolab.inference.pipeline import run_detection
from videolab.inference.carbon import CarbonSettings
video, cache, out = sys.argv[1:4]
if cuda_driver_present():
    print("SKIP: a CUDA driver is present, so device auto asks torch")
    raise SystemExit(0)
outcome = run_detection(Path(video), DetectionParams(device="auto", backend="auto", end=5),
                        model=resolve_model("demo"), out_zip=Path(out),
                        export_cache_dir=Path(cache),
                        carbon=CarbonSettings(output_dir=Path(out).parent))
heavy = sorted(m for m in ("torch", "ultralytics", "nncf") if m in sys.modules)
print(outcome.backend, outcome.processed_frames, "loaded:", ",".join(heavy) or "none")
"""


def test_a_cpu_job_with_a_cached_export_never_loads_torch(
    video, cache_dir: Path, tmp_path: Path, frames: list[np.ndarray]
) -> None:  # type: ignore[no-untyped-def]
    # The FP32 export exists (built in this session by the tests above, or now).
    plan_backend(resolve_model("demo"), device="cpu", frame_size=(640, 360), cache_dir=cache_dir)
    run = subprocess.run(
        [sys.executable, "-c", _NO_TORCH, str(video.path), str(cache_dir), str(tmp_path / "o.zip")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    last = run.stdout.strip().splitlines()[-1]
    if last.startswith("SKIP"):
        pytest.skip(last)
    backend, rest = last.split(" ", 1)
    # INT8 when an earlier test made one for this video, FP32 otherwise: either runs torch-free.
    assert backend in ("openvino", "openvino-int8") and rest == "5 loaded: none", last


def test_int8_is_refused_when_the_video_is_too_short_to_check_it(
    make_clip, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    tiny = make_clip(seed=23, frames=8, size=(640, 360))  # 2 held-out frames: proves nothing
    with pytest.raises(Unavailable, match="too few frames to check its accuracy"):
        plan_backend(
            resolve_model("demo"),
            device="cpu",
            requested="openvino-int8",
            frame_size=(640, 360),
            cache_dir=tmp_path,
            calibration=Calibration(tiny.path, tiny.frame_count, tiny.frame_count),
        )


def test_int8_is_not_made_for_a_model_the_check_cannot_read(
    video, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    # An end-to-end (NMS-free) export: its output is not (4 + classes, anchors).
    from videolab.inference import openvino_runner

    real = openvino_runner.read_metadata
    monkeypatch.setattr(
        openvino_runner, "read_metadata", lambda folder: {**real(folder), "end2end": True}
    )
    cal = _calibration(video, selected=backends.INT8_MIN_FRAMES)
    with pytest.raises(Unavailable, match="only for plain YOLO detection models"):
        plan_backend(
            resolve_model("demo"),
            device="cpu",
            requested="openvino-int8",
            frame_size=(640, 360),
            cache_dir=cache_dir / "e2e",
            calibration=cal,
        )
