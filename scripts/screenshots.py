"""Save screenshots of VideoLab's main screens from a real X11 window, at 1280x800 and 900x600.

    python scripts/screenshots.py [--out screenshots]

The screens are what a person sees, not an offscreen render: the app runs on Qt's ``xcb``
platform, under a window manager, and each shot is grabbed from the X server's screen,
window frame included. Without a display (or with ``--xvfb``) it starts its own Xvfb and
openbox (``apt install xvfb openbox``). It runs on a throwaway demo database (VIDEOLAB_HOME in
a temporary folder) with one finished job, and drives the same tour as the real-window tests
(``tests/realwindow/screens.py``): sign-in, a wrong password, videos, a banner, jobs, results,
the trash, the run dialog, a job running with its live frame, sign-in after signing out, and
the admin page. It also prints any widget the
tests' audit finds clipped on each screen.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOUR = ROOT / "tests" / "realwindow"
sys.path[:0] = [str(ROOT), str(TOUR)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="screenshots", help="folder for the PNG files")
    parser.add_argument(
        "--xvfb", action="store_true", help="use a private Xvfb even when DISPLAY is set"
    )
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    from xdisplay import XUnavailable, start_display

    display = None
    if args.xvfb or not os.environ.get("DISPLAY"):
        try:
            display = start_display()
        except XUnavailable as exc:
            print(f"no real window possible: {exc}", file=sys.stderr)
            return 2
        os.environ.update(display.env)
    os.environ["QT_QPA_PLATFORM"] = "xcb"  # a real window, whatever the shell asked for
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    try:
        with tempfile.TemporaryDirectory(prefix="videolab-shots-") as home:
            os.environ["VIDEOLAB_HOME"] = home
            os.environ.pop("VIDEOLAB_DB", None)
            return shoot(out, Path(home))
    finally:
        if display is not None:
            display.stop()


def shoot(out: Path, home: Path) -> int:
    import layout_audit
    import screens
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QApplication, QWidget

    from videolab.gui.app import make_application
    from videolab.services.app import VideoLab

    db = home / "videolab.db"
    lab = VideoLab.open(str(db))
    lab.load_demo()
    lab.close()
    screens.prepare_database(screens.place_demo_database(db))
    app = make_application(["videolab-screenshots"])
    if app.platformName() != "xcb":
        print(f"Qt runs on {app.platformName()!r}, not xcb: no real window", file=sys.stderr)
        return 2
    names = iter(f"{i:02d}" for i in range(1, 100))
    clipped_total = 0

    def visit(name: str, window: QWidget) -> None:
        nonlocal clipped_total
        # The window manager has framed and placed the window, and the last repaint has
        # reached the X server.
        screens.wait(lambda: window.frameGeometry() != window.geometry(), "the window frame", 5)
        screens.pump(0.4)
        # A dialog is shot over the main window it belongs to (or, signing in, with a margin).
        parent = window.parentWidget()
        target = parent.window() if parent is not None else window
        area = target.frameGeometry()
        if target is window and not hasattr(window, "tabs"):
            area = area.adjusted(-40, -40, 40, 40)
        screen = window.screen()
        area = area.intersected(QRect(screen.geometry()))
        shot = screen.grabWindow(0, area.x(), area.y(), area.width(), area.height())
        path = out / f"{next(names)}-{name}.png"
        shot.save(str(path))
        problems = layout_audit.clipped(window)
        clipped_total += len(problems)
        print(f"saved {path}" + (f"  ({len(problems)} clipped)" if problems else ""))
        for problem in problems:
            print(f"    clipped: {problem}")

    tour = screens.Tour(visit, live_job=True)
    try:
        tour.run()
    except screens.TourFailed as exc:
        print(f"the tour stopped: {exc}", file=sys.stderr)
        return 1
    for screen_name, problems in tour.problems.items():
        for problem in problems:
            print(f"{screen_name}: {problem}")
    QApplication.processEvents()
    return 1 if clipped_total or tour.problems else 0


if __name__ == "__main__":
    sys.exit(main())
