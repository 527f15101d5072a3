"""Save 1280x800 screenshots of VideoLab's main screens, driven through the real widgets.

    python scripts/screenshots.py [--out screenshots]

Runs on a throwaway demo database (VIDEOLAB_HOME in a temporary folder) and on Qt's offscreen
platform when there is no display. Screens: login, datasets and videos, run dialog, a job
running with its live frame, the results viewer, and the admin screen.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SIZE = (1280, 800)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="screenshots", help="folder for the PNG files")
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="videolab-shots-") as home:
        os.environ["VIDEOLAB_HOME"] = home
        os.environ.pop("VIDEOLAB_DB", None)
        return Shooter(out, Path(home)).run()


class Shooter:
    def __init__(self, out: Path, home: Path) -> None:
        from videolab.gui.app import make_application

        self.out = out
        self.home = home
        self.qt = make_application(["videolab-screenshots"])

    # -- helpers -----------------------------------------------------------------------------
    def pump(self, seconds: float = 0.2) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.qt.processEvents()
            time.sleep(0.01)

    def wait(self, cond: Callable[[], bool], timeout: float = 120.0, what: str = "") -> None:
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > end:
                raise TimeoutError(f"timed out waiting for {what or cond}")
            self.qt.processEvents()
            time.sleep(0.01)

    def save(self, name: str, pixmap) -> None:  # type: ignore[no-untyped-def]
        path = self.out / f"{name}.png"
        pixmap.save(str(path))
        print(f"saved {path}")

    def window_shot(self, window):  # type: ignore[no-untyped-def]
        window.resize(*SIZE)
        self.pump(0.3)
        return window.grab()

    def with_dialog(self, background, dialog):  # type: ignore[no-untyped-def]
        """The window dimmed, with the dialog and a soft shadow centred over it."""
        from PySide6.QtCore import QRectF
        from PySide6.QtGui import QColor, QPainter

        self.pump(0.2)
        shot = dialog.grab()
        canvas = background.copy()
        painter = QPainter(canvas)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(canvas.rect(), QColor(0, 0, 0, 90))
        w, h = shot.width() / shot.devicePixelRatio(), shot.height() / shot.devicePixelRatio()
        x = (canvas.width() / canvas.devicePixelRatio() - w) / 2
        y = (canvas.height() / canvas.devicePixelRatio() - h) / 2
        for i in range(12, 0, -1):
            painter.setBrush(QColor(0, 0, 0, 6))
            painter.setPen(QColor(0, 0, 0, 0))
            painter.drawRoundedRect(QRectF(x - i, y - i + 4, w + 2 * i, h + 2 * i), 10 + i, 10 + i)
        painter.drawPixmap(int(x), int(y), shot)
        painter.end()
        return canvas

    # -- screens -----------------------------------------------------------------------------
    def run(self) -> int:
        from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPixmap

        from videolab.gui.app import open_database
        from videolab.gui.keyring_store import TokenStore
        from videolab.gui.login import LoginDialog
        from videolab.gui.main_window import MainWindow
        from videolab.gui.session import UserSession
        from videolab.inference.synthetic import generate_video
        from videolab.services.seed import DEMO_PASSWORD

        lab = open_database(None, True)
        status = 0
        try:
            # 1. login, on a plain backdrop
            dialog = LoginDialog(TokenStore("screenshots"), demo=True)
            dialog.set_app(lab)
            dialog.password.setText(DEMO_PASSWORD)
            dialog.show()
            backdrop = QPixmap(*SIZE)
            painter = QPainter(backdrop)
            gradient = QLinearGradient(0, 0, SIZE[0], SIZE[1])
            gradient.setColorAt(0, QColor("#1e3a8a"))
            gradient.setColorAt(1, QColor("#0f766e"))
            painter.fillRect(backdrop.rect(), gradient)
            painter.end()
            self.save("1-login", self.with_dialog(backdrop, dialog))
            dialog.done(0)

            alice = lab.auth.login("alice@example.com", DEMO_PASSWORD).user
            window = MainWindow(UserSession(lab, alice))
            window.show()
            window.tabs.setCurrentWidget(window.videos)

            # 2. datasets and videos: a second dataset, and two more clips through the queue
            traffic = lab.datasets.create(alice, "Traffic cameras", ["traffic", "synthetic"])
            lab.datasets.create(alice, "Wildlife trail cams", ["wildlife"])
            window.datasets.reload()
            shapes = next(d for d in window.datasets.model.rows() if d.name == "Moving shapes")
            window.datasets.select(shapes.id)
            clips = self.home / "clips"
            clips.mkdir()
            paths = [
                generate_video(clips / "crossing_north.mp4", seed=21, frames=120).path,
                generate_video(clips / "crossing_south.mp4", seed=22, frames=90).path,
            ]
            broken = clips / "damaged_export.mp4"
            broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x13" * 4000)
            window.upload_files(shapes.id, [str(p) for p in paths] + [str(broken)])
            self.wait(lambda: not window.uploads.busy, what="uploads")
            self.pump(0.3)
            window.message_bar.hide()
            window.statusBar().clearMessage()
            window.videos.select(window.videos.model.rows()[-1].id)
            self.save("2-datasets-videos", self.window_shot(window))
            _ = traffic

            # 3. the run dialog
            demo_video = next(v for v in window.videos.model.rows() if v.name == "shapes_demo.mp4")
            window.videos.select(demo_video.id)
            run_dialog = window.open_run_dialog(demo_video)
            run_dialog.device.setCurrentText("cpu")
            self.save("3-run-dialog", self.with_dialog(self.window_shot(window), run_dialog))

            # 4. a job running, with its latest annotated frame; 5. its results
            try:
                self.job_screens(window, run_dialog)
            except JobScreensFailed as exc:
                print(f"job screens not saved: {exc}", file=sys.stderr)
                status = 1
            window.close()

            # 6. admin
            admin = lab.auth.login("admin@example.com", DEMO_PASSWORD).user
            admin_window = MainWindow(UserSession(lab, admin))
            admin_window.show()
            admin_window.tabs.setCurrentWidget(admin_window.admin)
            admin_window.admin.reload()
            admin_window.admin.user_view.selectRow(1)
            self.save("6-admin", self.window_shot(admin_window))
            admin_window.close()
        finally:
            lab.close()
        return status

    def job_screens(self, window, run_dialog) -> None:  # type: ignore[no-untyped-def]
        from videolab.domain.enums import JobStatus

        finished: list = []
        previews: list[int] = []
        window.jobs.job_finished.connect(finished.append)
        window.jobs.preview.connect(lambda *_: previews.append(1))
        run_dialog.run_button.click()

        def failed() -> None:
            if finished and finished[0].status is not JobStatus.COMPLETED:
                raise JobScreensFailed(f"the job ended {finished[0].status}: {finished[0].error}")

        def started() -> bool:
            failed()
            return bool(window.jobs.running)

        self.wait(started, what="job start")
        job_id = window.jobs.running[0]
        live = window.jobs_panel.model

        def far_enough() -> bool:
            failed()
            p = live.live.get(job_id)
            return bool(previews) and p is not None and p.done >= p.total * 0.35

        self.wait(far_enough, timeout=300, what="job progress")
        window.message_bar.hide()
        window.statusBar().clearMessage()
        window.tabs.setCurrentWidget(window.jobs_panel)
        self.save("4-job-running", self.window_shot(window))

        self.wait(lambda: bool(finished), timeout=600, what="job end")
        failed()
        loaded: list[int] = []
        window.results.loaded.connect(lambda: loaded.append(1))
        window.open_results(finished[0])
        self.wait(lambda: bool(loaded), what="results")
        viewer = window.results
        busiest = max(
            viewer.frames[: max(1, len(viewer.frames) // 2)],
            key=lambda f: len(viewer.by_index[f]),
        )
        viewer.show_frame(busiest)
        viewer.det_view.selectRow(0)
        self.wait(lambda: not window.executor.busy, what="thumbnails")
        window.message_bar.hide()
        window.statusBar().clearMessage()
        self.save("5-results", self.window_shot(window))


class JobScreensFailed(RuntimeError):
    """The detection job did not complete, so its screens cannot be shown."""


if __name__ == "__main__":
    sys.exit(main())
