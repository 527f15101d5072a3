"""Measure a shape model on generated videos at the scale the app runs it (640x360, imgsz 640).

For each class: the share of frames in which each drawn shape is found (same class, IoU >= 0.5),
and the number of detections that match nothing (false positives). Run from the repo root::

    PYTHONPATH=. .venv/bin/python scripts/eval_shape_model.py resources/models/demo.pt
    PYTHONPATH=. .venv/bin/python scripts/eval_shape_model.py alt.pt --classes star,cross,ring

Prints one JSON object. The videos use seeds 100.. (training images use other seeds and are
crops, so these frames were never seen in training).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import cv2  # noqa: E402

from videolab.inference import ultralytics_env  # noqa: E402
from videolab.inference.shapes import DEMO_CLASSES  # noqa: E402
from videolab.inference.synthetic import generate_video  # noqa: E402


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def evaluate(weights: Path, classes: tuple[str, ...], videos: int, frames: int,
             device: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="videolab-eval-") as tmp:
        ultralytics_env.prepare(Path(tmp) / "ultralytics-config")
        model = ultralytics_env.import_ultralytics().YOLO(str(weights), task="detect")
        seen: dict[str, int] = {}
        found: dict[str, int] = {}
        false_positives = 0
        total_frames = 0
        started = time.perf_counter()
        for seed in range(100, 100 + videos):
            video = generate_video(Path(tmp) / f"v{seed}.mp4", seed=seed, frames=frames,
                                   classes=classes, min_shapes=2)
            cap = cv2.VideoCapture(str(video.path))
            for truth in video.boxes:
                ok, frame = cap.read()
                if not ok:
                    break
                total_frames += 1
                r = model.predict(frame, imgsz=640, conf=0.25, device=device, verbose=False)[0]
                boxes = r.boxes.xyxy.tolist()
                ids = [int(c) for c in r.boxes.cls.tolist()]
                matched: set[int] = set()
                for gt in truth:
                    name = classes[gt.class_id]
                    seen[name] = seen.get(name, 0) + 1
                    for j, (box, cid) in enumerate(zip(boxes, ids, strict=True)):
                        if j not in matched and cid == gt.class_id and iou(box, gt.box_xyxy) >= 0.5:
                            matched.add(j)
                            found[name] = found.get(name, 0) + 1
                            break
                false_positives += len(boxes) - len(matched)
            cap.release()
        seconds = time.perf_counter() - started
    return {
        "weights": str(weights),
        "frames": total_frames,
        "found_rate": {k: round(found.get(k, 0) / n, 4) for k, n in sorted(seen.items())},
        "false_positives_per_frame": round(false_positives / max(total_frames, 1), 3),
        "fps": round(total_frames / seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("weights", type=Path)
    parser.add_argument("--classes", default=",".join(DEMO_CLASSES))
    parser.add_argument("--videos", type=int, default=6)
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    classes = tuple(c.strip() for c in args.classes.split(",") if c.strip())
    print(json.dumps(evaluate(args.weights, classes, args.videos, args.frames, args.device)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
