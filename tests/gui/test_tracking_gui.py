"""Tracking in the desktop app: the run dialog's tracker choice, track ids on the viewer's
boxes, and distinct objects per class in the viewer's summary."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from videolab.domain.dto import VideoDTO
from videolab.domain.params import DetectionParams
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
