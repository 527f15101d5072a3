"""Without ONNX Runtime (the cpu bundle leaves it out: 36 MB), an .onnx model runs on OpenVINO,
which reads .onnx files too, and finds Ultralytics' own boxes, as ONNX Runtime does."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.performance.box_matching import read_frames
from tests.performance.task_models import export
from tests.performance.test_tasks import OPTIONS, assert_same, ultralytics_predict
from videolab.inference import detector as detector_module
from videolab.inference.detector import Detector
from videolab.inference.model_info import onnx_metadata
from videolab.inference.models import DEMO_WEIGHTS, resolve_model
from videolab.inference.onnx_runner import OnnxDetector
from videolab.inference.openvino_runner import OpenVinoDetector


@pytest.fixture(scope="module")
def onnx_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    weights = tmp_path_factory.mktemp("onnx-on-openvino") / "shapes.pt"
    shutil.copyfile(DEMO_WEIGHTS, weights)
    return export(weights, "onnx")  # what a user brings: Ultralytics' default, 640x640


@pytest.fixture(scope="module")
def frames(make_clip) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    return read_frames(make_clip(seed=21, frames=8, size=(640, 360)).path)


def test_an_onnx_model_runs_on_openvino_when_onnx_runtime_is_missing(
    onnx_model: Path, frames: list[np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    model = resolve_model(str(onnx_model))
    assert isinstance(Detector.for_job(model, device="cpu", frame_size=(640, 360)), OnnxDetector)

    monkeypatch.setattr(detector_module, "onnxruntime_available", lambda: False)
    runner = Detector.for_job(model, device="cpu", frame_size=(640, 360))
    assert isinstance(runner, OpenVinoDetector) and runner.backend == "onnx"
    assert runner.names == {0: "square", 1: "disc", 2: "triangle"}
    ref = ultralytics_predict(onnx_model, frames)
    # OpenVINO computes in bf16 on CPUs that have it: the bar (IoU >= 0.8 for every
    # sure box), and in fp32 the very same boxes as Ultralytics' predict.
    assert_same(ref, runner.detect(frames, OPTIONS), "onnx on OpenVINO", exact=False)
    fp32 = OpenVinoDetector(model, onnx_model, backend="onnx", precision="f32",
                            metadata=onnx_metadata(onnx_model))
    assert_same(ref, fp32.detect(frames, OPTIONS), "onnx on OpenVINO fp32", exact=True)
