"""A tour of VideoLab's main screens in a real window, for the real-window tests and
``scripts/screenshots.py``.

The tour starts the app as ``videolab --demo`` does (the :class:`Launcher`: sign-in dialog
first with the demo hint, the demo database opened behind it; see
:func:`place_demo_database`), types a wrong password, signs in, shows every main screen at
each size with and without a banner, opens the run dialog, signs out and signs in again as the
administrator. At each stop it calls ``visit(name, window)``: the tests audit the window
there, the script grabs it.

Run inside a QApplication on a real platform (``xcb``); this module drives, it checks nothing.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

SIZES: dict[str, tuple[int, int]] = {"1280x800": (1280, 800), "900x600": (900, 600)}
LOGIN_SCREENS = ("login", "login-wrong-password", "login-after-sign-out")
USER_SCREENS = ("videos", "banner", "jobs", "results", "trash", "run-dialog")
BANNER_TEXT = (
    "Loading videos: the database is busy (another program is writing to it); "
    "try again in a moment."
)
ADMIN_SCREENS = ("admin",)
MAIN_SCREENS = tuple(
    f"{screen}-{size}" for size in SIZES for screen in (*USER_SCREENS, *ADMIN_SCREENS)
)
ALL_SCREENS = (*LOGIN_SCREENS, *MAIN_SCREENS)
WRONG_PASSWORD = "not-the-password"

Visit = Callable[[str, QWidget], None]


class TourFailed(RuntimeError):
    """The app did not reach a screen (the message says which and why)."""


def pump(seconds: float) -> None:
    end = time.monotonic() + seconds
    app = QApplication.instance()
    assert app is not None
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def wait(cond: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    app = QApplication.instance()
    assert app is not None
    while not cond():
        if time.monotonic() > end:
            raise TourFailed(f"timed out after {timeout:.0f} s waiting for {what}")
        app.processEvents()
        time.sleep(0.01)


def settle(window: QWidget, timeout: float = 5.0) -> None:
    """Until the window manager has framed and activated ``window`` (on a loaded machine that
    takes a moment), then the answer to any resize; the checks judge what follows."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and not (
        window.isActiveWindow() and window.frameGeometry() != window.geometry()
    ):
        pump(0.05)
    pump(0.5)


def place_demo_database(db: Path) -> Path:
    """Copy ``db`` (demo data) to where ``videolab --demo`` opens its database, under
    ``VIDEOLAB_HOME``, so the launch finds it made (no seeding, no video to generate)."""
    from videolab.gui.app import demo_db_path

    target = demo_db_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal"):
        source = db.with_name(db.name + suffix)
        if source.exists():
            shutil.copyfile(source, target.with_name(target.name + suffix))
    return target


def prepare_database(db: Path) -> None:
    """Give alice a finished detection job (every 6th frame of the demo video: quick), so the
    Jobs and Results screens have something to show. ``db`` holds the demo data."""
    from videolab.domain.params import DetectionParams
    from videolab.services.app import VideoLab
    from videolab.services.seed import DEMO_PASSWORD

    lab = VideoLab.open(str(db))
    try:
        alice = lab.auth.login("alice@example.com", DEMO_PASSWORD).user
        shapes = next(d for d in lab.datasets.list(alice) if d.name == "Moving shapes")
        video = lab.videos.list(alice, shapes.id)[0]
        params = DetectionParams(model="demo", stride=6, device="cpu")
        job = lab.jobs.create(alice, video.id, params)
        done = lab.jobs.run(alice, job.id)
        if not done.has_result:
            raise TourFailed(f"the preparatory job ended {done.status}: {done.error}")
    finally:
        lab.close()


def resize(window: QWidget, size: tuple[int, int]) -> str:
    """Resize through the window manager; returns a problem when the window will not go."""
    window.resize(*size)
    end = time.monotonic() + 5
    while (window.width(), window.height()) != size and time.monotonic() < end:
        pump(0.05)
    pump(0.3)  # the layouts and the repaint after the last configure event
    if (window.width(), window.height()) != size:
        return (
            f"the window cannot be {size[0]}x{size[1]}: it stays "
            f"{window.width()}x{window.height()} (minimum {window.minimumSizeHint().width()}x"
            f"{window.minimumSizeHint().height()})"
        )
    return ""


