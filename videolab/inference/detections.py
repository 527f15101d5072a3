"""A detection in original-frame pixels, as every stage and the result JSON see it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from videolab.domain.errors import InvalidInput


@dataclass(frozen=True)
class Detection:
    class_id: int
    class_name: str
    confidence: float
    box_xyxy: tuple[float, float, float, float]
    # Set by a tracker: the object's identity (1, 2, ...); None when the tracker has not (yet)
    # confirmed a track for this box.
    track_id: int | None = None

    def to_json(self, *, tracked: bool = False) -> dict[str, Any]:
        """JSON of the detection; a tracked job's detections all carry ``track_id`` (maybe null)."""
        data: dict[str, Any] = {
            "class_id": self.class_id,
            "class_name": self.class_name,
            "confidence": round(self.confidence, 4),
            "box_xyxy": [round(v, 2) for v in self.box_xyxy],
        }
        if tracked:
            data["track_id"] = self.track_id
        return data


def to_detections(
    xyxy: Iterable[Any], class_ids: Iterable[Any], scores: Iterable[Any], names: Mapping[int, str]
) -> list[Detection]:
    """Detections from parallel arrays of boxes (x1, y1, x2, y2), class ids and confidences."""
    return [
        Detection(
            int(c),
            names.get(int(c), str(int(c))),
            float(p),
            (float(b[0]), float(b[1]), float(b[2]), float(b[3])),
        )
        for b, c, p in zip(xyxy, class_ids, scores, strict=True)
    ]


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
