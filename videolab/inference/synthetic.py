"""Reproducible synthetic videos of moving shapes, and YOLO training sets of the same frames.

Everything is drawn at a fixed pixel scale (shapes of 30-58 px on textured backgrounds whose
texture is defined in pixels), so a 320x320 training image is statistically a crop of a
640x360 video frame. That matters: YOLO is scale-sensitive, and a model trained on other
sizes misses shapes at the sizes the videos show.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from videolab.inference import shapes
from videolab.inference.shapes import DEMO_CLASSES

__all__ = [
    "DEMO_CLASSES",
    "GroundTruthBox",
    "SyntheticVideo",
    "generate_video",
    "render_background",
    "write_yolo_dataset",
]

Image = npt.NDArray[np.uint8]

MIN_SIZE, MAX_SIZE = 30, 58
# Shapes wobble by at most this many radians, so boxes stay close to the nominal size.
_MAX_TILT = 0.2


@dataclass(frozen=True)
class GroundTruthBox:
    """A shape drawn in a frame: its class id and exact box (x1, y1, x2, y2) in pixels."""

    class_id: int
    box_xyxy: tuple[float, float, float, float]


@dataclass(frozen=True)
class SyntheticVideo:
    """A generated video file and what is really in each of its frames."""

    path: Path
    classes: tuple[str, ...]
    fps: float
    width: int
    height: int
    boxes: tuple[tuple[GroundTruthBox, ...], ...]  # one entry per frame

    @property
    def frame_count(self) -> int:
        return len(self.boxes)


def render_background(rng: np.random.Generator, width: int, height: int) -> Image:
    """A textured background: a gradient, blotches of ~50-130 px and fine grain."""
    base = rng.uniform(50, 205, size=3)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    direction = rng.uniform(0, 2 * math.pi)
    ramp = (np.cos(direction) * xx + np.sin(direction) * yy) / 640.0
    gradient = ramp[..., None] * rng.uniform(-40, 40, size=3).astype(np.float32)
    layers = [gradient]
    for cell, strength in ((rng.uniform(50, 130), 28.0), (rng.uniform(6, 14), 12.0)):
        grid = rng.normal(0, strength, size=(int(height / cell) + 2, int(width / cell) + 2, 3))
        # Bilinear: the interpolation the demo model was trained with.
        layers.append(cv2.resize(grid.astype(np.float32), (width, height)))
    img = base.astype(np.float32) + sum(layers)
    return np.clip(img, 0, 255).astype(np.uint8)


def _contrasting_colour(rng: np.random.Generator, background: Image) -> tuple[int, int, int]:
    """A saturated colour whose brightness stands out from the background's."""
    luma = float(background.mean())
    value = rng.uniform(0, 0.45) if luma > 128 else rng.uniform(0.65, 1.0)
    hsv = np.array([[[rng.uniform(0, 180), rng.uniform(80, 255), value * 255]]], dtype=np.uint8)
    b, g, r = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0]
    return int(b), int(g), int(r)


def _add_grain(rng: np.random.Generator, img: Image, sigma: float) -> Image:
    noise = rng.normal(0, sigma, size=img.shape).astype(np.float32)
    # In place: the same pixels as clip(img + noise) with two fewer frame-sized temporaries,
    # a third less CPU for the demo video that `init --demo` generates.
    noise += img
    np.clip(noise, 0, 255, out=noise)
    return noise.astype(np.uint8)


@dataclass
class _Mover:
    kind: str
    class_id: int
    size: float
    x: float
    y: float
    vx: float
    vy: float
    tilt0: float
    tilt_speed: float
    colour: tuple[int, int, int]

    def polys(self, t: int) -> shapes.Outline:
        angle = self.tilt0 * math.cos(self.tilt_speed * t)
        return shapes.outline(self.kind, self.size, angle)

    def box_at(self, x: float, y: float, t: int) -> tuple[float, float, float, float]:
        x1, y1, x2, y2 = shapes.extent(self.polys(t))
        return x + x1, y + y1, x + x2, y + y2


