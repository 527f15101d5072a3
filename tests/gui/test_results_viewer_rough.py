"""The results viewer's rough edges seen in a real window (issue 11): one class palette on the
live preview, the viewer and the ZIP frames; a readable per-class chart; a labelled filmstrip
without white tiles; a full-width slider beside a frame label of fixed width; 0-based frame
numbers and the frames' own times; the two job speeds named; a summary that never changes
height (it was painted over the title for seconds after opening)."""

from __future__ import annotations

import re
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFontMetrics, QImage
from PySide6.QtWidgets import QStyleOptionViewItem

from videolab.domain.dto import JobDTO
from videolab.domain.enums import JobStatus
from videolab.gui.main_window import MainWindow
from videolab.gui.models.jobs import JobTableModel
from videolab.gui.models.results import THUMBNAIL_ROLE, TIME_ROLE, ThumbnailStripModel
from videolab.gui.widgets import look
from videolab.gui.widgets.counts_chart import (
    BIN_PX,
    MAX_NAMED,
    OTHER,
    X_TITLE,
    Y_TITLE,
    CountsChart,
    bin_means,
    limit_series,
)
from videolab.gui.widgets.filmstrip import Filmstrip, caption, placeholder_colour
from videolab.gui.widgets.frame_view import FrameView, label_rect, label_text
from videolab.inference import palette
from videolab.inference.annotate import draw_detections, encode_jpeg
from videolab.inference.detections import Detection
from videolab.inference.render import render_frames_zip

# -- helpers -----------------------------------------------------------------------------------


def rgb_of(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * h)
    return data.reshape(h, image.bytesPerLine())[:, : 3 * w].reshape(h, w, 3).copy()


def median_rgb(rgb: np.ndarray, left: int, top: int, right: int, bottom: int) -> tuple[int, ...]:
    """The median colour of a label's box: its fill (the text's thin strokes are few)."""
    region = rgb[top:bottom, left:right].reshape(-1, 3)
    return tuple(int(v) for v in np.median(region, axis=0))


def nearest_class(rgb: tuple[int, ...]) -> int:
    return min(
        range(len(palette.CLASS_RGB)),
        key=lambda c: sum((a - b) ** 2 for a, b in zip(rgb, palette.class_rgb(c), strict=True)),
    )


CLASSES = range(len(palette.CLASS_RGB))


def box_of(cid: int, scale: float = 1.0) -> tuple[float, float, float, float]:
    """Each class its own box on a 640x360 frame (times ``scale``), with room above for its
    label."""
    col, row = cid % 4, cid // 4
    box = (col * 160 + 20.0, row * 120 + 40.0, col * 160 + 120.0, row * 120 + 100.0)
    return (box[0] * scale, box[1] * scale, box[2] * scale, box[3] * scale)


def detections(scale: float = 1.0) -> list[Detection]:
    return [Detection(c, "c", 0.9, box_of(c, scale)) for c in CLASSES]


def as_json(dets: list[Detection]) -> list[dict[str, Any]]:
    return [{"class_id": d.class_id, "class_name": d.class_name, "confidence": d.confidence,
             "box_xyxy": list(d.box_xyxy)} for d in dets]


def cv_label_box(frame_hw: tuple[int, int], det: Detection) -> tuple[int, int, int, int]:
    """Where annotate.draw_detections puts ``det``'s filled label (its own arithmetic)."""
    scale = max(0.4, min(frame_hw) / 900)
    text = f"{det.class_name} {det.confidence:.2f}"
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    x1, y1 = round(det.box_xyxy[0]), round(det.box_xyxy[1])
    ty = y1 - 4
    return x1 + 2, ty - th - base + 2, x1 + tw + 2, ty + base - 4


def result_json(frames: list[dict[str, Any]], **summary: Any) -> dict[str, Any]:
    return {
        "model": {"name": "demo", "classes": {"0": "square", "1": "disc", "2": "triangle"}},
        "video": {"fps": 24.0},
        "frames": frames,
        "summary": {"processed_frames": len(frames), **summary},
    }


def frame(index: int, time_s: float, *class_ids: int) -> dict[str, Any]:
    return {
        "index": index,
        "time_s": time_s,
        "detections": [
            {"class_id": c, "class_name": ["square", "disc", "triangle"][c], "confidence": 0.9,
             "box_xyxy": [10.0 * c, 10.0, 10.0 * c + 8, 18.0]}
            for c in class_ids
        ],
    }


