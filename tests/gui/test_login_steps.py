"""While the database opens, the sign-in window says which step it is at (issue 11, item 4:
a first launch sat on "Opening the database…" with no sign of life)."""

from __future__ import annotations

from videolab.gui.app import Launcher


def test_the_first_demo_launch_names_each_step_while_it_opens(qtbot, tmp_home, no_keyring) -> None:  # type: ignore[no-untyped-def]
    launcher = Launcher(demo=True)
    launcher.start()
    dialog = launcher.dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    seen: list[str] = []
    original = dialog.show_step

    def record(text: str) -> None:
        original(text)
        seen.append(dialog.heading.text())

    dialog.show_step = record  # type: ignore[method-assign]
    qtbot.waitUntil(lambda: dialog.app is not None, timeout=120_000)
    assert "Preparing the demo accounts, datasets and video…" in seen, seen
    assert dialog.heading.text() == "Sign in"  # the steps end with the form
    dialog.close()
    launcher.shutdown()