def _overlap(a: tuple[float, ...], b: tuple[float, ...], margin: float) -> bool:
    return not (
        a[2] + margin <= b[0]
        or b[2] + margin <= a[0]
        or a[3] + margin <= b[1]
        or b[3] + margin <= a[1]
    )


def _inside(box: tuple[float, ...], width: int, height: int) -> bool:
    return box[0] >= 1 and box[1] >= 1 and box[2] <= width - 1 and box[3] <= height - 1


def _place(
    rng: np.random.Generator,
    kinds: list[tuple[int, str]],
    width: int,
    height: int,
    background: Image,
    min_size: int,
    max_size: int,
) -> list[_Mover]:
    """Put shapes at random non-overlapping positions; drop the ones that do not fit."""
    movers: list[_Mover] = []
    for class_id, kind in kinds:
        for _attempt in range(50):
            size = float(rng.uniform(min_size, max_size))
            speed = rng.uniform(1.0, 4.0)
            heading = rng.uniform(0, 2 * math.pi)
            m = _Mover(
                kind=kind,
                class_id=class_id,
                size=size,
                x=float(rng.uniform(size, width - size)),
                y=float(rng.uniform(size, height - size)),
                vx=float(speed * math.cos(heading)),
                vy=float(speed * math.sin(heading)),
                tilt0=float(rng.uniform(-_MAX_TILT, _MAX_TILT)),
                tilt_speed=float(rng.uniform(0.02, 0.1)),
                colour=_contrasting_colour(rng, background),
            )
            box = m.box_at(m.x, m.y, 0)
            if _inside(box, width, height) and not any(
                _overlap(box, o.box_at(o.x, o.y, 0), 6) for o in movers
            ):
                movers.append(m)
                break
    return movers


def _step(movers: list[_Mover], t: int, width: int, height: int) -> None:
    """Move every shape one frame, bouncing off the borders and off each other.

    A move that would leave the frame or touch another shape is undone and the velocity
    reversed, so shapes never overlap and ground truth is never occluded.
    """
    for i, m in enumerate(movers):
        for axis in ("x", "y"):
            nx = m.x + (m.vx if axis == "x" else 0.0)
            ny = m.y + (m.vy if axis == "y" else 0.0)
            box = m.box_at(nx, ny, t)
            blocked = not _inside(box, width, height) or any(
                _overlap(box, o.box_at(o.x, o.y, t), 2) for j, o in enumerate(movers) if j != i
            )
            if blocked:
                if axis == "x":
                    m.vx = -m.vx
                else:
                    m.vy = -m.vy
            else:
                m.x, m.y = nx, ny


def _pick_kinds(
    rng: np.random.Generator, classes: tuple[str, ...], min_shapes: int, max_shapes: int
) -> list[tuple[int, str]]:
    count = int(rng.integers(min_shapes, min(max_shapes, len(classes)) + 1))
    ids = sorted(rng.choice(len(classes), size=count, replace=False).tolist())
    return [(i, classes[i]) for i in ids]


def _render(
    background: Image, movers: list[_Mover], t: int, rng: np.random.Generator, grain: float
) -> tuple[Image, tuple[GroundTruthBox, ...]]:
    frame = background.copy()
    truth = []
    for m in movers:
        box = shapes.draw(frame, m.polys(t), (m.x, m.y), m.colour)
        truth.append(GroundTruthBox(m.class_id, box))
    return _add_grain(rng, frame, grain), tuple(truth)


