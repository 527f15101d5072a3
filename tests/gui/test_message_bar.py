"""The banner: it moves nothing on screen, an older error goes once something later succeeds,
and the status bar does not keep a stale copy (issue 11)."""

from __future__ import annotations

from gui_helpers import wait_idle
from PySide6.QtCore import QPoint

from videolab.gui.changes import Change
from videolab.gui.main_window import MainWindow


def test_a_banner_moves_nothing(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    panel_at = window.videos.mapTo(window, QPoint(0, 0))
    button = window.videos.findChildren(type(window.datasets.live_button))[0]
    button_at = button.mapTo(window, QPoint(0, 0))
    window.errors.notify("Loading videos: something went wrong, and this says what.", "error")
    qtbot.waitUntil(window.message_bar.isVisible)
    qtbot.wait(50)  # the layouts after the banner showed
    assert window.videos.mapTo(window, QPoint(0, 0)) == panel_at
    assert button.mapTo(window, QPoint(0, 0)) == button_at
    window.message_bar.hide()
    qtbot.wait(50)
    assert window.videos.mapTo(window, QPoint(0, 0)) == panel_at


def test_a_long_message_is_elided_and_never_squeezes_the_tabs(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    text = "The upload failed: " + "this message goes on and on " * 12
    window.errors.notify(text, "error")
    qtbot.waitUntil(window.message_bar.isVisible)
    qtbot.wait(50)
    bar = window.tabs.tabBar()
    assert bar.width() >= bar.sizeHint().width()  # no scroll arrows on the tabs
    assert window.message_bar.is_elided()
    assert window.message_bar.text() == text  # the whole text stays, and is its tooltip
    assert window.message_bar.toolTip() == text
    assert window.message_bar.geometry().right() <= window.tabs.width()
    # it takes the room beside the tabs, not a sliver of it
    room = window.tabs.width() - bar.sizeHint().width()
    assert window.message_bar.width() >= room - 40


def test_a_short_message_is_shown_whole(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.errors.notify("Select a video to run detection on.", "warning")
    qtbot.waitUntil(window.message_bar.isVisible)
    qtbot.wait(50)
    assert not window.message_bar.is_elided()


def test_a_later_success_takes_an_older_error_down(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    now = [100.0]
    window.message_bar.clock = lambda: now[0]
    window.errors.notify("Rename: the name is taken.", "error")
    assert window.message_bar.isVisible()
    # A write that lands at once ran alongside the failed one: the error stays.
    window.ops.write(lambda: None, changes=Change.DATASETS)
    wait_idle(qtbot, window)
    assert window.message_bar.isVisible()
    now[0] += 5  # the person read it, then did something that worked
    window.ops.write(lambda: None, changes=Change.DATASETS)
    wait_idle(qtbot, window)
    assert not window.message_bar.isVisible()


def test_a_later_query_or_a_notice_does_not_hide_an_error_early(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    now = [100.0]
    window.message_bar.clock = lambda: now[0]
    window.errors.notify("Export: the folder is read-only.", "error")
    now[0] += 5
    window.refresh()  # re-reading lists is not the person's next action succeeding
    wait_idle(qtbot, window)
    assert window.message_bar.isVisible()
    assert window.message_bar.level == "error"


def test_the_status_bar_keeps_no_copy_of_a_banner(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.statusBar().showMessage("Upload video files into the selected dataset")
    window.errors.notify("Select a video to run detection on.", "warning")
    assert window.statusBar().currentMessage() == ""
    window.message_bar.hide()
    assert window.statusBar().currentMessage() == ""
