"""Screens stay useful while they load, drop stale answers, and refresh when told of changes."""

from __future__ import annotations

import threading
import uuid

from gui_helpers import wait_idle
from PySide6.QtCore import QTimer

from videolab.domain.params import DetectionParams
from videolab.gui.main_window import MainWindow
from videolab.services.app import VideoLab
from videolab.services.job_launcher import ChildProgress


def test_switching_datasets_never_shows_the_previous_datasets_videos(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, app: VideoLab, monkeypatch
) -> None:
    panel = window.videos
    shapes = window.datasets.current()
    assert shapes is not None and panel.model.rowCount() == 1  # the demo video
    empty = app.datasets.create(window.session.user, "Empty one")
    window.refresh()  # View > Refresh: another client's change
    wait_idle(qtbot, window)
    assert window.datasets.model.row_of(empty.id) >= 0

    # The demo dataset's list is slow to come (a busy disk); the new one's is quick.
    slow = threading.Event()
    real_list = app.videos.list

    def list_videos(actor, dataset_id: uuid.UUID):  # type: ignore[no-untyped-def]
        if dataset_id == shapes.id:
            slow.wait(30)
        return real_list(actor, dataset_id)

    monkeypatch.setattr(app.videos, "list", list_videos)
    window.datasets.select(empty.id)
    window.datasets.select(shapes.id)
    # meanwhile: a light placeholder, not the previous dataset's videos, not "drop files here"
    assert panel.dataset is not None and panel.dataset.id == shapes.id
    assert panel.stack.currentWidget() is panel.loading_hint
    assert panel.model.rowCount() == 0
    window.datasets.select(empty.id)  # the person moved on before the answer came
    qtbot.waitUntil(lambda: not panel.loading, timeout=10_000)
    assert panel.stack.currentWidget() is panel.drop_hint
    slow.set()
    wait_idle(qtbot, window)
    assert panel.dataset.id == empty.id
    assert panel.model.rowCount() == 0  # the demo video's late answer was dropped
    assert panel._rows.dropped >= 1


def test_a_reload_keeps_showing_the_previous_contents(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, app: VideoLab, monkeypatch
) -> None:
    panel = window.jobs_panel
    gate = threading.Event()
    real_list = app.jobs.list

    def slow_list(*args, **kwargs):  # type: ignore[no-untyped-def]
        gate.wait(30)
        return real_list(*args, **kwargs)

    monkeypatch.setattr(app.jobs, "list", slow_list)
    datasets_before = window.datasets.model.rowCount()
    window.refresh()
    assert panel.loading
    assert panel.table_stack.currentWidget() is panel.view  # not back to "Loading jobs…"
    assert window.datasets.model.rowCount() == datasets_before
    gate.set()
    wait_idle(qtbot, window)
    assert not panel.loading


def test_a_job_process_report_refreshes_the_jobs_table_without_any_poll(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, app: VideoLab
) -> None:
    panel = window.jobs_panel
    assert not [t for t in panel.findChildren(QTimer) if t.isActive()], "the table is polled"
    video = window.videos.current()
    assert video is not None
    # A job accepted outside this window's operations: nothing tells the table yet.
    job = app.jobs.create(window.session.user, video.id, DetectionParams(end=4, device="cpu"))
    qtbot.wait(300)
    assert panel.model.row_of(job.id) < 0
    # The job's process reports its first progress: the job is RUNNING, the table re-reads.
    window.jobs._progress(job.id, ChildProgress(1, 4, 10.0, 0, None))
    wait_idle(qtbot, window)
    assert panel.model.row_of(job.id) >= 0
    # The balance changed too (the hold); the account is re-read when told so.
    window.refresh()
    wait_idle(qtbot, window)
    assert window.session.user.tokens_milli == app.auth.refresh(window.session.user).tokens_milli
    assert window.session.user.tokens_milli < 100_000
    app.jobs.fail_unfinished(job.id, "test over")


def test_a_failed_load_leaves_no_loading_placeholder(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, app: VideoLab, monkeypatch
) -> None:
    from videolab.domain.errors import Unavailable

    def unavailable(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise Unavailable("The database is busy.")

    monkeypatch.setattr(app.videos, "list", unavailable)
    monkeypatch.setattr(app.datasets, "list", unavailable)
    window.datasets.set_trash_mode(True)
    window.datasets.set_trash_mode(False)
    wait_idle(qtbot, window)
    assert "The database is busy." in window.message_bar.text()
    assert "Loading" not in window.datasets.empty.text()
    assert window.videos.stack.currentWidget() is not window.videos.loading_hint
