"""Models that are not plain detectors: the same boxes as Ultralytics' own predict on every
backend (segment, pose, OBB), a classifier refused before anything is held, and output that
no detector can produce failing the job instead of being charged.

Models are built offline from Ultralytics' yaml files (tests/performance/task_models.py).
No timings are asserted.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from tests.performance.box_matching import read_frames, unmatched
from tests.performance.task_models import OBB_ANGLE, build_task_model, export
from videolab.db.models import InferenceJob
from videolab.domain.enums import JobStatus
from videolab.domain.errors import InvalidInput, Unavailable
from videolab.domain.params import DetectionParams
from videolab.inference import direct_runner
from videolab.inference.backends import Calibration, plan_backend
from videolab.inference.detections import Detection, ImplausibleOutput, to_detections
from videolab.inference.detector import Detector, PredictOptions
from videolab.inference.direct_runner import DirectRunner
from videolab.inference.model_info import check_job_model, inspect_model
from videolab.inference.models import resolve_model
from videolab.inference.openvino_runner import OpenVinoDetector
from videolab.inference.pipeline import run_detection
from videolab.inference.ultralytics_env import import_ultralytics

TASKS = ("segment", "pose", "obb")
OPTIONS = PredictOptions(conf=0.25, iou=0.7)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("task-models")
    return {task: build_task_model(task, root) for task in (*TASKS, "classify")}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("task-exports")


@pytest.fixture(scope="module")
def frames(make_clip) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    out = read_frames(make_clip(seed=21, frames=12, size=(640, 360)).path)
    assert len(out) == 12
    return out


def ultralytics_predict(weights: Path, frames: list[np.ndarray]) -> list[list[Detection]]:
    """Ultralytics' own predict, read as a person reading its Results would."""
    ultralytics = import_ultralytics()
    model = ultralytics.YOLO(str(weights))
    names = {int(k): str(v) for k, v in model.names.items()}
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for frame in frames:
            (r,) = model.predict(
                frame, conf=OPTIONS.conf, iou=OPTIONS.iou, imgsz=OPTIONS.imgsz, verbose=False
            )
            if r.obb is not None:
                rows = zip(
                    r.obb.xyxy.tolist(),
                    r.obb.cls.tolist(),
                    r.obb.conf.tolist(),
                    r.obb.xywhr.tolist(),
                    strict=True,
                )
                out.append(
                    [Detection(int(c), names[int(c)], p, tuple(b), tuple(x)) for b, c, p, x in rows]  # type: ignore[arg-type]
                )
            else:
                rows2 = zip(
                    r.boxes.xyxy.tolist(), r.boxes.cls.tolist(), r.boxes.conf.tolist(), strict=True
                )
                out.append([Detection(int(c), names[int(c)], p, tuple(b)) for b, c, p in rows2])  # type: ignore[arg-type]
    return out


def assert_same(
    ref: list[list[Detection]], got: list[list[Detection]], what: str, *, exact: bool
) -> None:
    assert sum(len(d) for d in ref) >= len(ref), f"{what}: the reference found too little"
    # exact: every box, however unsure, within IoU 0.9 (fp32 against fp32, or the same
    # engine); otherwise the bar, IoU >= 0.8 for every box of confidence >= 0.4.
    min_iou, sure = (0.9, 0.0) if exact else (0.8, 0.4)
    assert not unmatched(ref, got, min_iou, sure), f"{what} missed Ultralytics' boxes"
    assert not unmatched(got, ref, min_iou, sure), f"{what} found boxes Ultralytics did not"
    if exact:
        assert [len(d) for d in got] == [len(d) for d in ref], what
    rotated = [d for f in got for d in f if d.box_xywhr is not None]
    if ref[0] and ref[0][0].box_xywhr is not None:
        assert len(rotated) == sum(len(f) for f in got), f"{what}: OBB boxes lost their angle"
        for mine, theirs in zip(got, ref, strict=True):
            for d in mine:
                best = max(theirs, key=lambda e: _centre_closeness(d, e))
                assert d.box_xywhr is not None and best.box_xywhr is not None
                assert np.allclose(d.box_xywhr[:4], best.box_xywhr[:4], atol=1.5 if exact else 3)
                assert abs(d.box_xywhr[4] - best.box_xywhr[4]) < (0.01 if exact else 0.05)
    else:
        assert not rotated, what


def _centre_closeness(a: Detection, b: Detection) -> float:
    assert a.box_xywhr is not None and b.box_xywhr is not None
    return -float(np.hypot(a.box_xywhr[0] - b.box_xywhr[0], a.box_xywhr[1] - b.box_xywhr[1]))