class Tour:
    def __init__(self, visit: Visit, *, live_job: bool = False) -> None:
        self.visit = visit
        self.live_job = live_job  # also show a job running, with its live frame (~20 s more)
        self.problems: dict[str, list[str]] = {}  # found while driving (a window too small)

    def run(self) -> None:
        from videolab.gui.app import Launcher
        from videolab.services.seed import DEMO_PASSWORD

        launcher = Launcher(None, demo=True)  # opens place_demo_database's copy
        launcher.start()
        try:
            dialog = self._login_ready(launcher)
            self.visit("login", dialog)
            self._sign_in(launcher, "alice@example.com", WRONG_PASSWORD)
            wait(lambda: dialog.error.isVisible() and dialog.password.isEnabled(), "the error")
            pump(0.3)
            self.visit("login-wrong-password", dialog)
            self._sign_in(launcher, "alice@example.com", DEMO_PASSWORD)
            window = self._main_window(launcher)
            self._user_screens(window)
            if self.live_job:
                self._job_running(window)
            wait(lambda: not window.executor.busy, "the window to be idle")
            launcher.sign_out()
            dialog = self._login_ready(launcher)
            self.visit("login-after-sign-out", dialog)
            self._sign_in(launcher, "admin@example.com", DEMO_PASSWORD)
            window = self._main_window(launcher)
            for size_name, size in SIZES.items():
                self._resize(window, size, f"admin-{size_name}")
                window.show_tab(window.admin_index)
                wait(lambda: not window.ops.busy, "the admin lists")
                window.admin.user_view.selectRow(1)
                pump(0.3)
                self.visit(f"admin-{size_name}", window)
        finally:
            launcher.shutdown()

    # -- steps -------------------------------------------------------------------------------
    def _login_ready(self, launcher):  # type: ignore[no-untyped-def]
        wait(lambda: launcher.dialog is not None, "the sign-in dialog")
        dialog = launcher.dialog
        wait(lambda: dialog.isVisible() and dialog.mode != "loading", "the database to open")
        wait(lambda: dialog.email.isEnabled(), "the sign-in form")
        settle(dialog)
        return dialog

    def _sign_in(self, launcher, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
        dialog = launcher.dialog
        dialog.email.setText(email)
        dialog.password.clear()
        dialog.password.setFocus()
        QTest.keyClicks(dialog.password, password)
        dialog.submit.click()

    def _main_window(self, launcher):  # type: ignore[no-untyped-def]
        wait(lambda: launcher.window is not None, "the main window", timeout=60)
        window = launcher.window
        wait(lambda: window.isVisible() and not window.ops.busy, "the main window's contents")
        return window

    def _resize(self, window: QWidget, size: tuple[int, int], screen: str) -> None:
        problem = resize(window, size)
        if problem:
            self.problems.setdefault(screen, []).append(problem)

    def _user_screens(self, window) -> None:  # type: ignore[no-untyped-def]
        from videolab.domain.enums import JobStatus

        wait(lambda: window.datasets.model.rowCount() > 0, "the datasets")
        shapes = next(d for d in window.datasets.model.rows() if d.name == "Moving shapes")
        window.datasets.select(shapes.id)
        wait(lambda: window.videos.model.rowCount() > 0 and not window.ops.busy, "the videos")
        video = window.videos.model.rows()[0]
        window.videos.select(video.id)
        wait(lambda: window.jobs_panel.model.rowCount() > 0, "the jobs")
        job = next(
            j for j in window.jobs_panel.model.rows() if j.status is JobStatus.COMPLETED
        )
        loaded: list[int] = []
        window.results.loaded.connect(lambda: loaded.append(1))
        window.open_results(job)
        wait(lambda: bool(loaded) and not window.executor.busy, "the results")
        for size_name, size in SIZES.items():
            problem = resize(window, size)
            for screen in USER_SCREENS:
                if problem:
                    self.problems.setdefault(f"{screen}-{size_name}", []).append(problem)
            window.show_tab(0)
            pump(0.2)
            self.visit(f"videos-{size_name}", window)
            window.errors.notify(BANNER_TEXT, "error")
            pump(0.3)
            self.visit(f"banner-{size_name}", window)
            window.message_bar.hide()
            window.show_tab(1)
            window.jobs_panel.select(job.id)
            pump(0.2)
            self.visit(f"jobs-{size_name}", window)
            window.show_tab(2)
            pump(0.3)
            self.visit(f"results-{size_name}", window)
            window.show_tab(0)
            window.datasets.set_trash_mode(True)
            wait(lambda: not window.ops.busy, "the trash")
            if window.datasets.model.rowCount():
                window.datasets.select(window.datasets.model.rows()[0].id)
                wait(lambda: not window.ops.busy, "the trashed dataset")
            pump(0.3)
            self.visit(f"trash-{size_name}", window)
            window.datasets.set_trash_mode(False)
            wait(lambda: not window.ops.busy, "the datasets again")
            window.datasets.select(shapes.id)
            wait(lambda: window.videos.model.rowCount() > 0 and not window.ops.busy, "videos")
            window.videos.select(video.id)
            run_dialog = window.open_run_dialog(video)
            wait(lambda: window.run_dialog.isVisible() and not window.ops.busy, "the run dialog")
            pump(0.5)
            self.visit(f"run-dialog-{size_name}", run_dialog)
            run_dialog.reject()
            pump(0.2)

    def _job_running(self, window) -> None:  # type: ignore[no-untyped-def]
        """Start a job from the run dialog and stop at the Jobs screen while it runs."""
        from videolab.domain.enums import JobStatus

        resize(window, SIZES["1280x800"])
        window.show_tab(0)
        video = window.videos.model.rows()[0]
        finished: list[object] = []
        previews: list[int] = []
        window.jobs.job_finished.connect(finished.append)
        window.jobs.preview.connect(lambda *_: previews.append(1))
        dialog = window.open_run_dialog(video)
        wait(lambda: dialog.isVisible() and dialog.run_button.isEnabled(), "the run dialog")
        dialog.device.setCurrentText("cpu")
        dialog.run_button.click()
        wait(lambda: bool(window.jobs.running) or bool(finished), "the job to start")
        if finished:
            raise TourFailed(f"the job ended at once: {finished[0]}")
        job_id = window.jobs.running[0]
        live = window.jobs_panel.model.live

        def far_enough() -> bool:
            p = live.get(job_id)
            return bool(finished) or (bool(previews) and p is not None and p.done >= p.total * 0.3)

        wait(far_enough, "the job's progress", timeout=300)
        window.show_tab(1)
        pump(0.3)
        self.visit("job-running-1280x800", window)
        wait(lambda: bool(finished), "the job's end", timeout=600)
        if getattr(finished[0], "status", None) is not JobStatus.COMPLETED:
            raise TourFailed(f"the job ended {finished[0]}")
        wait(lambda: not window.executor.busy, "the window to be idle")
