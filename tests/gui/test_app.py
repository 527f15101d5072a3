"""Start-up: no torch at import time, the demo database, the About box, remembered layout."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtWidgets import QSplitter

from videolab.gui.app import Launcher, demo_db_path, parse_args
from videolab.gui.main_window import MainWindow
from videolab.gui.widgets.about import about_text, show_about


def test_the_gui_imports_without_torch() -> None:
    code = (
        "import sys, videolab.gui.app, videolab.gui.main_window; "
        "heavy = [m for m in ('torch', 'ultralytics') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_the_login_dialog_does_not_wait_for_the_database_layer() -> None:
    """What shows the first window imports neither SQLAlchemy nor OpenCV: those load in a
    worker while the dialog is already on screen."""
    code = (
        "import sys, videolab.gui.app; "
        "heavy = [m for m in ('sqlalchemy', 'cv2', 'argon2', 'torch') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_demo_flag_opens_a_seeded_demo_database(qtbot, tmp_home, no_keyring) -> None:  # type: ignore[no-untyped-def]
    assert parse_args(["--demo"]).demo
    launcher = Launcher(demo=True)
    launcher.start()
    dialog = launcher.dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.isVisible()  # at once, before the database is ready
    assert dialog.demo_box.isVisible()
    qtbot.waitUntil(lambda: dialog.app is not None, timeout=60_000)
    assert demo_db_path().is_file()
    assert dialog.email.text() == "alice@example.com"
    assert launcher.lab is not None
    assert {
        u.email
        for u in launcher.lab.users.list(
            launcher.lab.auth.login("admin@example.com", "videolab-demo").user
        )
    } >= {"admin@example.com", "alice@example.com", "bob@example.com"}
    dialog.close()
    launcher.shutdown()


def test_about_lists_versions(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    text = about_text()
    for name in ("VideoLab", "Python", "PySide6", "SQLAlchemy", "OpenCV", "PyTorch"):
        assert name in text
    box = show_about(window)
    qtbot.addWidget(box)
    box.close()


def test_window_layout_is_remembered(qtbot, app, demo) -> None:  # type: ignore[no-untyped-def]
    from gui_helpers import open_window

    first = open_window(qtbot, app, demo.alice)
    first.tabs.setCurrentIndex(1)
    first.splitter.setSizes([420, 860])
    first.close()
    second = open_window(qtbot, app, demo.alice)
    try:
        assert second.tabs.currentIndex() == 1
        assert abs(second.findChild(QSplitter, "main-splitter").sizes()[0] - 420) <= 2
    finally:
        second.close()


def test_demo_never_goes_into_another_database(tmp_home) -> None:  # type: ignore[no-untyped-def]
    """``--demo`` opens its own file; with ``--db`` it used to be silently ignored."""
    import pytest

    with pytest.raises(SystemExit):
        parse_args(["--demo", "--db", "team.db"])


@pytest.mark.allow_gui_thread_sql  # calls the launcher's worker function itself, in the test
def test_demo_database_with_other_accounts_opens_without_demo_accounts(tmp_home) -> None:  # type: ignore[no-untyped-def]
    from videolab.gui.app import open_database
    from videolab.repositories.users import UserRepository
    from videolab.services.app import VideoLab

    with VideoLab.open(str(demo_db_path())) as lab:
        lab.auth.create_first_admin("boss@lab.example", "a long secret")
    lab = open_database(None, demo=True)
    try:
        with lab.db.read() as s:
            assert UserRepository(s).by_email("admin@example.com") is None
            assert UserRepository(s).count() == 1
    finally:
        lab.close()


def test_the_window_title_names_the_app_once(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Qt appends " — VideoLab" (the display name) to a title on X11 and Windows unless the
    title is the name itself; a title that already said VideoLab read "VideoLab — … — VideoLab"."""
    title = window.windowTitle()
    shown = title if title in ("", "VideoLab") else f"{title} — VideoLab"
    assert shown.count("VideoLab") == 1 and "alice@example.com" in shown
