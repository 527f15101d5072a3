"""Detection on generated videos: real boxes, compared with ground truth and with Ultralytics.

Two models: the shipped `demo` (square, disc, triangle) and one with other classes (star,
cross, ring) trained by the same script from the demo weights (`data/alt_shapes.json` beside this
file records the arguments and metrics).
"""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest

from videolab.domain.params import DetectionParams
from videolab.inference.detections import Detection
from videolab.inference.models import ResolvedModel, resolve_model
from videolab.inference.pipeline import DetectionOutcome, run_detection
from videolab.inference.synthetic import SyntheticVideo, generate_video

ALT_MODEL = Path(__file__).resolve().parent / "data" / "alt_shapes.pt"
MODELS = {
    "demo": ("square", "disc", "triangle"),
    "alt": ("star", "cross", "ring"),
}


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def model_for(name: str) -> ResolvedModel:
    if name == "demo":
        return resolve_model("demo")
    if not ALT_MODEL.is_file():
        pytest.fail(f"{ALT_MODEL} is missing; train it with scripts/train_demo_model.py")
    return resolve_model(str(ALT_MODEL), allow_untrusted=True)


@pytest.fixture(scope="module", params=sorted(MODELS))
def detected(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[str, SyntheticVideo, DetectionOutcome, Path]:
    name = request.param
    folder = tmp_path_factory.mktemp(name)
    clip = generate_video(folder / "clip.mp4", seed=21, frames=48, classes=MODELS[name],
                          min_shapes=2, max_shapes=3)
    params = DetectionParams(model=name, device="cpu", backend="torch")
    outcome = run_detection(clip.path, params, model=model_for(name),
                            out_zip=folder / "out.zip", cancel=threading.Event())
    return name, clip, outcome, folder / "out.zip"


def test_each_shape_is_found_in_at_least_95_percent_of_frames(
    detected: tuple[str, SyntheticVideo, DetectionOutcome, Path]
) -> None:
    name, clip, outcome, _ = detected
    frames = outcome.result_json["frames"]
    assert [f["index"] for f in frames] == list(range(clip.frame_count))
    seen: dict[int, int] = {}
    found: dict[int, int] = {}
    for frame, truth in zip(frames, clip.boxes, strict=True):
        for box in truth:
            seen[box.class_id] = seen.get(box.class_id, 0) + 1
            if any(d["class_id"] == box.class_id and iou(d["box_xyxy"], box.box_xyxy) >= 0.5
                   for d in frame["detections"]):
                found[box.class_id] = found.get(box.class_id, 0) + 1
    assert len(seen) >= 2, "the clip should show several shapes"
    for class_id, count in seen.items():
        rate = found.get(class_id, 0) / count
        assert rate >= 0.95, f"{name}: {clip.classes[class_id]} found in {rate:.0%} of frames"


def test_boxes_equal_ultralytics_own_predict(
    detected: tuple[str, SyntheticVideo, DetectionOutcome, Path]
) -> None:
    from videolab.inference.ultralytics_env import import_ultralytics

    name, clip, outcome, _ = detected
    yolo = import_ultralytics().YOLO(str(model_for(name).path), task="detect")
    capture = cv2.VideoCapture(str(clip.path))
    try:
        for frame_json in outcome.result_json["frames"][::4]:
            capture.set(cv2.CAP_PROP_POS_FRAMES, frame_json["index"])
            ok, frame = capture.read()
            assert ok
            theirs = _their_boxes(yolo, frame)
            ours = frame_json["detections"]
            assert len(ours) == len(theirs), f"frame {frame_json['index']}"
            for mine, other in zip(sorted(ours, key=_key), sorted(theirs, key=_key),
                                   strict=True):
                assert mine["class_id"] == other.class_id
                assert iou(mine["box_xyxy"], other.box_xyxy) >= 0.9
    finally:
        capture.release()


def _key(d: dict | Detection) -> tuple[int, float]:  # type: ignore[type-arg]
    if isinstance(d, Detection):
        return d.class_id, d.box_xyxy[0]
    return int(d["class_id"]), float(d["box_xyxy"][0])


def _their_boxes(yolo: object, frame: np.ndarray) -> list[Detection]:
    result = yolo.predict(frame, conf=0.25, iou=0.7, imgsz=640, max_det=300,  # type: ignore[attr-defined]
                          device="cpu", verbose=False)[0]
    return [Detection(int(c), "", float(p), tuple(float(v) for v in b))  # type: ignore[arg-type]
            for b, c, p in zip(result.boxes.xyxy.tolist(), result.boxes.cls.tolist(),
                               result.boxes.conf.tolist(), strict=True)]


def test_zip_holds_one_jpeg_per_processed_frame_named_by_video_index(
    detected: tuple[str, SyntheticVideo, DetectionOutcome, Path]
) -> None:
    _, clip, outcome, zip_path = detected
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        assert names == [f"frame_{i:06d}.jpg" for i in range(clip.frame_count)]
        image = cv2.imdecode(np.frombuffer(archive.read(names[3]), np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (clip.height, clip.width, 3)
    summary = outcome.result_json["summary"]
    assert summary["processed_frames"] == clip.frame_count
    assert sum(summary["per_class"].values()) == sum(
        len(f["detections"]) for f in outcome.result_json["frames"])
