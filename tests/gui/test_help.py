"""F1 opens the user guide (it opened About); the guide is the README's section, shipped."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt

from videolab.gui.main_window import MainWindow
from videolab.gui.widgets.help_window import GUIDE, HelpWindow
from videolab.shipped import resource

ROOT = Path(__file__).resolve().parents[2]


def readme_guide() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"^## Using the desktop app\n.*?(?=^## )", readme, re.S | re.M)
    assert found, "README.md lost its 'Using the desktop app' section"
    return found.group(0)


def test_the_shipped_guide_is_the_readme_section() -> None:
    """resources/ is what the wheel and the bundle carry; the README is not in either."""
    shipped = resource(*GUIDE).read_text(encoding="utf-8")
    assert shipped.strip() == readme_guide().strip()


def test_f1_opens_the_user_guide_and_about_stays_in_the_help_menu(
    qtbot, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    guide = window.findChild(HelpWindow)
    assert guide is not None and guide.isVisible()
    assert "Run detection" in guide.browser.toPlainText()
    qtbot.keyClick(window, Qt.Key.Key_F1)  # again: the same window, not a second one
    assert len(window.findChildren(HelpWindow)) == 1
    help_menu = next(
        a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Help"
    )
    names = [a.text().replace("&", "") for a in help_menu.actions()]
    assert "About VideoLab" in names and "User guide" in names
    guide.close()
