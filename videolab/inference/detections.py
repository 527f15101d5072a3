"""A detection in original-frame pixels, as every stage and the result JSON see it.

Every backend's boxes pass through ``to_detections``, which is also the guard against a
backend that read its model's output wrongly: a class the model does not have, a confidence
outside 0..1 or a box that is not a box can only come from misread output, and a job must not
finish (and be charged) with it. ``ImplausibleOutput`` fails the job instead, fully refunded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from videolab.domain.errors import InvalidInput, VideoLabError


class ImplausibleOutput(VideoLabError):
    """A backend produced output no detector can produce (the job fails, refunded)."""


@dataclass(frozen=True)
class Detection:
    class_id: int
    class_name: str
    confidence: float
    box_xyxy: tuple[float, float, float, float]
    # An oriented box (centre x, centre y, width, height, angle in radians, clockwise in image
    # coordinates); ``box_xyxy`` is then its axis-aligned envelope.
    box_xywhr: tuple[float, float, float, float, float] | None = None
    # Set by a tracker: the object's identity (1, 2, ...); None when the tracker has not (yet)
    # confirmed a track for this box.
    track_id: int | None = None

    def to_json(self, *, tracked: bool = False) -> dict[str, Any]:
        """JSON of the detection; a tracked job's detections all carry ``track_id`` (maybe null)."""
        out: dict[str, Any] = {
            "class_id": self.class_id,
            "class_name": self.class_name,
            "confidence": round(self.confidence, 4),
            "box_xyxy": [round(v, 2) for v in self.box_xyxy],
        }
        if self.box_xywhr is not None:
            out["box_xywhr"] = [round(v, 2) for v in self.box_xywhr[:4]] + [
                round(self.box_xywhr[4], 4)
            ]
        if tracked:
            out["track_id"] = self.track_id
        return out


def to_detections(
    xyxy: Iterable[Any],
    class_ids: Iterable[Any],
    scores: Iterable[Any],
    names: Mapping[int, str],
    xywhr: Iterable[Any] | None = None,
) -> list[Detection]:
    """Detections from parallel arrays of boxes (x1, y1, x2, y2), class ids and confidences
    (and rotated boxes, for an oriented-box model). Raises ImplausibleOutput on output no
    model can produce; drops boxes of zero area, which lie wholly in the letterbox padding
    outside the picture and show nothing."""
    rotated = list(xywhr) if xywhr is not None else None
    out = []
    for i, (b, c, p) in enumerate(zip(xyxy, class_ids, scores, strict=True)):
        box = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
        r = rotated[i] if rotated is not None else None
        rbox = tuple(float(v) for v in r[:5]) if r is not None else None
        det = Detection(int(c), names.get(int(c), str(int(c))), float(p), box, rbox)  # type: ignore[arg-type]
        _check(det, names)
        if box[2] > box[0] and box[3] > box[1]:
            out.append(det)
    return out


def _check(det: Detection, names: Mapping[int, str]) -> None:
    values = det.box_xyxy + (det.box_xywhr or ())
    problem = None
    if not 0.0 <= det.confidence <= 1.0:  # also catches NaN
        problem = f"confidence {det.confidence:g}"
    elif det.class_id < 0 or (names and det.class_id not in names):
        problem = f"class {det.class_id} of a model with {len(names)} classes"
    elif not all(math.isfinite(v) for v in values):
        problem = "a box with non-finite coordinates"
    elif det.box_xyxy[2] < det.box_xyxy[0] or det.box_xyxy[3] < det.box_xyxy[1]:
        problem = f"an inside-out box {[round(v, 1) for v in det.box_xyxy]}"
    if problem is not None:
        raise ImplausibleOutput(
            f"The model's output was not read as boxes ({problem}); the job was stopped and "
            "not charged. Please report this model and backend."
        )


def check_class_ids(
    classes: tuple[int, ...] | None, names: Mapping[int, str], model_name: str
) -> None:
    """Raise InvalidInput naming class ids the model does not have (nothing to check without
    names)."""
    if classes is None or not names:
        return
    unknown = sorted(set(classes) - set(names))
    if unknown:
        raise InvalidInput(
            f"Class id(s) {', '.join(map(str, unknown))} do not exist in {model_name}"
            f" (it knows {', '.join(f'{k}={v}' for k, v in sorted(names.items()))})."
        )