# -- what a model is ---------------------------------------------------------------------------
def test_inspect_model_reads_the_task_of_every_format(
    models: dict[str, Path], cache_dir: Path
) -> None:
    for task, weights in models.items():
        info = inspect_model(resolve_model(str(weights), allow_untrusted=True))
        assert info.task == task
        if task != "classify":
            assert info.class_names == {0: "square", 1: "disc", 2: "triangle"}
    onnx = Detector.for_job(
        resolve_model(str(models["pose"]), allow_untrusted=True),
        device="cpu",
        backend="onnx",
        frame_size=(640, 360),
        cache_dir=cache_dir,
    ).plan.weights
    info = inspect_model(resolve_model(str(onnx)))
    assert (info.task, len(info.class_names)) == ("pose", 3)


def test_a_classifier_is_refused_in_one_sentence(models: dict[str, Path]) -> None:
    model = resolve_model(str(models["classify"]), allow_untrusted=True)
    with pytest.raises(InvalidInput, match="is an image classifier") as caught:
        check_job_model(model)
    assert "\n" not in caught.value.message
    # The detector refuses it too, before exporting anything.
    with pytest.raises(InvalidInput, match="image classifier"):
        Detector.for_job(model, device="cpu", backend="onnx", frame_size=(640, 360))


def test_a_classifier_job_is_refused_before_anything_is_held(app, demo, clip, models) -> None:  # type: ignore[no-untyped-def]
    dataset = app.datasets.create(demo.alice, "cls")
    video = app.videos.upload(demo.alice, dataset.id, clip.path)
    with app.db.read() as s:
        jobs_before = s.scalar(select(func.count()).select_from(InferenceJob))
        tokens_before = _tokens(s, demo.alice.id)
    with pytest.raises(InvalidInput, match="image classifier"):
        app.jobs.create(
            demo.alice,
            video.id,
            DetectionParams(model=str(models["classify"]), device="cpu"),
            allow_untrusted_model=True,
        )
    with app.db.read() as s:
        assert s.scalar(select(func.count()).select_from(InferenceJob)) == jobs_before
        assert _tokens(s, demo.alice.id) == tokens_before


def _tokens(session: Any, user_id: Any) -> int:
    from videolab.db.models import User

    return int(session.scalar(select(User.tokens).where(User.id == user_id)))


# -- the same boxes on every backend -------------------------------------------------------------
@pytest.mark.parametrize("task", TASKS)
def test_every_backend_gives_ultralytics_boxes(
    task: str, models: dict[str, Path], frames: list[np.ndarray], cache_dir: Path, tmp_path: Path
) -> None:
    weights = models[task]
    model = resolve_model(str(weights), allow_untrusted=True)
    ref = ultralytics_predict(weights, frames)
    for backend in ("torch", "onnx", "openvino"):
        detector = Detector.for_job(
            model, device="cpu", backend=backend, frame_size=(640, 360), cache_dir=cache_dir
        )
        assert detector.backend == backend
        got = detector.detect(frames, OPTIONS)
        if backend != "torch":
            assert isinstance(detector, DirectRunner), f"{task} on {backend} needed Ultralytics"
        if backend != "openvino":
            assert_same(ref, got, f"{task} on {backend}", exact=True)
            continue
        # OpenVINO computes in bf16 on CPUs that have it (this one), as it does for
        # Ultralytics' own predict on the same files: torch's boxes at the issue's bar ...
        if task != "obb":
            assert_same(ref, got, f"{task} on {backend}", exact=False)
        # ... and the very same boxes as torch's when it computes in fp32 too. (bf16 can flip
        # which of two near-equal candidates of one object survives NMS; for an oriented box
        # of an untrained angle branch that can be a visibly different envelope.)
        fp32 = OpenVinoDetector(
            model, next(Path(detector.plan.weights).glob("*.xml")), precision="f32"
        )
        assert_same(ref, fp32.detect(frames, OPTIONS), f"{task} on {backend} fp32", exact=True)

    # Exports a user brings: a square fixed-shape ONNX (Ultralytics' default) and a dynamic
    # OpenVINO folder, each against Ultralytics' predict on that very file.
    local = tmp_path / weights.name
    shutil.copyfile(weights, local)
    for fmt, extra in (("onnx", {}), ("openvino", {"dynamic": True})):
        exported = export(local, fmt, **extra)  # type: ignore[arg-type]
        user_model = resolve_model(str(exported))
        detector = Detector.for_job(user_model, device="cpu", frame_size=(640, 360))
        assert isinstance(detector, DirectRunner) and detector.backend == fmt
        got = detector.detect(frames, OPTIONS)
        if fmt == "onnx":
            assert_same(
                ultralytics_predict(exported, frames), got, f"{task}, user's onnx", exact=True
            )
            continue
        if task != "obb":  # bf16, as above
            assert_same(
                ultralytics_predict(exported, frames), got, f"{task}, user's IR", exact=False
            )
        fp32 = OpenVinoDetector(
            user_model, next(exported.glob("*.xml")), precision="f32", dynamic_input_hw=(384, 640)
        )
        assert_same(ref, fp32.detect(frames, OPTIONS), f"{task}, user's IR fp32", exact=True)


