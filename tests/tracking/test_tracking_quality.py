"""Identity quality on the scripted clip (crossings, occlusions, an exit and re-entry), per
tracker and stride, measured with motmetrics; and line counts against true crossings."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

import pytest

from tests.tracking.conftest import TrackFn
from tests.tracking.mot_eval import score
from videolab.inference.counting import count, parse_line
from videolab.inference.synthetic_tracks import TrackedClip
from videolab.inference.tracking import summarize_tracks

# Measured IDF1 (benchmarks/tracking.py prints the table); floors sit ~0.02 below.
FLOORS = {("bytetrack", 1): 0.90, ("bytetrack", 3): 0.89,
          ("botsort", 1): 0.91, ("botsort", 3): 0.91}


@pytest.mark.parametrize(("kind", "stride"), sorted(FLOORS))
def test_identity_quality_stays_above_its_floor(scene: TrackedClip, track_scene: TrackFn,
                                                kind: str, stride: int) -> None:
    scores = score(scene, track_scene(kind, stride))
    print(kind, stride, scores.row())
    assert scores.idf1 >= FLOORS[(kind, stride)], scores.row()
    assert scores.mota >= 0.9, scores.row()


def _true_crossings(scene: TrackedClip, line: tuple[float, float, float, float]
                    ) -> Counter[tuple[str, str]]:
    """(class, in|out) -> crossings of the scripted centres over every frame. ``in`` is to
    the line's left as drawn (on screen, y down): the side where the cross product is < 0."""
    x1, y1, x2, y2 = line
    crossings: Counter[tuple[str, str]] = Counter()
    for track_id, obj in enumerate(scene.scene, 1):
        centres = scene.centres(track_id)
        times = sorted(centres)
        for a, b in pairwise(times):
            (ax, ay), (bx, by) = centres[a], centres[b]
            side_a = (x2 - x1) * (ay - y1) - (y2 - y1) * (ax - x1)
            side_b = (x2 - x1) * (by - y1) - (y2 - y1) * (bx - x1)
            if side_a > 0 >= side_b:
                crossings[(obj.class_name, "in")] += 1
            elif side_a < 0 <= side_b:
                crossings[(obj.class_name, "out")] += 1
    return crossings


LINES = ((200.0, 0.0, 200.0, 360.0), (440.0, 0.0, 440.0, 360.0), (0.0, 160.0, 640.0, 160.0))


@pytest.mark.parametrize(("kind", "stride"), sorted(FLOORS))
def test_line_counts_equal_the_true_crossings(scene: TrackedClip, track_scene: TrackFn,
                                              kind: str, stride: int) -> None:
    frames = track_scene(kind, stride)
    result = {"frames": frames, "tracks": summarize_tracks(frames)}
    for i, line in enumerate(LINES):
        truth = _true_crossings(scene, line)
        assert sum(truth.values()) >= 2  # the line is crossed, so the test can fail
        counts = count(result, [parse_line(",".join(map(str, line)), f"line{i}")])
        got: Counter[tuple[str, str]] = Counter()
        for c in counts.lines:
            got[(c.class_name, "in")] += c.in_count
            got[(c.class_name, "out")] += c.out_count
        assert +got == truth, (line, dict(got), dict(truth))
