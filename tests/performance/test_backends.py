"""Accelerated backends: same detections as PyTorch, a verified export cache, recorded backend.

No timings are asserted here (benchmarks/ measures speed); these tests check correctness.
Exports run once per test session into a shared cache folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from tests.performance.box_matching import read_frames, unmatched
from videolab.db.models import Result
from videolab.domain.enums import JobStatus
from videolab.domain.params import DetectionParams
from videolab.inference import export_cache
from videolab.inference.backends import input_shape, plan_backend
from videolab.inference.detector import Detector, PredictOptions
from videolab.inference.export_cache import MANIFEST, ExportCache, cache_key
from videolab.inference.models import resolve_model
from videolab.inference.pipeline import run_detection


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("exports")


@pytest.fixture(scope="module")
def frames(make_clip) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    out = read_frames(make_clip(seed=21, frames=24, size=(640, 360)).path)
    assert len(out) == 24
    return out


def test_input_shape_is_torchs_letterbox() -> None:
    assert input_shape(640, 360, 640) == (384, 640)
    assert input_shape(1920, 1080, 640) == (384, 640)
    assert input_shape(360, 640, 640) == (640, 384)
    assert input_shape(320, 180, 640) == (384, 640)  # upscaled like Ultralytics does


@pytest.mark.parametrize("backend", ["openvino", "onnx"])
def test_accelerated_backend_agrees_with_torch(
    backend: str, frames: list[np.ndarray], shared_cache: Path
) -> None:
    model = resolve_model("demo")
    options = PredictOptions(conf=0.25)
    torch_det = Detector(model, device="cpu")
    fast = Detector.for_job(
        model, device="cpu", backend=backend, frame_size=(640, 360), cache_dir=shared_cache
    )
    assert fast.backend == backend and fast.device == "cpu"
    ref = [torch_det.detect([f], options)[0] for f in frames]
    got = [fast.detect([f], options)[0] for f in frames]
    assert sum(len(d) for d in ref) >= len(frames)  # the clip really has shapes in it
    assert not unmatched(ref, got), f"{backend} missed torch's boxes"
    assert not unmatched(got, ref), f"{backend} found boxes torch did not"


def test_auto_on_cpu_prefers_openvino_and_reuses_the_export(shared_cache: Path) -> None:
    model = resolve_model("demo")
    first = plan_backend(model, device="cpu", frame_size=(640, 360), cache_dir=shared_cache)
    again = plan_backend(model, device="cpu", frame_size=(640, 360), cache_dir=shared_cache)
    assert first.backend == again.backend == "openvino"
    assert first.weights == again.weights and not again.exported
    assert plan_backend(model, device="cpu", requested="torch").backend == "torch"


@pytest.mark.parametrize(
    "damage", ["truncate_model", "flip_byte", "drop_manifest", "extra_file", "bad_manifest"]
)
def test_damaged_cache_entry_is_detected_and_rebuilt(
    damage: str, tmp_path: Path, shared_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = resolve_model("demo")
    cache = ExportCache(tmp_path / "exports")
    shape = (384, 640)
    built = cache.get_or_build(model, "onnx", shape)
    key = cache_key(model.sha256, "onnx", shape)
    onnx_file = built.model_path
    if damage == "truncate_model":  # a crash or full disk half way through a write
        data = onnx_file.read_bytes()
        onnx_file.write_bytes(data[: len(data) // 2])
    elif damage == "flip_byte":  # same size, different content
        data = bytearray(onnx_file.read_bytes())
        data[len(data) // 2] ^= 0xFF
        onnx_file.write_bytes(bytes(data))
    elif damage == "drop_manifest":  # an entry that never finished
        (built.folder / MANIFEST).unlink()
    elif damage == "extra_file":
        (built.folder / "stray.bin").write_bytes(b"x")
    else:
        (built.folder / MANIFEST).write_text("{not json")
    assert cache.lookup(key) is None  # detected (and removed)
    assert not built.folder.exists()

    calls = []
    real_export = export_cache._export
    monkeypatch.setattr(export_cache, "_verified", {})  # no copying from another cache folder
    monkeypatch.setattr(
        export_cache, "_export", lambda *a, **k: (calls.append(a), real_export(*a, **k))[1]
    )
    rebuilt = cache.get_or_build(model, "onnx", shape)
    assert calls and rebuilt.built
    assert cache.lookup(key) is not None
    manifest = json.loads((rebuilt.folder / MANIFEST).read_text())
    assert manifest["model_sha256"] == model.sha256 and manifest["imgsz"] == [384, 640]
    # Nothing half-built is left beside the entry.
    assert not [p for p in (tmp_path / "exports").iterdir() if p.name.startswith(".tmp-")]


def test_failed_export_leaves_nothing_and_auto_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = resolve_model("demo")
    monkeypatch.setattr(export_cache, "_verified", {})

    def broken(model, fmt, imgsz, tmp, status=None):  # type: ignore[no-untyped-def]
        tmp.mkdir(parents=True)
        (tmp / "half.xml").write_text("<")
        raise export_cache.ExportError(f"{fmt} exporter broke")

    monkeypatch.setattr(export_cache, "_export", broken)
    plan = plan_backend(model, device="cpu", frame_size=(640, 360), cache_dir=tmp_path)
    assert plan.backend == "torch"  # openvino and onnx both failed: still runs
    assert not list(tmp_path.iterdir()) or all(p.name.endswith(".lock") for p in tmp_path.iterdir())
    with pytest.raises(Exception, match="openvino backend is not available"):
        plan_backend(model, device="cpu", requested="openvino", cache_dir=tmp_path)


def test_pipeline_reports_preparing_and_records_backend(
    clip,
    tmp_path: Path,
    shared_cache: Path,  # type: ignore[no-untyped-def]
) -> None:
    messages = []
    out = run_detection(
        clip.path,
        DetectionParams(device="cpu", backend="onnx", end=6),
        model=resolve_model("demo"),
        out_zip=tmp_path / "out.zip",
        export_cache_dir=shared_cache,
        progress=lambda p: p.message and messages.append(p.message),
    )
    assert out.backend == "onnx"
    assert out.result_json["summary"]["backend"] == "onnx"
    assert out.result_json["params"]["backend"] == "onnx"
    assert any("onnx" in m for m in messages)


@pytest.mark.parametrize(
    "requested, expected", [("auto", "openvino"), ("onnx", "onnx"), ("torch", "torch")]
)
def test_backend_is_recorded_in_the_job(
    requested: str,
    expected: str,
    app,
    demo,
    clip,
    shared_cache: Path,  # type: ignore[no-untyped-def]
) -> None:
    # Seed the app's export cache from the shared one (an in-process copy, not an export).
    plan_backend(
        resolve_model("demo"),
        device="cpu",
        requested=expected if expected != "torch" else "auto",
        frame_size=(640, 360),
        cache_dir=shared_cache,
    )
    dataset = app.datasets.create(demo.alice, "perf-clips")
    video = app.videos.upload(demo.alice, dataset.id, clip.path)
    job = app.jobs.create(
        demo.alice, video.id, DetectionParams(device="cpu", backend=requested, end=8)
    )
    done = app.jobs.run(demo.alice, job.id)
    assert done.status is JobStatus.COMPLETED, done.error
    assert done.backend == expected and done.device == "cpu"
    with app.db.read() as s:
        stored = s.scalar(select(Result.json_res).where(Result.job_id == job.id))
    assert stored["summary"]["backend"] == expected
    if expected != "torch":
        assert any(
            p.name == model_key(expected)
            for p in app.ctx.paths.export_cache_dir.iterdir()
        )


def model_key(fmt: str) -> str:
    return cache_key(resolve_model("demo").sha256, fmt, (384, 640))