def test_an_obb_job_stores_rotated_boxes_and_draws_them_rotated(
    models: dict[str, Path],
    make_clip,
    cache_dir: Path,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    import zipfile

    import cv2

    clip = make_clip(seed=21, frames=12, size=(640, 360))
    out = run_detection(
        clip.path,
        DetectionParams(device="cpu", backend="onnx", end=4),
        model=resolve_model(str(models["obb"]), allow_untrusted=True),
        out_zip=tmp_path / "obb.zip",
        export_cache_dir=cache_dir,
    )
    dets = [d for f in out.result_json["frames"] for d in f["detections"]]
    assert dets and all(len(d["box_xywhr"]) == 5 for d in dets)
    assert all(abs(d["box_xywhr"][4] - OBB_ANGLE) < 0.01 for d in dets)
    for d in dets:  # the axis-aligned box is the rotated box's envelope
        x, y, w, h, r = d["box_xywhr"]
        half_w = (abs(w * np.cos(r)) + abs(h * np.sin(r))) / 2
        assert d["box_xyxy"][0] == pytest.approx(x - half_w, abs=0.05)
        assert d["box_xyxy"][2] == pytest.approx(x + half_w, abs=0.05)
    from videolab.inference.exports import to_coco

    coco = to_coco(out.result_json)["annotations"]
    assert len(coco) == len(dets) and all(len(a["segmentation"][0]) == 8 for a in coco)
    # Drawn rotated: the envelope's corner is left alone, the rotated edge's midpoint is drawn.
    first = out.result_json["frames"][0]
    with zipfile.ZipFile(tmp_path / "obb.zip") as archive:
        data = archive.read(f"frame_{first['index']:06d}.jpg")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    original = read_frames(clip.path)[first["index"]]
    det = max(first["detections"], key=lambda d: d["box_xywhr"][2] * d["box_xywhr"][3])
    x, y, w, h, r = det["box_xywhr"]
    edge = (x + w / 2 * np.cos(r), y + w / 2 * np.sin(r))  # midpoint of a rotated side
    corner = (det["box_xyxy"][0] + 1, det["box_xyxy"][1] + 1)
    assert _changed(image, original, edge) and not _changed(image, original, corner)


def _changed(image: np.ndarray, original: np.ndarray, xy: tuple[float, float]) -> bool:
    x, y = round(xy[0]), round(xy[1])
    patch = (slice(max(0, y - 1), y + 2), slice(max(0, x - 1), x + 2))
    return float(np.abs(image[patch].astype(int) - original[patch].astype(int)).max()) > 60


def test_int8_is_made_only_for_plain_detection(
    models: dict[str, Path], make_clip, cache_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    clip = make_clip(seed=21, frames=12, size=(640, 360))
    model = resolve_model(str(models["segment"]), allow_untrusted=True)
    long_job = Calibration(clip.path, clip.frame_count, 400)
    with pytest.raises(Unavailable, match="only for plain YOLO detection models"):
        plan_backend(
            model,
            device="cpu",
            requested="openvino-int8",
            frame_size=(640, 360),
            cache_dir=cache_dir,
            calibration=long_job,
        )
    auto = plan_backend(
        model, device="cpu", frame_size=(640, 360), cache_dir=cache_dir, calibration=long_job
    )
    assert auto.backend == "openvino"


# -- output no detector can produce ------------------------------------------------------------
@pytest.mark.parametrize(
    "cls, conf, box, problem",
    [
        (83, 0.9, (1, 2, 30, 40), "class 83 of a model with 80 classes"),
        (1, 634.2, (1, 2, 30, 40), "confidence 634.2"),
        (1, float("nan"), (1, 2, 30, 40), "confidence nan"),
        (1, 0.9, (30, 2, 1, 40), "inside-out box"),
        (1, 0.9, (1, 2, float("inf"), 40), "non-finite"),
    ],
)
def test_implausible_output_is_refused(
    cls: int, conf: float, box: tuple[float, ...], problem: str
) -> None:
    names = {i: str(i) for i in range(80)}
    with pytest.raises(ImplausibleOutput, match=problem):
        to_detections([box], [cls], [conf], names)


def test_zero_area_boxes_are_dropped() -> None:
    kept = to_detections([(5, 5, 5, 20), (1, 2, 3, 4)], [0, 0], [0.5, 0.6], {0: "a"})
    assert [d.confidence for d in kept] == [0.6]


def test_a_job_whose_backend_misreads_the_output_fails_refunded(
    app,
    demo,
    clip,
    cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    # Seed the app's export cache (an in-process copy of this module's export, not a new one).
    plan_backend(
        resolve_model("demo"),
        device="cpu",
        requested="onnx",
        frame_size=(640, 360),
        cache_dir=cache_dir,
    )
    dataset = app.datasets.create(demo.alice, "garbage")
    video = app.videos.upload(demo.alice, dataset.id, clip.path)
    with app.db.read() as s:
        before = _tokens(s, demo.alice.id)

    def garbage(*args: Any, **kwargs: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # What reading a pose head as a detector gave: class 83 of 3, confidence 634.2.
        return np.array([[10.0, 10.0, 50.0, 50.0]]), np.array([83]), np.array([634.2])

    monkeypatch.setattr(direct_runner, "decode", garbage)
    job = app.jobs.create(
        demo.alice, video.id, DetectionParams(device="cpu", backend="onnx", end=6)
    )
    done = app.jobs.run(demo.alice, job.id)
    assert done.status is JobStatus.FAILED
    assert done.error is not None and "not read as boxes" in done.error and "\n" not in done.error
    with app.db.read() as s:
        assert _tokens(s, demo.alice.id) == before


# -- the NumPy post-processing against Ultralytics' own NMS ------------------------------------
@pytest.mark.parametrize("task, extra", [("detect", 0), ("segment", 32), ("pose", 51), ("obb", 1)])
def test_decode_is_ultralytics_nms(task: str, extra: int) -> None:
    import_ultralytics()
    import torch
    from ultralytics.utils.nms import non_max_suppression

    from videolab.inference.yolo_postprocess import Head, decode

    rng = np.random.default_rng(7)
    nc, anchors = 3, 400
    raw = np.zeros((4 + nc + extra, anchors), dtype=np.float32)
    # Clusters of overlapping candidates (what NMS is for), with random scores and angles.
    centres = rng.uniform(50, 550, (20, 2))
    pick = rng.integers(0, 20, anchors)
    raw[0:2] = (centres[pick] + rng.normal(0, 6, (anchors, 2))).T
    raw[2:4] = rng.uniform(20, 80, (2, anchors))
    raw[4 : 4 + nc] = rng.uniform(0, 1, (nc, anchors)) ** 3
    raw[4 + nc :] = rng.uniform(-0.7, 2.3, (extra, anchors))
    head = Head.for_task(task, nc)
    for classes in (None, (1,)):
        boxes, cls, score = decode(raw, conf=0.25, iou=0.5, max_det=300, classes=classes, head=head)
        (theirs,) = non_max_suppression(
            torch.from_numpy(raw[None].copy()),
            0.25,
            0.5,
            classes=list(classes) if classes else None,
            nc=0 if task == "detect" else nc,
            rotated=task == "obb",
        )
        theirs = theirs.numpy()
        assert len(boxes) == len(theirs) > 5
        assert np.allclose(score, theirs[:, 4]) and (cls == theirs[:, 5]).all()
        if task == "obb":
            assert np.allclose(boxes, np.concatenate([theirs[:, :4], theirs[:, -1:]], 1), atol=1e-4)
        else:
            assert np.allclose(boxes, theirs[:, :4], atol=1e-3)


def test_decode_reads_an_end_to_end_head() -> None:
    from videolab.inference.yolo_postprocess import Head, decode

    rows = np.array(
        [[10, 10, 50, 50, 0.9, 2], [0, 0, 5, 5, 0.1, 0], [20, 20, 60, 70, 0.5, 1]], np.float32
    )
    boxes, cls, score = decode(rows, conf=0.25, iou=0.7, max_det=300, head=Head(3, False, True))
    assert boxes.tolist()[0] == [10, 10, 50, 50]
    assert cls.tolist() == [2, 1] and score.tolist() == pytest.approx([0.9, 0.5])
    assert decode(rows, conf=0.25, iou=0.7, max_det=1, head=Head(3, False, True))[0].shape == (1, 4)
    assert decode(rows, conf=0.25, iou=0.7, max_det=9, classes=(1,), head=Head(3, False, True))[
        1
    ].tolist() == [1]
