"""The whole workflow on the real widgets: sign in, create a dataset, drop a video, run a demo
job, watch it, scrub the results, export COCO; plus cancel, credits and the stall probe."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from gui_helpers import StallProbe, copy_clip, drop_files, wait_idle
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from videolab.domain.enums import JobStatus
from videolab.gui import format as fmt
from videolab.gui.app import Launcher
from videolab.gui.main_window import MainWindow
from videolab.gui.widgets.run_dialog import RunDialog
from videolab.services.app import VideoLab
from videolab.services.seed import DEMO_PASSWORD

JOB_TIMEOUT = 120_000

# The detector itself (videolab.inference.pipeline) is another issue's work; until it is on
# main, the tests that run a job say so instead of failing on a missing module.
requires_pipeline = pytest.mark.skipif(
    "videolab.inference.pipeline" not in sys.modules
    and importlib.util.find_spec("videolab.inference.pipeline") is None,
    reason="videolab.inference.pipeline (the detection pipeline) is not on main yet",
)


def run_job(qtbot, window: MainWindow, *, end: int = 0, stride: int = 1):  # type: ignore[no-untyped-def]
    video = window.videos.current()
    assert video is not None
    dialog = window.open_run_dialog(video)
    assert isinstance(dialog, RunDialog)
    dialog.end.setValue(end)
    dialog.stride.setValue(stride)
    dialog.device.setCurrentText("cpu")
    with qtbot.waitSignal(window.jobs.submitted, timeout=30_000) as submitted:
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    return dialog, submitted.args[0]


@requires_pipeline
def test_whole_workflow(
    qtbot,
    app: VideoLab,
    app_db: Path,
    clip,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    no_keyring,
) -> None:
    app.close()  # the launcher opens the database itself, as the program does
    launcher = Launcher(str(app_db))
    launcher.start()
    dialog = launcher.dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.app is not None, timeout=20_000)
    dialog.email.setText("alice@example.com")
    dialog.password.setText(DEMO_PASSWORD)
    qtbot.mouseClick(dialog.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: launcher.window is not None, timeout=20_000)
    window = launcher.window
    assert window is not None
    qtbot.addWidget(window)
    try:
        _workflow(qtbot, window, clip, tmp_path, monkeypatch)
    finally:
        window.close()
        launcher.shutdown()


def _workflow(qtbot, window: MainWindow, clip, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # create a dataset
    window.datasets.create_dataset()
    window.datasets.dialog.name_edit.setText("Workflow")
    window.datasets.dialog.accept()
    wait_idle(qtbot, window)
    assert window.datasets.current().name == "Workflow"

    # drop a generated video on the window
    start_balance = window.session.user.tokens_milli
    path = copy_clip(clip.path, tmp_path / "in", "shapes.mp4")
    with qtbot.waitSignal(window.uploads.uploaded, timeout=60_000):
        drop_files(window, [path])
    wait_idle(qtbot, window)
    assert window.videos.model.rowCount() == 1
    assert window.videos.model.index(0, 1).data() == f"{clip.frame_count}"
    after_upload = start_balance - clip.frame_count
    assert window.session.user.tokens_milli == after_upload
    assert fmt.amount(after_upload) in window.badge.balance_text()

    # run a demo job on a short range; the dialog shows frames, cost and balance first
    window.videos.select(window.videos.model.dto(0).id)
    progress: list[object] = []
    previews: list[int] = []
    window.jobs.progress.connect(lambda job_id, live: progress.append(live))
    window.jobs.preview.connect(lambda job_id, frame, jpeg: previews.append(frame))
    video = window.videos.current()
    dialog = window.open_run_dialog(video)
    dialog.end.setValue(24)
    dialog.stride.setValue(4)
    dialog.device.setCurrentText("cpu")
    assert dialog.frames_value.text() == "6"
    assert dialog.cost_value.text() == fmt.amount(12)
    assert dialog.balance_value.text() == fmt.amount(after_upload)
    with qtbot.waitSignal(window.jobs.job_finished, timeout=JOB_TIMEOUT) as finished:
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    job = finished.args[0]
    assert job.status is JobStatus.COMPLETED, job.error
    assert progress, "no progress reached the GUI"
    assert previews and window.jobs_panel.live.view.image is not None
    row = window.jobs_panel.model.row_of(job.id)
    assert window.jobs_panel.model.index(row, 1).data() == "Completed"
    assert window.jobs_panel.model.index(row, 2).data() == "100%"
    assert window.session.user.tokens_milli == after_upload - 12
    assert fmt.amount(after_upload - 12) in window.badge.balance_text()

    # open the results, scrub to a frame, see its detections
    window.jobs_panel.select(job.id)
    with qtbot.waitSignal(window.results.loaded, timeout=30_000):
        qtbot.mouseClick(window.jobs_panel.results_button, Qt.MouseButton.LeftButton)
    viewer = window.results
    assert viewer.frames == [0, 4, 8, 12, 16, 20]
    viewer.slider.setValue(2)
    assert viewer.current_frame == 8
    names = {viewer.det_model.index(r, 0).data() for r in range(viewer.det_model.rowCount())}
    truth = {clip.classes[b.class_id] for b in clip.boxes[8]}
    assert names and names <= set(clip.classes)
    assert names & truth
    assert viewer.det_title.text().startswith("Detections in frame 8")
    assert viewer.view.detections and viewer.view.image is not None
    viewer.boxes.setChecked(False)
    assert not viewer.view.show_boxes
    viewer.boxes.setChecked(True)
    # clicking the chart jumps to the nearest processed frame
    chart = viewer.chart
    x = int(chart.x_of(13))
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=chart.rect().center().__class__(x, 60))
    assert viewer.current_frame == 12
    viewer.step(1)
    assert viewer.current_frame == 16

    # export COCO
    out = tmp_path / "out" / "coco.json"
    out.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    with qtbot.waitSignal(viewer.exported, timeout=30_000):
        qtbot.mouseClick(viewer.export_buttons["coco"], Qt.MouseButton.LeftButton)
    coco = json.loads(out.read_text())
    assert coco["annotations"] and coco["images"]
    wait_idle(qtbot, window)


@requires_pipeline
def test_cancel_a_running_job(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    before = window.session.user.tokens_milli
    with qtbot.waitSignal(window.jobs.progress, timeout=JOB_TIMEOUT):
        _dialog, job = run_job(qtbot, window)
    window.jobs_panel.select(job.id)
    assert window.jobs_panel.cancel_button.isEnabled()
    with qtbot.waitSignal(window.jobs.job_finished, timeout=30_000) as finished:
        qtbot.mouseClick(window.jobs_panel.cancel_button, Qt.MouseButton.LeftButton)
    done = finished.args[0]
    assert done.status is JobStatus.ABORTED
    assert "cancelled" in window.message_bar.text()  # the word of the Cancel job button
    wait_idle(qtbot, window)  # the job's end announced BALANCE: the account is re-read
    assert window.session.user.tokens_milli == before - done.charged_milli
    assert done.charged_milli < job.cost_milli


def test_insufficient_credits_for_a_job(qtbot, app: VideoLab, demo, clip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from gui_helpers import open_window

    user = app.users.create(demo.admin, "thrifty@example.com", "thrifty password", "user", 60)
    dataset = app.datasets.create(user, "Mine")
    app.videos.upload(user, dataset.id, clip.path)  # 48 frames: 0.048 of 0.060 spent
    window = open_window(qtbot, app, app.auth.refresh(user))
    try:
        window.datasets.select(dataset.id)
        video = window.videos.current()
        dialog = window.open_run_dialog(video)
        assert not dialog.run_button.isEnabled()
        assert "Not enough credits" in dialog.problem.text()
        dialog.stride.setValue(8)  # 6 frames, 0.012 tokens: affordable
        assert dialog.run_button.isEnabled()
        dialog.reject()
        # the service refuses too, and says why in the window
        window.jobs.submit(video.id, dialog.current_params().__class__(device="cpu"))
        wait_idle(qtbot, window)
        assert "your balance is 0.012 tokens" in window.message_bar.text()
    finally:
        window.close()


@requires_pipeline
def test_gui_thread_never_stalls_during_a_job(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    probe = StallProbe().start()
    with qtbot.waitSignal(window.jobs.job_finished, timeout=JOB_TIMEOUT) as finished:
        run_job(qtbot, window, end=60, stride=2)
    probe.stop()
    assert finished.args[0].status is JobStatus.COMPLETED
    assert len(probe.gaps) > 10
    assert probe.worst_own_ms < 100, f"GUI thread stalled for {probe.worst_own_ms:.0f} ms"
    wait_idle(qtbot, window)
