"""Datasets panel and uploads, driven through the real widgets."""

from __future__ import annotations

import threading
from pathlib import Path

from gui_helpers import StallProbe, copy_clip, drop_files, wait_idle
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent
from PySide6.QtWidgets import QApplication

from videolab.gui import format as fmt
from videolab.gui.controllers.uploads import DONE, FAILED
from videolab.gui.main_window import MainWindow
from videolab.services.app import VideoLab


def create_dataset(qtbot, window: MainWindow, name: str, tags=("demo",)) -> None:  # type: ignore[no-untyped-def]
    panel = window.datasets
    panel.create_dataset()
    dialog = panel.dialog
    dialog.name_edit.setText(name)
    dialog.set_tags(list(tags))
    dialog.accept()
    wait_idle(qtbot, window)


def test_create_rename_tags_trash_and_restore(qtbot, window: MainWindow, confirm_yes) -> None:  # type: ignore[no-untyped-def]
    panel = window.datasets
    create_dataset(qtbot, window, "Birds", ("wildlife",))
    # in name order, not the order of creation (the demo dataset is the older one)
    assert [d.name for d in panel.model.rows()] == ["Birds", "Moving shapes"]
    assert panel.current().name == "Birds"
    assert panel.current().tags == ("wildlife",)
    assert window.videos.title.text() == "Birds"

    # duplicate name: the dialog stays open with the service's message beside the field
    # (tests/gui/test_dataset_dialogs_and_trash.py has the details)
    create_dataset(qtbot, window, "Birds")
    assert panel.dialog.isVisible()
    assert "already have a dataset named 'Birds'" in panel.dialog.error.text()
    panel.dialog.reject()

    # filter by tag, search by name
    panel.tag_filter.setCurrentText("wildlife")
    wait_idle(qtbot, window)
    assert [d.name for d in panel.model.rows()] == ["Birds"]
    panel.tag_filter.setCurrentIndex(0)
    panel.search.setText("moving")
    wait_idle(qtbot, window)
    assert [d.name for d in panel.model.rows()] == ["Moving shapes"]
    panel.search.clear()
    wait_idle(qtbot, window)

    # rename and edit tags
    panel.select(next(d.id for d in panel.model.rows() if d.name == "Birds"))
    panel.rename_dataset()
    panel.dialog.edit.setText("Birds of prey")
    panel.dialog.accept()
    wait_idle(qtbot, window)
    panel.edit_tags()
    panel.dialog.set_tags(["wildlife", "sports"])
    panel.dialog.accept()
    wait_idle(qtbot, window)
    assert panel.current().name == "Birds of prey"
    assert panel.current().tags == ("sports", "wildlife")

    # delete to the trash (confirmed), see it in the trash, restore it
    panel.delete_dataset()
    wait_idle(qtbot, window)
    assert "Birds of prey" in confirm_yes[-1]
    assert "Birds of prey" not in [d.name for d in panel.model.rows()]
    panel.set_trash_mode(True)
    wait_idle(qtbot, window)
    assert "Birds of prey" in [d.name for d in panel.model.rows()]
    panel.select(next(d.id for d in panel.model.rows() if d.name == "Birds of prey"))
    qtbot.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert "Birds of prey" not in [d.name for d in panel.model.rows()]
    panel.set_trash_mode(False)
    wait_idle(qtbot, window)
    assert "Birds of prey" in [d.name for d in panel.model.rows()]


