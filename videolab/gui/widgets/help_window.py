"""The user guide (F1): README's "Using the desktop app" section, shipped with the app as
``resources/help/user-guide.md`` so it is there in a wheel and in the desktop bundle too."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from videolab.shipped import resource

GUIDE = ("help", "user-guide.md")


def guide_markdown() -> str:
    path = resource(*GUIDE)
    try:
        return path.read_text(encoding="utf-8")
    except OSError:  # a broken installation: say which file is missing rather than nothing
        return f"## User guide\n\nThe guide was not found at `{path}`; see README.md."


class HelpWindow(QDialog):
    """A window beside the main one (not modal): read the guide while using the app."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("User guide — VideoLab")
        self.setObjectName("HelpWindow")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setMarkdown(guide_markdown())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(640, 720)


def show_help(parent: QWidget | None) -> HelpWindow:
    """Show the guide, reusing the window already open for ``parent``."""
    existing = parent.findChild(HelpWindow) if parent is not None else None
    window = existing if isinstance(existing, HelpWindow) else HelpWindow(parent)
    window.show()
    window.raise_()
    window.activateWindow()
    return window