def generate_video(
    path: Path,
    *,
    seed: int = 0,
    frames: int = 72,
    fps: float = 24.0,
    size: tuple[int, int] = (640, 360),
    classes: tuple[str, ...] = DEMO_CLASSES,
    min_shapes: int = 1,
    max_shapes: int = 4,
) -> SyntheticVideo:
    """Write an mp4 of 1-4 distinct moving shapes from `classes`; return its ground truth.

    The same arguments always give the same frames and boxes (class ids index `classes`).
    """
    shapes.check_classes(classes)
    width, height = size
    rng = np.random.default_rng(seed)
    background = render_background(rng, width, height)
    kinds = _pick_kinds(rng, classes, min_shapes, max_shapes)
    movers = _place(rng, kinds, width, height, background, MIN_SIZE, MAX_SIZE)
    grain = float(rng.uniform(2.0, 6.0))
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write an mp4 video to {path}.")
    boxes: list[tuple[GroundTruthBox, ...]] = []
    try:
        for t in range(frames):
            if t:
                _step(movers, t, width, height)
            frame, truth = _render(background, movers, t, rng, grain)
            writer.write(frame)
            boxes.append(truth)
    finally:
        writer.release()
    return SyntheticVideo(path, classes, fps, width, height, tuple(boxes))


def _training_image(
    rng: np.random.Generator,
    classes: tuple[str, ...],
    image_size: int,
    frame_size: tuple[int, int],
    max_shapes: int,
) -> tuple[Image, tuple[GroundTruthBox, ...]]:
    """A crop of a video-like frame with shapes placed inside it at video scale."""
    width, height = frame_size
    full = render_background(rng, width, height)
    cw, ch = min(image_size, width), min(image_size, height)
    x0, y0 = int(rng.integers(0, width - cw + 1)), int(rng.integers(0, height - ch + 1))
    background = np.ascontiguousarray(full[y0 : y0 + ch, x0 : x0 + cw])
    # About one image in 20 is background only, so the model learns that texture is not a shape.
    kinds = [] if rng.random() < 0.05 else _pick_kinds(rng, classes, 1, max_shapes)
    movers = _place(rng, kinds, cw, ch, background, MIN_SIZE, MAX_SIZE)
    t = int(rng.integers(0, 200))  # a random moment of the tilt wobble
    return _render(background, movers, t, rng, float(rng.uniform(2.0, 6.0)))


def _yolo_label(truth: tuple[GroundTruthBox, ...], width: int, height: int) -> str:
    lines = []
    for gt in truth:
        x1, y1, x2, y2 = gt.box_xyxy
        cx, cy = (x1 + x2) / 2 / width, (y1 + y2) / 2 / height
        w, h = (x2 - x1) / width, (y2 - y1) / height
        lines.append(f"{gt.class_id} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}")
    return "\n".join(lines) + ("\n" if lines else "")


def write_yolo_dataset(
    root: Path,
    *,
    classes: tuple[str, ...] = DEMO_CLASSES,
    train_images: int = 400,
    val_images: int = 80,
    seed: int = 0,
    image_size: int = 320,
    frame_size: tuple[int, int] = (640, 360),
    max_shapes: int = 4,
) -> Path:
    """Write a YOLO detection dataset (images/, labels/, data.yaml) under `root`.

    Images are `image_size` square crops of `frame_size` frames rendered like the videos of
    `generate_video`, JPEG-compressed at varying quality to mimic video artifacts. Each image
    has its own seed, so the set is identical however it is generated. Returns data.yaml.
    """
    shapes.check_classes(classes)
    for split_id, (split, count) in enumerate((("train", train_images), ("val", val_images))):
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            rng = np.random.default_rng([seed, split_id, i])
            img, truth = _training_image(rng, classes, image_size, frame_size, max_shapes)
            name = f"{split}_{i:05d}"
            quality = int(rng.integers(60, 96))
            cv2.imwrite(
                str(root / "images" / split / f"{name}.jpg"),
                img,
                [cv2.IMWRITE_JPEG_QUALITY, quality],
            )
            label = _yolo_label(truth, img.shape[1], img.shape[0])
            (root / "labels" / split / f"{name}.txt").write_text(label)
    data_yaml = root / "data.yaml"
    # JSON is valid YAML, and writing it needs no YAML library.
    spec = {
        "path": str(root.resolve()),
        "train": "images/train",
        "val": "images/val",
        "names": dict(enumerate(classes)),
    }
    data_yaml.write_text(json.dumps(spec, indent=2) + "\n")
    return data_yaml
