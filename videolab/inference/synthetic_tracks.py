"""A synthetic clip of shapes with identities, and its ground-truth tracks (MOTChallenge style).

Unlike ``synthetic.generate_video`` (shapes that never touch, for detection accuracy), these
shapes follow scripted paths that cross, pass in front of one another (a painter's order by
depth, so the one behind is partly or wholly hidden), leave the frame and come back. Each
object keeps its identity throughout, which is what a tracker is measured against. Ground
truth records the full box (clipped to the frame) and its visibility: the fraction of the
shape's pixels that are on screen and not covered by a shape in front.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from videolab.inference import shapes
from videolab.inference.shapes import DEMO_CLASSES
from videolab.inference.synthetic import render_background

Image = npt.NDArray[np.uint8]
Keyframe = tuple[int, float, float]  # (frame, centre x, centre y)


@dataclass(frozen=True)
class ScriptedObject:
    """One object: its class, size, depth (larger = nearer) and a piecewise-linear path.

    It exists from its first keyframe to its last; between keyframes it moves in a straight
    line at constant speed.
    """

    class_name: str
    size: float
    depth: int
    keys: tuple[Keyframe, ...]

    def centre(self, t: int) -> tuple[float, float] | None:
        if t < self.keys[0][0] or t > self.keys[-1][0]:
            return None
        for (t0, x0, y0), (t1, x1, y1) in zip(self.keys, self.keys[1:], strict=False):
            if t0 <= t <= t1:
                a = (t - t0) / (t1 - t0)
                return x0 + a * (x1 - x0), y0 + a * (y1 - y0)
        return self.keys[-1][1], self.keys[-1][2]


# 640x360 at 24 fps, 240 frames (10 s). Objects cross (A/B at x~320, C/D at x~335), pass in
# front of each other, leave and re-enter (E goes out on the right for ~2 s and comes back),
# and appear late (G). The vertical line x=200 is crossed at moments with no occlusion.
SCENE: tuple[ScriptedObject, ...] = (
    ScriptedObject("square", 44, 1, ((0, -30.0, 90.0), (239, 690.0, 90.0))),
    ScriptedObject("disc", 46, 2, ((0, 670.0, 102.0), (239, -50.0, 102.0))),
    ScriptedObject("triangle", 48, 2, ((0, 40.0, 200.0), (239, 520.0, 215.0))),
    ScriptedObject("square", 42, 1, ((20, 660.0, 208.0), (239, 100.0, 205.0))),
    ScriptedObject(
        "disc", 40, 0, ((0, 420.0, 300.0), (55, 700.0, 300.0), (85, 700.0, 300.0),
                        (239, 60.0, 300.0))
    ),
    ScriptedObject("triangle", 46, 3, ((60, 100.0, -30.0), (200, 560.0, 390.0))),
    ScriptedObject("square", 50, 0, ((150, 500.0, -30.0), (239, 470.0, 250.0))),
)
COLOURS_BGR: tuple[tuple[int, int, int], ...] = (
    (40, 40, 220), (220, 60, 40), (30, 200, 240), (200, 40, 200),
    (40, 190, 60), (250, 250, 250), (20, 20, 20),
)


@dataclass(frozen=True)
class TruthBox:
    """An object in a frame: identity (1, 2, ...), class id, box clipped to the frame and
    the visible fraction of its pixels (0 = wholly hidden or off screen)."""

    track_id: int
    class_id: int
    box_xyxy: tuple[float, float, float, float]
    visibility: float


@dataclass(frozen=True)
class TrackedClip:
    path: Path
    classes: tuple[str, ...]
    fps: float
    width: int
    height: int
    truth: tuple[tuple[TruthBox, ...], ...]  # one entry per frame; only boxes with visibility>0
    scene: tuple[ScriptedObject, ...] = SCENE

    @property
    def frame_count(self) -> int:
        return len(self.truth)

    def centres(self, track_id: int) -> dict[int, tuple[float, float]]:
        """Frame index -> true centre of ``track_id``'s shape (even where hidden or clipped),
        from the script: what line-crossing ground truth is measured on."""
        obj = self.scene[track_id - 1]
        out: dict[int, tuple[float, float]] = {}
        for t in range(self.frame_count):
            c = obj.centre(t)
            if c is not None:
                out[t] = c
        return out

    def mot_lines(self) -> list[str]:
        """MOTChallenge gt.txt lines: frame (1-based), id, left, top, width, height, 1, class
        id + 1, visibility."""
        lines = []
        for index, boxes in enumerate(self.truth):
            for b in boxes:
                x1, y1, x2, y2 = b.box_xyxy
                lines.append(
                    f"{index + 1},{b.track_id},{x1:.2f},{y1:.2f},{x2 - x1:.2f},{y2 - y1:.2f},"
                    f"1,{b.class_id + 1},{b.visibility:.3f}"
                )
        return lines


def _mask(polys: shapes.Outline, centre: tuple[float, float], size: tuple[int, int]) -> Image:
    width, height = size
    mask = np.zeros((height, width), dtype=np.uint8)
    scale = 16
    for i, poly in enumerate(polys):
        pts = np.round((poly + centre) * scale).astype(np.int32)
        cv2.fillPoly(mask, [pts], 1 if i == 0 else 0, cv2.LINE_8, 4)
    return mask


def generate_tracked_video(
    path: Path,
    *,
    seed: int = 0,
    fps: float = 24.0,
    scene: tuple[ScriptedObject, ...] = SCENE,
    frames: int = 240,
    size: tuple[int, int] = (640, 360),
    classes: tuple[str, ...] = DEMO_CLASSES,
) -> TrackedClip:
    """Write ``scene`` as an mp4 (``seed`` picks the background and grain) and return the
    ground-truth tracks. Object ``i`` of ``scene`` is track ``i + 1``."""
    shapes.check_classes(classes)
    width, height = size
    rng = np.random.default_rng(seed)
    background = render_background(rng, width, height)
    order = sorted(range(len(scene)), key=lambda i: scene[i].depth)  # far to near
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write an mp4 video to {path}.")
    truth: list[tuple[TruthBox, ...]] = []
    try:
        for t in range(frames):
            frame = background.copy()
            owner = np.zeros((height, width), dtype=np.int16)  # nearest object per pixel
            drawn: dict[int, tuple[tuple[float, float, float, float], int]] = {}
            for i in order:
                obj = scene[i]
                centre = obj.centre(t)
                if centre is None:
                    continue
                angle = 0.15 * math.sin(0.05 * t + i)
                polys = shapes.outline(obj.class_name, obj.size, angle)
                x1, y1, x2, y2 = shapes.extent(polys)
                cx, cy = centre
                full = (cx + x1, cy + y1, cx + x2, cy + y2)
                if full[2] <= 0 or full[0] >= width or full[3] <= 0 or full[1] >= height:
                    continue
                # Whole-shape pixel count, off-screen part included, from an unclipped
                # patch: the visible fraction is then on-screen-and-uncovered / all.
                patch_w, patch_h = math.ceil(x2 - x1) + 4, math.ceil(y2 - y1) + 4
                whole = int(_mask(polys, (-x1 + 2, -y1 + 2), (patch_w, patch_h)).sum())
                mask = _mask(polys, centre, size).astype(bool)
                owner[mask] = i + 1
                shapes.draw(frame, polys, centre, COLOURS_BGR[i % len(COLOURS_BGR)])
                drawn[i] = (full, whole)
            boxes = []
            for i, (full, whole) in sorted(drawn.items()):
                visible = int((owner == i + 1).sum())
                if visible == 0:
                    continue
                clipped = (
                    max(0.0, full[0]), max(0.0, full[1]),
                    min(float(width), full[2]), min(float(height), full[3]),
                )
                boxes.append(
                    TruthBox(
                        i + 1,
                        classes.index(scene[i].class_name),
                        clipped,
                        round(visible / max(whole, 1), 3),
                    )
                )
            noise = rng.normal(0, 3.0, size=frame.shape).astype(np.float32)
            writer.write(np.clip(frame.astype(np.float32) + noise, 0, 255).astype(np.uint8))
            truth.append(tuple(boxes))
    finally:
        writer.release()
    return TrackedClip(path, classes, fps, width, height, tuple(truth), scene)
