"""``videolab``: start the desktop application.

The login dialog shows at once; the database opens (and the demo is seeded) in a worker
behind it. A remembered session skips the dialog.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from videolab.domain.dto import UserDTO
from videolab.gui import main_thread_gc, platform_check
from videolab.gui.changes import Change
from videolab.gui.errors import describe
from videolab.gui.keyring_store import TokenStore
from videolab.gui.login import LoginDialog
from videolab.gui.ops import Operations
from videolab.gui.widgets.brand import app_icon
from videolab.gui.workers import Executor
from videolab.settings import app_paths, database_url

if TYPE_CHECKING:  # the services (SQLAlchemy, OpenCV, argon2) load behind the login dialog
    from videolab.gui.main_window import MainWindow
    from videolab.services.app import VideoLab

log = logging.getLogger("videolab.gui")


def demo_db_path() -> Path:
    return app_paths().data_dir / "demo" / "videolab-demo.db"


def open_database(
    db: str | None, demo: bool, step: Callable[[str], None] | None = None
) -> VideoLab:
    """Open (and migrate) the database; with ``demo``, the demo database (worker code).

    The demo data goes into the demo database only while it is new and empty (see
    ``services.seed``); never into the database of ``--db`` or the default one. ``step``
    hears what is being done, for the sign-in window to say while it waits.
    """
    say = step or (lambda _text: None)
    say("Loading VideoLab")
    from videolab.domain.errors import Conflict
    from videolab.services.app import VideoLab

    say("Opening and, if needed, updating the database")
    lab = VideoLab.open(str(demo_db_path()) if demo else db)
    if demo:
        say("Preparing the demo accounts, datasets and video")
        try:
            lab.load_demo()
        except Conflict as exc:  # someone replaced its accounts: open it as it is
            log.warning("demo data not loaded: %s", exc)
    return lab


@dataclass(frozen=True)
class Opened:
    """What the window needs to know once the database is open, all asked off the GUI thread."""

    lab: VideoLab
    needs_first_admin: bool
    user: UserDTO | None  # signed in again by a remembered session
    token_problem: str = ""  # why a remembered session was not usable


def open_and_resume(
    db: str | None,
    demo: bool,
    token: str | None,
    progress: Callable[..., None] | None = None,
) -> Opened:
    """Worker code: open the database and, with a remembered token, sign in with it."""

    def step(text: str) -> None:
        if progress is not None:
            progress(text, force=True)  # each step once, never throttled away

    lab = open_database(db, demo, step)
    user, problem = None, ""
    if token:
        step("Signing you in again")
        try:
            user = lab.auth.login_with_token(token)
        except Exception as exc:
            problem = describe(exc)
    first = user is None and lab.auth.needs_first_admin()
    return Opened(lab, first, user, problem)


class Launcher(QObject):
    """Sign-in, the main window, and sign-out back to sign-in."""

    def __init__(self, db: str | None = None, *, demo: bool = False) -> None:
        super().__init__()
        self.db = db
        self.demo = demo
        self.lab: VideoLab | None = None
        self.window: MainWindow | None = None
        self.dialog: LoginDialog | None = None
        key = database_url(str(demo_db_path()) if demo else db)
        self.store = TokenStore(key)
        self.executor = Executor(self)
        self.ops = Operations(self.executor, self._report, self)

    def _report(self, exc: BaseException, context: str) -> None:
        log.warning("%s: %s", context or "start-up", describe(exc))

    def start(self) -> None:
        self.show_login()
        self.ops.write(
            open_and_resume,
            self.db,
            self.demo,
            self.store.load(),
            changes=Change.NONE,
            success=self._opened,
            failure=self._open_failed,
            progress=self._opening_step,
        )

    def _opening_step(self, text: object) -> None:
        if self.dialog is not None and self.dialog.app is None:
            self.dialog.show_step(str(text))

    def _opened(self, opened: Opened) -> None:
        self.lab = opened.lab
        if opened.token_problem:
            log.info("saved session not usable: %s", opened.token_problem)
            self.store.clear()
        if opened.user is not None:
            if self.dialog is not None:
                self.dialog.hide()
                self.dialog.done(0)
                self.dialog = None
            self.show_main(opened.user, self.store.load())
            return
        if self.dialog is not None:
            self.dialog.set_app(opened.lab, needs_first_admin=opened.needs_first_admin)

    def _open_failed(self, exc: BaseException) -> None:
        if self.dialog is not None:
            self.dialog.show_error(f"The database could not be opened: {describe(exc)}")

    def show_login(self) -> None:
        creating = self.demo and self.lab is None and not demo_db_path().exists()
        dialog = LoginDialog(self.store, demo=self.demo, creating_demo=creating)
        dialog.setWindowIcon(app_icon())
        dialog.signed_in.connect(self.show_main)
        dialog.rejected.connect(self._quit_if_no_window)
        if self.lab is not None:
            dialog.set_app(self.lab)
        self.dialog = dialog
        dialog.show()

    def _quit_if_no_window(self) -> None:
        if self.window is None:
            QApplication.quit()

    def show_main(self, user: UserDTO, token: str | None) -> None:
        from videolab.gui.main_window import MainWindow
        from videolab.gui.session import UserSession

        assert self.lab is not None
        self.dialog = None
        session = UserSession(self.lab, user, token)
        window = MainWindow(session)
        window.sign_out_requested.connect(self.sign_out)
        window.show()
        self.window = window

    def sign_out(self) -> None:
        window = self.window
        if window is None or self.lab is None:
            return
        token = window.session.token
        if token:
            self.ops.write(
                self.lab.auth.revoke_token,
                token,
                changes=Change.NONE,
                context="Could not revoke the saved session",
            )
        self.store.clear()
        self.window = None
        self.show_login()
        window.close()
        window.deleteLater()

    def shutdown(self) -> None:
        if self.window is not None:
            self.window.close()
        self.executor.shutdown()
        if self.lab is not None:
            self.lab.close()


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="videolab", description="VideoLab desktop application")
    parser.add_argument("--db", help="database file or SQLAlchemy URL (default: app data folder)")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the demo database (its own file, never --db's): sample accounts with the "
        "public password 'videolab-demo', datasets and a video, loaded while it is new",
    )
    parser.add_argument("--debug", action="store_true", help="log debug messages")
    args = parser.parse_args(list(argv))
    if args.demo and args.db:
        parser.error("--demo opens its own demo database; it cannot be combined with --db")
    return args


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        main_thread_gc.install(existing)
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    qt_app = QApplication(list(argv or sys.argv[:1]))
    qt_app.setApplicationName("VideoLab")
    qt_app.setOrganizationName("VideoLab")
    qt_app.setApplicationDisplayName("VideoLab")
    qt_app.setWindowIcon(app_icon())
    main_thread_gc.install(qt_app)
    return qt_app


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    problem = platform_check.check()
    if problem:  # Qt would abort blaming libxcb-cursor0 whatever is missing
        print(problem, file=sys.stderr)
        return 1
    qt_app = make_application()
    launcher = Launcher(args.db, demo=args.demo)
    launcher.start()
    qt_app.setQuitOnLastWindowClosed(False)
    qt_app.lastWindowClosed.connect(
        lambda: (
            None if launcher.dialog is not None and launcher.dialog.isVisible() else qt_app.quit()
        )
    )
    try:
        return qt_app.exec()
    finally:
        launcher.shutdown()


if __name__ == "__main__":
    sys.exit(main())
