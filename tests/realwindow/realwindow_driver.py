"""Run the screen tour in a real window and write what it found as JSON (for the tests).

    DISPLAY=:N QT_QPA_PLATFORM=xcb python tests/realwindow/realwindow_driver.py DB OUT.json

Its own process: the pytest process has its QApplication on the offscreen platform already,
and a process has one platform. ``DB`` holds the demo data; a finished job is added to it.
The JSON maps each screen to its clipped widgets, and adds the sign-in facts
(``login-facts``): each field's height and size hint, and which widget has the focus.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget


def main(argv: list[str]) -> int:
    db, out = Path(argv[0]), Path(argv[1])
    from videolab.gui import platform_check

    problem = platform_check.check()
    if problem:  # a missing system library: say which, rather than Qt's abort
        print(problem, file=sys.stderr)
        return 3
    import layout_audit
    import screens

    screens.prepare_database(screens.place_demo_database(db))
    from videolab.gui.app import make_application

    app = make_application(["videolab-realwindow-test"])
    platform = app.platformName()
    found: dict[str, object] = {"platform": platform}
    facts: dict[str, dict[str, object]] = {}

    def visit(name: str, window: QWidget) -> None:
        problems = layout_audit.clipped(window)
        sidebar = getattr(window, "datasets", None)  # the main window's dataset list
        if sidebar is not None:
            if sidebar.view.horizontalScrollBar().isVisible():
                problems.append("the sidebar's dataset list scrolls sideways")
        found[name] = problems
        if name.startswith("login"):
            focus = window.focusWidget()
            facts[name] = {
                "email": [window.email.height(), window.email.sizeHint().height()],  # type: ignore[attr-defined]
                "password": [window.password.height(), window.password.sizeHint().height()],  # type: ignore[attr-defined]
                "focus": focus.objectName() or type(focus).__name__ if focus else None,
                "focus_is_password": focus is window.password,  # type: ignore[attr-defined]
                "password_selected": window.password.selectedText() == window.password.text(),  # type: ignore[attr-defined]
                "active": window.isActiveWindow(),
            }

    tour = screens.Tour(visit)
    try:
        tour.run()
    except screens.TourFailed as exc:
        found["tour-failed"] = str(exc)
    except Exception:  # what was seen before it stopped is still judged
        found["tour-failed"] = traceback.format_exc()
    for screen, problems in tour.problems.items():
        listed = found.setdefault(screen, [])
        assert isinstance(listed, list)
        listed.extend(problems)
    found["login-facts"] = facts
    out.write_text(json.dumps(found, indent=1))
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