def job_dto(frames_processed: int, seconds: float) -> JobDTO:
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    return JobDTO(
        id=uuid.uuid4(), user_id=uuid.uuid4(), dataset_id=uuid.uuid4(), video_id=None,
        video_name="clip.mp4", status=JobStatus.COMPLETED, params={"model": "demo"},
        frames_total=frames_processed, frames_processed=frames_processed, cost_milli=480,
        charged_milli=480, carbon_grams=0.02, backend="openvino", device="cpu",
        model_sha256=None, error=None, created_at=start, started_at=start,
        finished_at=start + timedelta(seconds=seconds),
    )


def open_result(window: MainWindow, result: dict[str, Any], job: JobDTO | None = None) -> Any:
    viewer = window.results
    viewer.job = job
    viewer._loaded((result, None))
    return viewer


# -- one palette -------------------------------------------------------------------------------


def test_a_class_has_one_colour_on_the_preview_the_viewer_and_the_zip_frames(  # type: ignore[no-untyped-def]
    qtbot, make_clip, tmp_path: Path
) -> None:
    # Annotated frames are JPEGs: their labels must be big enough that chroma subsampling
    # keeps their colour, so these frames are 1280x960 (labels about 30 px high).
    big = detections(2.0)
    # The live preview: the JPEG a running job sends (pipeline: encode_jpeg(draw_detections))
    # shown by the jobs screen's FrameView.set_jpeg.
    grey = np.full((960, 1280, 3), 128, np.uint8)
    preview = FrameView()
    qtbot.addWidget(preview)
    assert preview.set_jpeg(encode_jpeg(draw_detections(grey, big)))
    assert preview.image is not None
    preview_rgb = rgb_of(preview.image)
    # The ZIP's frames, drawn on a real video's frame.
    clip = make_clip(seed=0, frames=2, size=(1280, 960))
    out = tmp_path / "frames.zip"
    assert render_frames_zip(clip.path, {"frames": [{"index": 0, "detections": as_json(big)}]},
                             out) == 1
    with zipfile.ZipFile(out) as archive:
        jpeg = archive.read("frame_000000.jpg")
    zip_rgb = cv2.cvtColor(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR),
                           cv2.COLOR_BGR2RGB)
    # The viewer: a frame with the result's boxes painted over it, at scale 1.
    small = as_json(detections())
    view = FrameView()
    qtbot.addWidget(view)
    view.resize(648, 368)
    view.set_image(QImage(640, 360, QImage.Format.Format_RGB32), small)
    viewer_rgb = rgb_of(view.grab().toImage())
    fm = QFontMetrics(view.font())
    target = view.image_rect()
    for det, shown in zip(big, small, strict=True):
        cid = det.class_id
        expected = palette.class_rgb(cid)
        for name, rgb in (("preview", preview_rgb), ("zip", zip_rgb)):
            seen = median_rgb(rgb, *cv_label_box((960, 1280), det))
            assert nearest_class(seen) == cid, (name, cid, seen, expected)
            assert max(abs(a - b) for a, b in zip(seen, expected, strict=True)) <= 40
        x1, y1, x2, y2 = shown["box_xyxy"]
        box = QRectF(target.left() + x1, target.top() + y1, x2 - x1, y2 - y1)
        text = label_text(shown)
        r = label_rect(box, target, fm.horizontalAdvance(text) + 8, fm.height() + 2)
        seen = median_rgb(viewer_rgb, int(r.left()) + 1, int(r.top()) + 1,
                          int(r.right()) - 1, int(r.bottom()) - 1)
        assert seen == expected, ("viewer", cid, seen, expected)
        # the chart's bands and the trails use the same colour
        assert look.class_colour(cid).getRgb()[:3] == expected


# -- chart -------------------------------------------------------------------------------------


def test_the_chart_names_the_top_classes_and_sums_the_rest_as_other() -> None:
    series = {f"c{i}": (i, [i] * 10) for i in range(8)}  # c7 most frequent
    bands = limit_series(series)
    assert [b.name for b in bands] == ["c7", "c6", "c5", "c4", "c3", OTHER]
    assert len(bands) == MAX_NAMED + 1
    assert bands[-1].class_id is None and bands[-1].values == (3.0,) * 10  # c0 + c1 + c2
    assert [b.name for b in limit_series({"a": (0, [1]), "b": (1, [2])})] == ["b", "a"]


def test_a_long_series_is_averaged_into_bins() -> None:
    frames = list(range(0, 20_000, 2))
    spike = [5 if f == 10_000 else 1 for f in frames]
    xs, (flat, spiky) = bin_means(frames, [[1] * len(frames), spike], 100)
    assert len(xs) == 100 and xs == sorted(xs)
    assert flat == [1.0] * 100
    assert max(spiky) > 1.0 and sorted(spiky)[-2] == 1.0  # the spike survives, in one bin
    few, (same,) = bin_means([3, 7], [[2, 4]], 100)
    assert few == [3.0, 7.0] and same == [2.0, 4.0]


