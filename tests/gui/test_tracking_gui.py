"""Tracking in the desktop app: the run dialog's tracker choice, track ids on the viewer's
boxes, and distinct objects per class in the viewer's summary."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from videolab.domain.dto import VideoDTO
from videolab.domain.params import DetectionParams
from videolab.gui.changes import Change
from videolab.gui.main_window import MainWindow
from videolab.gui.widgets.frame_view import label_text
from videolab.gui.widgets.run_dialog import RunDialog


def _video() -> VideoDTO:
    return VideoDTO(uuid.uuid4(), uuid.uuid4(), "clip.mp4", 240, 24.0, 640, 360, 10.0, 1000,
                    "0" * 64, datetime.now(UTC))


def test_the_run_dialog_offers_a_tracker(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = RunDialog(_video(), 100_000)
    qtbot.addWidget(dialog)
    assert dialog.current_params().track is None  # no tracking unless chosen
    dialog.track.setCurrentIndex(dialog.track.findData("bytetrack"))
    assert dialog.current_params().track == "bytetrack"
    again = RunDialog(_video(), 100_000, initial=DetectionParams(track="botsort"))
    qtbot.addWidget(again)
    assert again.track.currentText() == "botsort"
    assert again.current_params().track == "botsort"


def test_a_tracked_box_is_labelled_with_its_track_id() -> None:
    det = {"class_name": "car", "confidence": 0.914, "box_xyxy": [0, 0, 1, 1]}
    assert label_text(det) == "car 0.91"
    assert label_text({**det, "track_id": 7}) == "#7 car 0.91"
    assert label_text({**det, "track_id": None}) == "car 0.91"


def test_the_viewer_summary_counts_distinct_objects(window: MainWindow) -> None:
    viewer = window.results
    viewer.frames = [0, 3]
    viewer.result = {"summary": {"processed_frames": 2, "per_class": {"car": 9, "person": 30},
                                 "unique_per_class": {"car": 6, "person": 14}},
                     "model": {"name": "demo"}}
    viewer._summarise()
    assert "objects: 14 person, 6 car" in viewer.summary.text()
    viewer.result = {"summary": {"processed_frames": 2, "per_class": {"car": 9}},
                     "model": {"name": "demo"}}
    viewer._summarise()
    assert "objects" not in viewer.summary.text()


def test_a_tracked_job_in_the_viewer_exports_an_mp4_and_counts_a_drawn_line(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, app, demo, tmp_path, monkeypatch
) -> None:
    import av
    from gui_helpers import wait_idle
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog

    dataset = next(d for d in app.datasets.list(demo.alice) if not d.deleted_at)
    video = app.videos.list(demo.alice, dataset.id)[0]
    job = app.jobs.create(demo.alice, video.id,
                          DetectionParams(device="cpu", end=8, stride=2, track="bytetrack"))
    job = app.jobs.run(demo.alice, job.id)
    viewer = window.results
    with qtbot.waitSignal(viewer.loaded, timeout=60_000):
        viewer.open_job(job)
    out = tmp_path / "annotated.mp4"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    with qtbot.waitSignal(viewer.exported, timeout=60_000) as exported:
        qtbot.mouseClick(viewer.export_buttons["mp4"], Qt.MouseButton.LeftButton)
    assert exported.args == ["mp4", str(out)]
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert sum(1 for _ in container.decode(stream)) == 7  # frames 0..6, held between
    wait_idle(qtbot, window)
    assert viewer.mp4_dialog is None  # the progress dialog is gone

    # Counting: a line drawn with two clicks on the frame is counted and saved with the result.
    from PySide6.QtCore import QPoint

    assert viewer.draw_line.isEnabled()
    qtbot.mouseClick(viewer.draw_line, Qt.MouseButton.LeftButton)
    rect = viewer.view.image_rect()
    top = QPoint(round(rect.center().x()), round(rect.top() + 2))
    bottom = QPoint(round(rect.center().x()), round(rect.bottom() - 2))
    qtbot.mouseClick(viewer.view, Qt.MouseButton.LeftButton, pos=top)

    def results_changed(changes: Change) -> bool:
        return bool(changes & Change.RESULTS)

    # Saving the line is a write that announces RESULTS; counting is long work on the result
    # in memory, with progress.
    progress: list[str] = []
    with (
        qtbot.waitSignal(window.ops.changed, check_params_cb=results_changed, timeout=60_000),
        qtbot.waitSignal(viewer.counts_shown, timeout=60_000) as shown,
    ):
        qtbot.mouseClick(viewer.view, Qt.MouseButton.LeftButton, pos=bottom)
        progress.append(viewer.counts_label.text())
    assert progress[0].startswith("Counting…")
    assert shown.args[0].startswith("line1: ")
    wait_idle(qtbot, window)
    lines, zones = app.tracks.saved_geometry(demo.alice, job.id)
    assert len(lines) == 1 and zones == []
    (x1, y1), (x2, y2) = lines[0].points
    assert x1 == pytest.approx(x2, abs=2) and y1 < 10 and y2 > video.height - 10
    assert viewer.view.lines == [list(lines[0].points)]
    # Reopening the result brings the saved line back, counted again.
    with qtbot.waitSignal(viewer.counts_shown, timeout=60_000):
        viewer.open_job(job)
    assert viewer.view.lines == [list(lines[0].points)]
    wait_idle(qtbot, window)

    # Lines saved by another client show up once a change is announced (View > Refresh).
    other = [[(0.0, 100.0), (float(video.width), 100.0)]]
    app.tracks.save_points(demo.alice, job.id, other, [])
    with qtbot.waitSignal(viewer.counts_shown, timeout=60_000):
        window.ops.notify(Change.ALL, "refresh")
    assert viewer.view.lines == other and viewer.count_lines == other
    wait_idle(qtbot, window)

    # Stop: the count under way is dropped and its answer never shown.
    shown_texts: list[str] = []
    viewer.counts_shown.connect(shown_texts.append)
    viewer._recount()
    assert viewer.stop_counting.isEnabled()
    qtbot.mouseClick(viewer.stop_counting, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert shown_texts == [] and not viewer.stop_counting.isEnabled()
    assert viewer.counts_label.text().startswith("Counting stopped")


def test_selecting_a_box_follows_its_track_through_its_frames(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow
) -> None:
    def det(track_id: int | None, x: float) -> dict[str, object]:
        return {"class_id": 0, "class_name": "car", "confidence": 0.9, "track_id": track_id,
                "box_xyxy": [x, 10.0, x + 20.0, 30.0]}

    frames = [
        {"index": 0, "detections": [det(1, 0), det(2, 100)]},
        {"index": 3, "detections": [det(2, 103)]},
        {"index": 6, "detections": [det(1, 6), det(2, 106)]},
        {"index": 9, "detections": [det(None, 50), det(1, 9)]},
    ]
    viewer = window.results
    viewer.job = None
    viewer._loaded(({"frames": frames, "summary": {}, "video": {"fps": 24.0}}, None))
    assert viewer.current_frame == 0 and not viewer.track_next.isEnabled()
    first = viewer.det_view.model().index(0, 0)  # sorted by confidence: either row is a track
    viewer.det_view.setCurrentIndex(first)
    picked = viewer.selected_track
    assert picked in (1, 2)
    expected = {1: [0, 6, 9], 2: [0, 3, 6]}[picked]
    assert viewer.track_frames == expected
    assert f"Track #{picked}: 3 frames — {', '.join(map(str, expected))}" in \
        viewer.track_label.text()
    viewer.step_track(1)
    assert viewer.current_frame == expected[1]
    highlighted = viewer.by_index[expected[1]][viewer.view.highlight]
    assert highlighted["track_id"] == picked
    viewer.step_track(1)
    assert viewer.current_frame == expected[2]
    viewer.step_track(-1)
    assert viewer.current_frame == expected[1]


def test_trails_follow_each_track_over_the_last_seconds(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow
) -> None:
    from PySide6.QtGui import QImage

    def det(track_id: int, x: float) -> dict[str, object]:
        return {"class_id": 1, "class_name": "disc", "confidence": 0.9, "track_id": track_id,
                "box_xyxy": [x, 10.0, x + 20.0, 30.0]}

    frames = [{"index": i, "detections": [det(1, 2.0 * i)] + ([det(2, 300.0)] if i >= 54 else [])}
              for i in range(0, 61, 3)]
    viewer = window.results
    viewer.job = None
    viewer._loaded(({"frames": frames, "summary": {}, "video": {"fps": 24.0}}, None))
    viewer.show_frame(60)
    assert viewer.view.trails == []  # off unless asked
    viewer.trails.setChecked(True)
    trails = dict((len(points), (cid, points)) for cid, points in viewer.view.trails)
    # 1.5 s at 24 fps = 36 frames: track 1 from frame 24 to 60 (13 processed frames), track 2
    # only since frame 54.
    assert sorted(trails) == [3, 13]
    cid, points = trails[13]
    assert cid == 1 and points[0] == (2.0 * 24 + 10, 20.0) and points[-1] == (130.0, 20.0)
    viewer.view.set_image(QImage(640, 360, QImage.Format.Format_RGB32), frames[-1]["detections"])
    viewer._update_trails()
    assert not viewer.view.grab().isNull()  # painting the trails works
    viewer.trails.setChecked(False)
    assert viewer.view.trails == []


def test_a_zone_is_drawn_with_clicks_and_closed_by_a_double_click(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtGui import QImage

    from videolab.gui.widgets.frame_view import FrameView

    view = FrameView()
    qtbot.addWidget(view)
    view.resize(648, 368)  # the 640x360 frame at scale 1 inside the 4 px margin
    view.show()
    view.set_image(QImage(640, 360, QImage.Format.Format_RGB32))
    rect = view.image_rect()
    corners = [(100, 50), (300, 50), (300, 200)]
    view.start_drawing("zone")
    for x, y in corners:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton,
                         pos=QPoint(round(rect.left() + x), round(rect.top() + y)))
    assert view.draft == [pytest.approx(c, abs=1.5) for c in corners]
    with qtbot.waitSignal(view.shape_drawn) as drawn:
        qtbot.mouseDClick(view, Qt.MouseButton.LeftButton,
                          pos=QPoint(round(rect.left() + 100), round(rect.top() + 200)))
    kind, points = drawn.args
    assert kind == "zone" and len(points) >= 3 and view.drawing is None
    assert points[:3] == [pytest.approx(c, abs=1.5) for c in corners]
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    assert view.draft == []  # not drawing any more: clicks add nothing


def test_a_label_near_the_right_edge_stays_inside_the_frame() -> None:
    from PySide6.QtCore import QRectF

    from videolab.gui.widgets.frame_view import label_rect

    frame = QRectF(10, 10, 640, 360)
    inside = label_rect(QRectF(100, 100, 40, 40), frame, 120, 16)
    assert (inside.left(), inside.top()) == (99, 84)  # above the box, at its left edge
    edge = label_rect(QRectF(610, 100, 40, 40), frame, 120, 16)  # "#12 square 0.90"
    assert edge.right() <= frame.right() and edge.left() == frame.right() - 120
    top = label_rect(QRectF(100, 12, 40, 40), frame, 120, 16)
    assert top.top() == 12  # no room above: inside the box


def test_the_frame_slider_keeps_its_width_in_a_small_window(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow
) -> None:
    window.resize(1024, 700)
    window.tabs.setCurrentWidget(window.results)
    viewer = window.results
    viewer._loaded(({"frames": [{"index": i, "detections": []} for i in range(10)],
                     "summary": {}, "video": {"fps": 24.0}}, None))
    qtbot.waitUntil(lambda: viewer.slider.isVisible())
    assert viewer.slider.width() >= 160
    assert viewer.trails.isVisible() and viewer.frame_label.isVisible()
