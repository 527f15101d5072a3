"""The dataset dialogs keep a refusal beside the field; moving to the trash can be undone; the
trash deletes for good, after saying what is lost."""

from __future__ import annotations

from gui_helpers import wait_idle
from PySide6.QtCore import Qt

from videolab.domain.dto import DatasetDTO
from videolab.gui.main_window import MainWindow
from videolab.gui.widgets.dataset_dialogs import DatasetDialog, RenameDialog
from videolab.services.app import VideoLab

TRASHED = "Street scenes (old)"  # the demo's dataset in alice's trash


def names(window: MainWindow) -> list[str]:
    return [d.name for d in window.datasets.model.rows()]


def select(window: MainWindow, name: str) -> DatasetDTO:
    ds = next(d for d in window.datasets.model.rows() if d.name == name)
    window.datasets.select(ds.id)
    return ds


def open_trash(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.datasets.set_trash_mode(True)
    wait_idle(qtbot, window)


def test_a_name_taken_in_another_case_keeps_the_dialog_open_with_the_error(
    qtbot, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    panel = window.datasets
    wait_idle(qtbot, window)
    panel.create_dataset()
    dialog = panel.dialog
    assert isinstance(dialog, DatasetDialog)
    dialog.name_edit.setText("moving SHAPES")  # the demo has "Moving shapes"
    dialog.accept()
    wait_idle(qtbot, window)

    assert dialog.isVisible() and dialog.error.isVisible()
    assert "already have a dataset named 'Moving shapes'" in dialog.error.text()
    assert "ignoring case" in dialog.error.text()
    assert dialog.name_edit.selectedText() == "moving SHAPES"  # ready to be typed over
    assert dialog.ok_button().isEnabled()
    assert not window.message_bar.isVisible() and window.errors.history == []
    assert names(window) == ["Moving shapes"]

    dialog.name_edit.setText("Moving shapes 2")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)  # Enter submits, as OK does
    wait_idle(qtbot, window)
    assert not dialog.isVisible()
    assert names(window) == ["Moving shapes", "Moving shapes 2"]
    assert panel.current().name == "Moving shapes 2"


def test_rename_opens_with_the_name_selected_and_refuses_beside_the_field(
    qtbot, window: MainWindow, app: VideoLab, demo
) -> None:  # type: ignore[no-untyped-def]
    app.datasets.create(demo.alice, "Birds")
    window.refresh()
    wait_idle(qtbot, window)
    panel = window.datasets
    select(window, "Moving shapes")
    panel.rename_dataset()
    dialog = panel.dialog
    assert isinstance(dialog, RenameDialog)
    assert dialog.edit.selectedText() == "Moving shapes"  # typing replaces the old name

    dialog.edit.setText("BIRDS")
    dialog.accept()
    wait_idle(qtbot, window)
    assert dialog.isVisible() and "'Birds'" in dialog.error.text()
    assert window.errors.history == []

    assert dialog.edit.selectedText() == "BIRDS"  # selected again, to be typed over
    qtbot.keyClick(dialog.edit, Qt.Key.Key_End)
    qtbot.keyClicks(dialog.edit, " of prey")  # editing hides the old message
    assert not dialog.error.isVisible()
    dialog.accept()
    wait_idle(qtbot, window)
    assert not dialog.isVisible()
    assert "BIRDS of prey" in names(window)


def test_moving_to_the_trash_can_be_undone_from_the_banner(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    wait_idle(qtbot, window)
    select(window, "Moving shapes")
    window.datasets.delete_dataset()
    wait_idle(qtbot, window)
    assert names(window) == []
    bar = window.message_bar
    assert bar.isVisible() and "moved to the trash" in bar.text()
    assert bar.action_button.isVisible() and bar.action_button.text() == "Undo"

    qtbot.mouseClick(bar.action_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert names(window) == ["Moving shapes"]
    assert window.datasets.current().name == "Moving shapes"
    assert "restored from the trash" in bar.text() and not bar.action_button.isVisible()


def test_a_later_message_withdraws_the_undo(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    wait_idle(qtbot, window)
    select(window, "Moving shapes")
    window.datasets.delete_dataset()
    wait_idle(qtbot, window)
    window.ctx.notify("Something else happened.")
    assert not window.message_bar.action_button.isVisible()


def test_trash_title_and_no_stale_restore_hint_after_restoring(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    open_trash(qtbot, window)
    select(window, TRASHED)
    wait_idle(qtbot, window)
    videos = window.videos
    assert videos.title.text() == f"{TRASHED} (in the trash)"  # one space, not two
    assert "Restore this dataset" in videos.drop_hint.sub.text()
    assert videos.drop_hint.title.text() == "This dataset is in the trash"

    qtbot.mouseClick(window.datasets.restore_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert names(window) == []
    assert "Restore this dataset" not in videos.drop_hint.sub.text()
    assert "(in the trash)" not in videos.title.text()

    window.datasets.set_trash_mode(False)
    wait_idle(qtbot, window)
    select(window, TRASHED)
    wait_idle(qtbot, window)
    assert videos.title.text() == TRASHED
    assert "Restore this dataset" not in videos.drop_hint.sub.text()
    assert videos.drop_hint.title.text() == "Drop video files here"
    assert videos.upload_button.isEnabled()


def test_delete_permanently_says_what_is_lost_and_deletes(
    qtbot, window: MainWindow, app: VideoLab, demo, confirm_yes
) -> None:  # type: ignore[no-untyped-def]
    open_trash(qtbot, window)
    panel = window.datasets
    assert panel.purge_button.isVisible() and panel.empty_button.isVisible()
    select(window, TRASHED)
    assert panel.delete_action.text() == "Delete permanently…"  # the Delete key, in the trash
    panel.delete_action.trigger()
    wait_idle(qtbot, window)
    asked = confirm_yes[-1]
    assert f"Delete '{TRASHED}' permanently?" in asked
    assert "cannot be restored" in asked and "credit history stay" in asked
    assert names(window) == []
    assert app.datasets.list(demo.alice, deleted=True) == []
    assert "deleted permanently" in window.message_bar.text()


def test_empty_trash_lists_what_goes_and_empties_it(
    qtbot, window: MainWindow, app: VideoLab, demo, confirm_yes
) -> None:  # type: ignore[no-untyped-def]
    extra = app.datasets.create(demo.alice, "Scratch")
    app.datasets.delete(demo.alice, extra.id)
    open_trash(qtbot, window)
    assert sorted(names(window)) == ["Scratch", TRASHED]
    window.datasets.empty_trash()
    wait_idle(qtbot, window)
    asked = confirm_yes[-1]
    assert "2 dataset(s)" in asked and "'Scratch'" in asked and "cannot be restored" in asked
    assert names(window) == [] and window.datasets.empty.text() == "The trash is empty."
    assert not window.datasets.empty_button.isEnabled()
    assert [d.name for d in app.datasets.list(demo.alice)] == ["Moving shapes"]


def test_a_dataset_in_the_trash_counts_its_hidden_videos(
    qtbot, window: MainWindow, app: VideoLab, demo
) -> None:  # type: ignore[no-untyped-def]
    shapes = next(d for d in app.datasets.list(demo.alice) if d.name == "Moving shapes")
    app.datasets.delete(demo.alice, shapes.id)
    open_trash(qtbot, window)
    select(window, "Moving shapes")
    wait_idle(qtbot, window)
    assert window.videos.subtitle.text().startswith("1 video · ")  # hidden, not "0 videos"
    assert not window.videos.drop_hint.icon.isVisibleTo(window.videos.drop_hint)
