"""One class palette: annotated frames (live preview, ZIP) draw each class in the colour the
palette module gives it, with label text that reads on it."""

from __future__ import annotations

import itertools

import numpy as np

from videolab.inference import annotate, palette
from videolab.inference.detections import Detection


def test_bgr_is_the_rgb_colour_reversed_and_annotate_uses_the_palette() -> None:
    for cid in range(3 * len(palette.CLASS_RGB)):
        r, g, b = palette.class_rgb(cid)
        assert palette.class_bgr(cid) == (b, g, r)
        assert annotate.class_colour(cid) == (b, g, r)
        assert annotate.PALETTE_BGR[cid % len(annotate.PALETTE_BGR)] == (b, g, r)


def test_the_colours_are_distinct_and_none_is_black_or_the_other_grey() -> None:
    colours = list(palette.CLASS_RGB)
    assert len(set(colours)) == len(colours)
    for a, b in itertools.combinations([*colours, palette.OTHER_RGB], 2):
        distance = sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5
        assert distance > 45, (a, b)
    assert (0, 0, 0) not in colours  # a black box vanishes on dark video


def test_label_text_reads_on_every_class_colour() -> None:
    for cid in range(len(palette.CLASS_RGB)):
        text = palette.label_text_rgb(cid)
        assert text in (palette.BLACK, palette.WHITE)
        assert palette.contrast(palette.class_rgb(cid), text) >= 4.5  # WCAG AA
    # yellow took white text before: 1.2:1, unreadable
    assert palette.label_text_rgb(3) == palette.BLACK


def test_draw_detections_paints_each_class_in_its_palette_colour() -> None:
    # big enough for a 4 px line, whose middle no anti-aliasing touches
    frame = np.full((1800, 1800, 3), 128, np.uint8)
    for cid in range(len(palette.CLASS_RGB)):
        det = Detection(cid, f"c{cid}", 0.9, (400.0, 600.0, 1200.0, 1200.0))
        out = annotate.draw_detections(frame, [det])
        assert tuple(int(v) for v in out[900, 400]) == palette.class_bgr(cid)  # the left edge
