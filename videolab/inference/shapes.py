"""Geometry and drawing of the synthetic shapes the demo model (and test models) learn.

A shape is drawn from an outline in pixels around its centre, so the ground-truth box is the
outline's exact extent rather than a guess from the nominal size.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Outline = list[FloatArray]
"""Polygons (N x 2, pixels relative to the centre); the first is the outer boundary and any
later ones are holes (the ring)."""

# Classes of the shipped demo model, in class-id order.
DEMO_CLASSES: tuple[str, ...] = ("square", "disc", "triangle")

# Sub-pixel precision for cv2 drawing: coordinates are multiplied by 2**_SHIFT.
_SHIFT = 4


def _regular(n: int, radius: float, angle: float, phase: float = 0.0) -> FloatArray:
    t = angle + phase + np.arange(n) * (2 * math.pi / n)
    return np.stack([radius * np.cos(t), radius * np.sin(t)], axis=1)


def _rotate(points: FloatArray, angle: float) -> FloatArray:
    c, s = math.cos(angle), math.sin(angle)
    rotation = np.array([[c, -s], [s, c]])
    return points @ rotation.T


def _square(size: float, angle: float) -> Outline:
    h = size / 2
    return [_rotate(np.array([[-h, -h], [h, -h], [h, h], [-h, h]], dtype=np.float64), angle)]


def _disc(size: float, angle: float) -> Outline:
    return [_regular(64, size / 2, angle)]


def _triangle(size: float, angle: float) -> Outline:
    # Equilateral triangle with its side equal to `size`, pointing up before rotation; centred
    # on its bounding box (not its centroid) so a small rotation keeps it inside the frame.
    height = size * math.sqrt(3) / 2
    pts = np.array([[0.0, -height / 2], [size / 2, height / 2], [-size / 2, height / 2]])
    return [_rotate(pts, angle)]


def _star(size: float, angle: float) -> Outline:
    outer = _regular(5, size / 2, angle, -math.pi / 2)
    inner = _regular(5, size / 5, angle, -math.pi / 2 + math.pi / 5)
    pts = np.empty((10, 2))
    pts[0::2], pts[1::2] = outer, inner
    return [pts]


def _cross(size: float, angle: float) -> Outline:
    h, a = size / 2, size / 6  # arm half-length and half-width
    pts = np.array(
        [[-a, -h], [a, -h], [a, -a], [h, -a], [h, a], [a, a],
         [a, h], [-a, h], [-a, a], [-h, a], [-h, -a], [-a, -a]],
        dtype=np.float64,
    )
    return [_rotate(pts, angle)]


def _ring(size: float, angle: float) -> Outline:
    return [_regular(64, size / 2, angle), _regular(64, size * 0.3, angle)]


def _diamond(size: float, angle: float) -> Outline:
    return [_regular(4, size / 2, angle, math.pi / 2)]


def _hexagon(size: float, angle: float) -> Outline:
    return [_regular(6, size / 2, angle)]


SHAPES: dict[str, Callable[[float, float], Outline]] = {
    "square": _square,
    "disc": _disc,
    "triangle": _triangle,
    "star": _star,
    "cross": _cross,
    "ring": _ring,
    "diamond": _diamond,
    "hexagon": _hexagon,
}


def check_classes(classes: tuple[str, ...]) -> None:
    """Raise ValueError when a class name has no drawer or appears twice."""
    unknown = [c for c in classes if c not in SHAPES]
    if unknown:
        raise ValueError(f"Unknown shape(s) {unknown}; known shapes are {sorted(SHAPES)}.")
    if len(set(classes)) != len(classes) or not classes:
        raise ValueError(f"Shape classes must be distinct and non-empty, got {classes}.")


def outline(kind: str, size: float, angle: float) -> Outline:
    """Polygons of shape `kind` with nominal size `size` px, rotated by `angle` radians."""
    return SHAPES[kind](size, angle)


def extent(polys: Outline) -> tuple[float, float, float, float]:
    """Bounding box (x1, y1, x2, y2) of an outline relative to its centre."""
    outer = polys[0]
    return (
        float(outer[:, 0].min()),
        float(outer[:, 1].min()),
        float(outer[:, 0].max()),
        float(outer[:, 1].max()),
    )


def draw(
    frame: npt.NDArray[np.uint8],
    polys: Outline,
    centre: tuple[float, float],
    colour: tuple[int, int, int],
) -> tuple[float, float, float, float]:
    """Draw an anti-aliased filled outline on `frame` in place; return its box in pixels.

    The shape is composited through a soft mask so holes (the ring) show the background.
    """
    x1, y1, x2, y2 = extent(polys)
    cx, cy = centre
    box = (cx + x1, cy + y1, cx + x2, cy + y2)
    # Work in a small patch around the shape: drawing full-frame masks is 50x slower.
    px1, py1 = max(0, math.floor(box[0]) - 2), max(0, math.floor(box[1]) - 2)
    px2 = min(frame.shape[1], math.ceil(box[2]) + 2)
    py2 = min(frame.shape[0], math.ceil(box[3]) + 2)
    mask = np.zeros((py2 - py1, px2 - px1), dtype=np.uint8)
    scale = 1 << _SHIFT
    for i, poly in enumerate(polys):
        pts = np.round((poly + (cx - px1, cy - py1)) * scale).astype(np.int32)
        cv2.fillPoly(mask, [pts], 255 if i == 0 else 0, cv2.LINE_AA, _SHIFT)
    alpha = mask.astype(np.float32)[..., None] / 255.0
    patch = frame[py1:py2, px1:px2].astype(np.float32)
    blended = patch * (1.0 - alpha) + np.array(colour, dtype=np.float32) * alpha
    frame[py1:py2, px1:px2] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)
    return box