def test_a_long_job_is_drawn_as_stacked_bands_one_point_per_few_pixels(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = CountsChart()
    qtbot.addWidget(chart)
    chart.resize(420, 220)
    chart.show()
    frames = list(range(30_000))
    series = {f"class {i}": (i, [(f // (i + 1)) % 3 for f in frames]) for i in range(9)}
    chart.set_data(frames, series)
    image = chart.grab().toImage()
    assert not image.isNull()
    assert len(chart.xs) <= chart.plot_rect().width() / BIN_PX
    assert len(chart.bands) == MAX_NAMED + 1  # legible legend
    assert len(chart.legend_entries()) == MAX_NAMED + 1
    assert len(chart.legend_rows()) <= 2  # wrapped onto a second row rather than cut
    assert not any("…" in text for _, text in chart.legend_entries())
    # stacked: each band sits on the one below, so no band hides another
    for lower, upper in zip(chart.stacks, chart.stacks[1:], strict=False):
        assert all(u >= lo for u, lo in zip(upper, lower, strict=True))
    assert chart.y_top() >= max(chart.stacks[-1])
    assert "mean of" in chart.x_title() and chart.x_title().startswith(X_TITLE)
    assert Y_TITLE == "detections"


def test_no_axis_label_is_cut_off_at_the_chart_edges(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = CountsChart()
    qtbot.addWidget(chart)
    chart.resize(300, 180)
    last = 1_234_567
    chart.set_data([0, last], {"car": (0, [1, 2])})
    r = chart.plot_rect()
    fm = QFontMetrics(chart.font())
    for f in (0, last):
        text = f"{f:,}"
        rect = chart.label_rect(text, chart.x_of(f), r.bottom() + 4)
        assert rect.left() >= 0 and rect.right() <= chart.width()
        assert rect.width() >= fm.horizontalAdvance(text)
    # the x title and the tick labels fit under the plot
    assert chart.height() - r.bottom() >= 2 * fm.height()


# -- filmstrip ---------------------------------------------------------------------------------


def test_filmstrip_tiles_are_labelled_and_never_white(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = ThumbnailStripModel()
    model.set_frames([0, 24, 48], {0: 0.0, 24: 1.0, 48: 2.5})
    strip = Filmstrip()
    qtbot.addWidget(strip)
    strip.setModel(model)
    strip.resize(400, strip.height())
    strip.show()
    assert model.index(1).data(TIME_ROLE) == 1.0
    assert model.index(1).data(THUMBNAIL_ROLE) is None  # not decoded yet
    assert model.index(1).data(Qt.ItemDataRole.ToolTipRole) == "Frame 24 at 1.00 s"
    assert caption(24, 1.0) == "24 · 1.00 s"
    # the tile holds its picture and its caption; the strip shows the whole tile
    option = QStyleOptionViewItem()
    option.initFrom(strip)
    tile = strip.itemDelegate().sizeHint(option, model.index(0))
    assert tile.height() >= 54 + QFontMetrics(strip.font()).height()
    assert strip.height() >= tile.height() + 2 * strip.spacing()
    # a long job's caption widens its tile instead of being cut
    model.set_frames([15_923], {15_923: 531.43})
    wide = strip.itemDelegate().sizeHint(option, model.index(0))
    assert wide.width() >= QFontMetrics(strip.font()).horizontalAdvance("15923 · 8:51.43")
    model.set_frames([0, 24, 48], {0: 0.0, 24: 1.0, 48: 2.5})
    rgb = rgb_of(strip.grab().toImage())
    assert not (rgb == 255).all(axis=2).any(), "a white pixel: the white list base or tile"
    neutral = placeholder_colour(strip.palette()).getRgb()[:3]
    assert (rgb == neutral).all(axis=2).sum() > 3 * 40 * 40  # three grey placeholders


# -- slider, frame label, numbering, times -----------------------------------------------------


@pytest.mark.parametrize("size", [(1280, 800), (900, 600)])
def test_the_slider_takes_the_row_and_the_frame_label_keeps_its_width(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, size: tuple[int, int]
) -> None:
    window.resize(*size)
    window.show_tab(2)
    frames = [frame(i, i / 24, 0) for i in range(0, 24_000, 3)]  # 8,000 processed frames
    viewer = open_result(window, result_json(frames))
    qtbot.waitUntil(lambda: viewer.slider.isVisible())
    widths, texts = set(), []
    for f in (0, 9, 999, 23_997):
        viewer.show_frame(f)
        qtbot.wait(1)
        widths.add(viewer.frame_label.width())
        texts.append(viewer.frame_label.text())
    assert len(widths) == 1, widths  # never changes width, so nothing beside it jumps
    fm = QFontMetrics(viewer.frame_label.font())
    assert all(fm.horizontalAdvance(t) <= viewer.frame_label.width() for t in texts), texts
    # the slider has the controls row to itself, but for the five buttons
    buttons = sum(b.width() for b in (viewer.first_button, viewer.prev_button,
                                      viewer.play_button, viewer.next_button,
                                      viewer.last_button))
    row = viewer.slider.parentWidget().width()
    assert viewer.slider.width() >= row - buttons - 60, (viewer.slider.width(), row, buttons)


def test_frames_are_numbered_from_0_everywhere_in_the_viewer(window: MainWindow) -> None:
    viewer = open_result(window, result_json([frame(i, i / 24, 0) for i in range(240)]))
    assert viewer.frame_label.text() == "frame 0 of 0–239 · 0.00 s"
    assert viewer.strip.currentIndex().data() == "0"  # the first tile, selected on opening
    viewer.step_to(-1)
    assert viewer.frame_label.text() == "frame 239 of 0–239 · 9.96 s"
    assert viewer.det_title.text().startswith("Detections in frame 239")
    assert not re.search(r"\b240\b", viewer.frame_label.text())  # no 1-based position
    assert viewer.strip_model.frames()[-1] == 239
    assert viewer.strip.currentIndex().data() == "239"  # its tile is the selected one
    viewer.show_frame(100)  # between two sampled tiles: the one before is selected
    tile = int(viewer.strip.currentIndex().data())
    assert tile <= 100 < viewer.strip_model.frames()[viewer.strip.currentIndex().row() + 1]


def test_the_time_shown_is_each_frames_own_time_s(window: MainWindow) -> None:
    # A variable frame rate video: frame / fps would say 0.42 s for frame 10.
    times = {0: 0.0, 5: 0.1, 10: 2.0, 15: 2.05, 20: 4.5}
    viewer = open_result(window, result_json([frame(i, t, 1) for i, t in times.items()]))
    viewer.show_frame(10)
    assert viewer.frame_label.text().endswith("· 2.00 s")
    assert viewer.strip_model.index(viewer.strip_model.row_of(20)).data(TIME_ROLE) == 4.5
    viewer.show_frame(20)
    assert "4.50 s" in viewer.frame_label.text()


# -- speeds ------------------------------------------------------------------------------------


def test_the_viewer_names_the_detection_rate_and_shows_the_jobs_tables_figure(  # type: ignore[no-untyped-def]
    window: MainWindow,
) -> None:
    job = job_dto(240, 33.0)  # 7.3 frames/s over the whole job, model loading included
    viewer = open_result(window, result_json([frame(i, i / 24, 0) for i in range(240)],
                                             fps=15.5, device="cpu", backend="openvino"), job)
    table = JobTableModel()
    table.set_rows([job])
    table_figure = table.index(0, JobTableModel.COL_FPS).data()
    assert table_figure == "7.3"
    text = viewer.summary.text()
    assert "detection 15.5 frames/s" in text
    took_column = [c.title for c in table.columns].index("Took")
    took = table.index(0, took_column).data()  # the same duration in the same format
    assert took == "0:33.0"
    assert f"whole job {table_figure} frames/s in {took}" in text
    tip = table.index(0, JobTableModel.COL_FPS).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Whole job")


# -- summary -----------------------------------------------------------------------------------


def test_the_summary_never_changes_height_with_its_text(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.resize(1000, 620)
    window.show_tab(2)
    viewer = window.results
    viewer._set_enabled(False)  # the page as open_job shows it while the result loads
    viewer.job = job_dto(50, 10.0)
    viewer.summary.setText("Loading…")  # as open_job does
    qtbot.wait(10)
    before = viewer.summary.height()
    per_class = {f"class number {i}": 1000 + i for i in range(30)}
    result = result_json([frame(i, i / 24, 0) for i in range(50)], per_class=per_class,
                         fps=15.5, device="cpu", backend="openvino")
    viewer._loaded((result, None))
    # Before any layout pass (on a busy machine, seconds): the long text already fits the
    # space the label had, so it is never painted over its neighbours.
    summary = viewer.summary
    width = summary.width()
    needed = summary.heightForWidth(width) if summary.hasHeightForWidth() else 0
    assert max(needed, summary.sizeHint().height()) <= summary.height()
    assert viewer.summary.height() == before
    assert viewer.summary.sizeHint().height() == before
    fm = QFontMetrics(viewer.summary.font())
    shown = viewer.summary.shown().split("\n")
    assert len(shown) == 2
    assert all(fm.horizontalAdvance(line) <= viewer.summary.width() for line in shown)
    assert "class number 29" in viewer.summary.toolTip()  # the whole text, one hover away