def test_drop_a_video_on_the_window_uploads_it(
    qtbot, window: MainWindow, make_clip, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    create_dataset(qtbot, window, "Drops")
    before = window.session.user.tokens_milli
    clip = make_clip(seed=5, frames=30)
    path = copy_clip(clip.path, tmp_path / "in", "street.mp4")

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(
        QPoint(400, 300),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    with qtbot.waitSignal(window.uploads.uploaded, timeout=30_000) as signal:
        drop_files(window, [path])
    video = signal.args[0]
    assert video.frame_count == 30
    wait_idle(qtbot, window)
    rows = window.videos.model.rows()
    assert [v.name for v in rows] == ["street.mp4"]
    frames_cell = window.videos.model.index(0, 1).data()
    assert frames_cell == "30"
    assert window.session.user.tokens_milli == before - 30
    assert fmt.amount(before - 30) in window.badge.balance_text()
    item = window.uploads.items[next(iter(window.uploads.items))]
    assert item.state == DONE and item.cost_milli == 30
    # the dataset card shows the new count
    ds = window.datasets.current()
    assert ds is not None and ds.video_count == 1


def test_drop_on_a_dataset_row_uploads_into_it(
    qtbot, window: MainWindow, make_clip, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    panel = window.datasets
    target = next(d for d in panel.model.rows() if d.name == "Moving shapes")
    path = copy_clip(make_clip(seed=6, frames=12).path, tmp_path / "in", "row.mp4")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    row = panel.model.row_of(target.id)
    assert panel.model.canDropMimeData(
        mime, Qt.DropAction.CopyAction, -1, 0, panel.model.index(row)
    )
    with qtbot.waitSignal(window.uploads.uploaded, timeout=30_000) as signal:
        rect = panel.view.visualRect(panel.model.index(row))
        drop_files(panel.view.viewport(), [path], rect.center())
    assert signal.args[0].dataset_id == target.id
    wait_idle(qtbot, window)


def test_a_corrupt_file_fails_alone(qtbot, window: MainWindow, make_clip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    create_dataset(qtbot, window, "Mixed")
    bad = tmp_path / "in" / "broken.mp4"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 500)
    good = copy_clip(make_clip(seed=7, frames=10).path, tmp_path / "in", "good.mp4")
    drop_files(window, [bad, good])
    wait_idle(qtbot, window)
    states = {i.name: i for i in window.uploads.items.values()}
    assert states["broken.mp4"].state == FAILED
    assert "broken.mp4" in states["broken.mp4"].message
    assert states["good.mp4"].state == DONE
    assert [v.name for v in window.videos.model.rows()] == ["good.mp4"]
    assert "broken.mp4" in " ".join(window.errors.history)
    # the queue's Details column shows the reason
    qm = window.videos.queue_model
    row = next(r for r in range(qm.rowCount()) if qm.index(r, 0).data() == "broken.mp4")
    assert qm.index(row, qm.COL_DETAILS).data() == states["broken.mp4"].message
    # a failed row never shows "…" (still to come) for what it will never have
    assert qm.index(row, 2).data() == "—"  # frames
    assert qm.index(row, 3).data() == "—"  # cost: nothing was charged
    assert qm.index(row, 1).data() == "Mixed"  # the dataset it was going into
    good_row = next(r for r in range(qm.rowCount()) if qm.index(r, 0).data() == "good.mp4")
    assert qm.index(good_row, 2).data() == "10"
    assert not window.videos.cancel_uploads.isEnabled()  # nothing runs any more


def test_upload_refused_for_insufficient_credits(
    qtbot, app: VideoLab, demo, make_clip, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from gui_helpers import open_window

    poor = app.users.create(demo.admin, "poor@example.com", "poor password", "user", 10)
    window = open_window(qtbot, app, poor)
    try:
        create_dataset(qtbot, window, "Too expensive")
        path = copy_clip(make_clip(seed=8, frames=24).path, tmp_path / "in", "pricey.mp4")
        drop_files(window, [path])
        wait_idle(qtbot, window)
        assert "your balance is 0.01 tokens" in window.message_bar.text()
        assert window.videos.model.rowCount() == 0
        assert window.session.user.tokens_milli == 10
    finally:
        window.close()


def test_gui_thread_never_stalls_during_an_upload(
    qtbot, window: MainWindow, make_clip, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    create_dataset(qtbot, window, "Probe")
    path = copy_clip(
        make_clip(seed=9, frames=150, size=(640, 360)).path, tmp_path / "in", "long.mp4"
    )
    probe = StallProbe().start()
    with qtbot.waitSignal(window.uploads.uploaded, timeout=60_000):
        drop_files(window, [path])
    wait_idle(qtbot, window)
    probe.stop()
    # The loop turned while the upload ran (a quick machine uploads this clip in ~0.1 s).
    assert len(probe.gaps) >= 3
    assert probe.worst_own_ms < 100, f"GUI thread stalled for {probe.worst_own_ms:.0f} ms"


def test_cancelled_uploads_store_and_charge_nothing(
    qtbot, window: MainWindow, make_clip, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from videolab.gui.controllers.uploads import CANCELLED

    create_dataset(qtbot, window, "Cancelled")
    before = window.session.user.tokens_milli
    paths = [
        copy_clip(make_clip(seed=s, frames=12).path, tmp_path / "in", f"c{s}.mp4") for s in (11, 12)
    ]
    gate = threading.Event()
    window.executor.write(gate.wait, 10)  # the write queue is busy: the uploads wait in line
    drop_files(window, paths)
    assert window.videos.cancel_uploads.isEnabled()
    window.videos.cancel_uploads.click()
    gate.set()
    wait_idle(qtbot, window)
    assert {i.state for i in window.uploads.items.values()} == {CANCELLED}
    assert all("nothing was stored" in i.message for i in window.uploads.items.values())
    assert window.videos.model.rowCount() == 0
    assert window.session.user.tokens_milli == before


def test_drop_without_a_dataset_explains_what_to_do(
    qtbot, window: MainWindow, make_clip, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    window.datasets.set_trash_mode(True)  # nothing live is selected in the trash view
    window.datasets.view.selectionModel().clearCurrentIndex()
    path = copy_clip(make_clip(seed=13, frames=12).path, tmp_path / "in", "lost.mp4")
    drop_files(window, [path])
    assert "Select or create a dataset first" in window.message_bar.text()
    assert not window.uploads.items


def test_an_upload_decodes_the_video_once(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, make_clip, tmp_path: Path, monkeypatch
) -> None:
    """Probe and store are two operations; what the probe decoded is not decoded again."""
    import videolab.inference.probe as probe_module
    import videolab.services.videos as video_service

    decodes: list[str] = []
    real = probe_module.probe_video

    def counting(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        decodes.append(threading.current_thread().name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(probe_module, "probe_video", counting)
    if hasattr(video_service, "probe_video"):
        monkeypatch.setattr(video_service, "probe_video", counting)
    create_dataset(qtbot, window, "Once")
    path = copy_clip(make_clip(seed=14, frames=20).path, tmp_path / "in", "once.mp4")
    with qtbot.waitSignal(window.uploads.uploaded, timeout=30_000):
        drop_files(window, [path])
    wait_idle(qtbot, window)
    assert [v.frame_count for v in window.videos.model.rows()] == [20]
    assert len(decodes) == 1, f"the video was decoded {len(decodes)} times"
    assert threading.main_thread().name not in decodes


def test_a_dataset_in_the_trash_shows_no_error(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Its videos are hidden until it is restored: the panel says so, without asking."""
    window.datasets.set_trash_mode(True)
    wait_idle(qtbot, window)
    assert window.datasets.current() is not None and window.datasets.current().is_deleted
    assert window.videos.stack.currentWidget() is window.videos.drop_hint
    assert "Restore this dataset" in window.videos.drop_hint.sub.text()
    assert window.errors.history == []
