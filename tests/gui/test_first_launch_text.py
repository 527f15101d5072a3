"""The sign-in dialog says the demo database takes a while only when it is being created."""

from __future__ import annotations

from videolab.gui.app import Launcher, demo_db_path


def intro_while_loading(qtbot, launcher: Launcher) -> str:  # type: ignore[no-untyped-def]
    launcher.start()
    dialog = launcher.dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    text = dialog.intro.text()  # read before the worker has opened the database
    qtbot.waitUntil(lambda: dialog.app is not None, timeout=120_000)
    dialog.close()
    launcher.shutdown()
    return text


def test_only_the_first_demo_launch_says_it_takes_a_while(qtbot, tmp_home, no_keyring) -> None:  # type: ignore[no-untyped-def]
    """Every launch used to say "this takes a moment the first time", also the hundredth."""
    assert not demo_db_path().exists()
    first = intro_while_loading(qtbot, Launcher(demo=True))
    assert "Creating the demo database" in first
    assert demo_db_path().is_file()

    again = intro_while_loading(qtbot, Launcher(demo=True))
    assert again == "Checking the database."
    assert "first time" not in again and "takes" not in again
