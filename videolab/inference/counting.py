"""Counts by line and zone, computed from a tracked result's stored tracks (no detection).

Supervision's ``LineZone`` and ``PolygonZone`` do the geometry, fed the result's frames in
order. An object is where its box centre is:
- a line counts an object when its centre crosses the segment; ``in`` is a crossing to the
  left of the line as drawn from its first point to its second (on screen, y down: for a line
  drawn left to right, ``in`` is upwards), ``out`` the other way;
- a zone's occupancy is, per processed frame, the tracked objects whose centre is inside.
Each object counts under its track's class (the majority vote in ``tracks``), so one object
is one class even if the detector wavered.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from videolab.domain.errors import Cancelled, InvalidInput
from videolab.inference.tracking import summarize_tracks

COUNTS_CSV_HEADER = ("kind", "name", "class_name", "in", "out", "frame", "time_s", "occupancy")


@dataclass(frozen=True)
class CountingLine:
    name: str
    points: tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class CountingZone:
    name: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class LineCount:
    line: str
    class_name: str
    in_count: int
    out_count: int


@dataclass(frozen=True)
class ZoneSample:
    zone: str
    frame: int
    time_s: float
    class_name: str
    occupancy: int


@dataclass(frozen=True)
class Counts:
    lines: tuple[LineCount, ...]
    zones: tuple[ZoneSample, ...]

    def csv_rows(self) -> list[list[Any]]:
        """Rows under ``COUNTS_CSV_HEADER``: line totals first, then zone occupancy."""
        rows: list[list[Any]] = [
            ["line", c.line, c.class_name, c.in_count, c.out_count, "", "", ""]
            for c in self.lines
        ]
        rows += [
            ["zone", z.zone, z.class_name, "", "", z.frame, z.time_s, z.occupancy]
            for z in self.zones
        ]
        return rows


def _numbers(text: str, what: str) -> list[float]:
    try:
        values = [float(v) for v in text.replace(" ", "").split(",") if v != ""]
    except ValueError:
        raise InvalidInput(
            f"A {what} is a list of numbers x1,y1,x2,y2,...; got {text!r}."
        ) from None
    if len(values) % 2 or not all(np.isfinite(values)):
        raise InvalidInput(f"A {what} needs x,y pairs of finite numbers; got {text!r}.")
    return values


def parse_line(text: str, name: str) -> CountingLine:
    """``x1,y1,x2,y2`` in video pixels."""
    v = _numbers(text, "line")
    if len(v) != 4:
        raise InvalidInput(f"A line is x1,y1,x2,y2 (two points); got {text!r}.")
    if (v[0], v[1]) == (v[2], v[3]):
        raise InvalidInput(f"A line needs two different points; got {text!r}.")
    return CountingLine(name, ((v[0], v[1]), (v[2], v[3])))


def parse_zone(text: str, name: str) -> CountingZone:
    """``x1,y1,x2,y2,x3,y3,...``: a polygon of three points or more, in video pixels."""
    v = _numbers(text, "zone")
    if len(v) < 6:
        raise InvalidInput(f"A zone is a polygon of at least 3 points; got {text!r}.")
    return CountingZone(name, tuple((v[i], v[i + 1]) for i in range(0, len(v), 2)))


def geometry_to_json(
    lines: Sequence[CountingLine], zones: Sequence[CountingZone]
) -> dict[str, Any]:
    return {
        "lines": [{"name": ln.name, "points": [list(p) for p in ln.points]} for ln in lines],
        "zones": [{"name": z.name, "points": [list(p) for p in z.points]} for z in zones],
    }


def geometry_from_json(
    data: Mapping[str, Any] | None,
) -> tuple[list[CountingLine], list[CountingZone]]:
    if not data:
        return [], []
    lines = [
        CountingLine(
            str(ln["name"]),
            (
                (float(ln["points"][0][0]), float(ln["points"][0][1])),
                (float(ln["points"][1][0]), float(ln["points"][1][1])),
            ),
        )
        for ln in data.get("lines", [])
    ]
    zones = [
        CountingZone(str(z["name"]), tuple((float(x), float(y)) for x, y in z["points"]))
        for z in data.get("zones", [])
    ]
    return lines, zones


def require_tracks(result: Mapping[str, Any]) -> None:
    """Refuse a result without tracks: lines and zones count tracked objects."""
    if "tracks" not in result:
        raise InvalidInput(
            "Counting needs tracks: run the job with a tracker (--track bytetrack or botsort)."
        )


def count(
    result: Mapping[str, Any],
    lines: Sequence[CountingLine] = (),
    zones: Sequence[CountingZone] = (),
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> Counts:
    """Line crossings per class and direction, and zone occupancy per processed frame.

    ``progress(done, total)`` after each frame; a set ``cancel`` raises Cancelled."""
    import supervision as sv

    frames = sorted(result.get("frames", []), key=lambda f: int(f["index"]))
    require_tracks(result)
    track_class = {t["id"]: t["class_name"] for t in summarize_tracks(frames)}
    class_names = sorted(set(track_class.values()))
    class_index = {name: i for i, name in enumerate(class_names)}
    anchors = (sv.Position.CENTER,)
    line_zones = [
        sv.LineZone(
            sv.Point(*ln.points[0]), sv.Point(*ln.points[1]), triggering_anchors=anchors
        )
        for ln in lines
    ]
    polygon_zones = [
        sv.PolygonZone(np.round(np.array(z.points)).astype(np.int64), triggering_anchors=anchors)
        for z in zones
    ]
    samples: list[ZoneSample] = []
    for done, frame in enumerate(frames, 1):
        if cancel is not None and cancel.is_set():
            raise Cancelled("Counting was cancelled.")
        tracked = [d for d in frame.get("detections", []) if d.get("track_id") is not None]
        detections = _sv_detections(tracked, track_class, class_index)
        for line_zone in line_zones:
            line_zone.trigger(detections)
        for zone, polygon_zone in zip(zones, polygon_zones, strict=True):
            inside: Sequence[bool] = (
                polygon_zone.trigger(detections).tolist() if len(detections) else []
            )
            present = Counter(
                class_names[int(c)]
                for c, hit in zip(detections.class_id, inside, strict=True)
                if hit
            )
            samples += [
                ZoneSample(
                    zone.name,
                    int(frame["index"]),
                    float(frame.get("time_s", 0.0)),
                    name,
                    present.get(name, 0),
                )
                for name in class_names
            ]
        if progress is not None:
            progress(done, len(frames))
    line_counts = []
    for ln, line_zone in zip(lines, line_zones, strict=True):
        ins, outs = line_zone.in_count_per_class, line_zone.out_count_per_class
        line_counts += [
            LineCount(ln.name, name, int(ins.get(i, 0)), int(outs.get(i, 0)))
            for i, name in enumerate(class_names)
        ]
    return Counts(tuple(line_counts), tuple(samples))


def _sv_detections(
    tracked: Iterable[Mapping[str, Any]],
    track_class: Mapping[int, str],
    class_index: Mapping[str, int],
) -> Any:
    import supervision as sv

    rows = list(tracked)
    if not rows:
        empty = sv.Detections.empty()
        empty.tracker_id = np.array([], dtype=int)
        empty.class_id = np.array([], dtype=int)
        return empty
    return sv.Detections(
        xyxy=np.array([d["box_xyxy"] for d in rows], dtype=np.float32),
        confidence=np.array([d["confidence"] for d in rows], dtype=np.float32),
        class_id=np.array([class_index[track_class[d["track_id"]]] for d in rows], dtype=int),
        tracker_id=np.array([d["track_id"] for d in rows], dtype=int),
    )
