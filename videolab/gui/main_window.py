"""The main window: datasets on the left; videos, jobs, results and admin on the right."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QSettings, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QMenu,
    QSplitter,
    QStatusBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from videolab.domain.dto import JobDTO, LedgerEntryDTO, UserDTO, VideoDTO
from videolab.domain.params import DetectionParams
from videolab.gui.changes import Change
from videolab.gui.context import GuiContext
from videolab.gui.controllers.jobs import JobController
from videolab.gui.controllers.uploads import UploadController
from videolab.gui.errors import ErrorHandler
from videolab.gui.models.datasets import local_files
from videolab.gui.ops import Operations
from videolab.gui.session import UserSession
from videolab.gui.widgets import dialogs, quit_prompt
from videolab.gui.widgets.about import show_about
from videolab.gui.widgets.admin_panel import AdminPanel
from videolab.gui.widgets.brand import app_icon
from videolab.gui.widgets.datasets_panel import DatasetsPanel
from videolab.gui.widgets.help_window import show_help
from videolab.gui.widgets.jobs_panel import JobsPanel
from videolab.gui.widgets.message_bar import MessageBar
from videolab.gui.widgets.results_viewer import ResultsViewer
from videolab.gui.widgets.run_dialog import RunDialog
from videolab.gui.widgets.status import AccountBadge
from videolab.gui.widgets.videos_panel import VideosPanel
from videolab.gui.workers import Executor

#: Coming back to the window re-reads jobs and balance at most this often.
ACTIVATION_REFRESH_S = 5.0
#: The sidebar never gets narrower than this: a dataset card's name, count and a tag or two.
SIDEBAR_MIN_WIDTH = 190
SPLITTERS = (
    "main-splitter",
    "videos-splitter",
    "jobs-splitter",
    "results-splitter",
    "admin-splitter",
)


def gui_settings(config_dir: Path) -> QSettings:
    return QSettings(str(config_dir / "gui.ini"), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    sign_out_requested = Signal()

    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("VideoLab")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.errors = ErrorHandler(self)
        self.executor = Executor(self)
        self.executor.error_handler = self.errors.handle
        self.ops = Operations(self.executor, self.errors.handle, self)
        session.attach(self.ops)
        self.ctx = GuiContext(session, self.ops, self.errors)
        self.uploads = UploadController(self.ctx, self)
        self.jobs = JobController(self.ctx, self)
        self.last_params = DetectionParams()

        self.message_bar = MessageBar()
        self.datasets = DatasetsPanel(self.ctx)
        self.videos = VideosPanel(self.ctx, self.uploads)
        self.jobs_panel = JobsPanel(self.ctx, self.jobs)
        self.results = ResultsViewer(self.ctx)
        self.admin = AdminPanel(self.ctx)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.videos, "Videos")
        self.tabs.addTab(self.jobs_panel, "Jobs")
        self.tabs.addTab(self.results, "Results")
        self.admin_index = self.tabs.addTab(self.admin, "Admin")
        # The banner sits beside the tabs, in the row they take anyway: showing it moves
        # nothing on screen (above the tabs it pushed every button down under the cursor).
        self.tabs.setCornerWidget(self.message_bar, Qt.Corner.TopRightCorner)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 6, 6, 0)
        rl.addWidget(self.tabs, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main-splitter")
        self.splitter.addWidget(self.datasets)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        # Neither side folds away when the window narrows (a dragged-shut sidebar is hard to
        # find again), and the sidebar keeps room for a dataset's name and its count.
        self.splitter.setChildrenCollapsible(False)
        self.datasets.setMinimumWidth(SIDEBAR_MIN_WIDTH)
        self.splitter.setSizes([300, 980])
        self.setCentralWidget(self.splitter)

        self.badge = AccountBadge()
        status = QStatusBar()
        status.addPermanentWidget(self.badge)
        self.setStatusBar(status)

        self.errors.shown.connect(self._show_message)
        self.errors.offered.connect(lambda a: self.message_bar.offer(a.label, a.run))
        self.ops.succeeded.connect(self.message_bar.later_success)
        session.user_changed.connect(self._user_changed)
        self.datasets.selected.connect(self.videos.set_dataset)
        self.datasets.files_dropped.connect(self.upload_files)
        self.videos.run_requested.connect(self.open_run_dialog)
        self.jobs.submitted.connect(lambda _: self.tabs.setCurrentWidget(self.jobs_panel))
        self.jobs.job_finished.connect(self._job_finished)
        self.jobs_panel.open_results.connect(self.open_results)
        self._build_menus()
        self._user_changed(session.user)
        # First contents: every panel asks for its data at once; each shows a placeholder
        # until its answer lands, off the GUI thread.
        self.datasets.load_tags()
        self.datasets.reload()
        self.jobs_panel.reload()
        self._activated_at = time.monotonic()
        self.resize(1280, 800)
        self.restore_layout()

    # -- menus and shortcuts -----------------------------------------------------------------
    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(
            file,
            "&Upload videos…",
            self.videos.choose_files,
            "Ctrl+U",
            "Upload video files into the selected dataset",
        )
        self.backup_action = self._action(
            file,
            "&Back up database…",
            self.back_up_database,
            tip="Save a consistent copy of the database, safe while uploads and jobs run",
        )
        file.addSeparator()
        self._action(
            file,
            "Sign &out / switch user…",
            self.sign_out,
            "Ctrl+Shift+L",
            "Sign out, then sign in as someone else",
        )
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        ds = bar.addMenu("&Dataset")
        self._action(ds, "&New dataset…", self.datasets.create_dataset, "Ctrl+N")
        ds.addAction(self.datasets.rename_action)
        ds.addAction(self.datasets.tags_action)
        ds.addAction(self.datasets.delete_action)
        ds.addSeparator()
        self._action(
            ds,
            "Show &trash",
            lambda: self.datasets.set_trash_mode(not self.datasets.trash_mode),
            "Ctrl+Shift+T",
        )
        ds.addAction(self.datasets.restore_action)
        det = bar.addMenu("De&tection")
        self._action(det, "&Run detection…", self.run_selected, "Ctrl+R")
        self._action(det, "&Cancel job", self.jobs_panel.cancel_selected, "Ctrl+.")
        self._action(det, "Open &results", self.jobs_panel._open_selected, "Ctrl+O")
        view = bar.addMenu("&View")
        for i, name in enumerate(("Videos", "Jobs", "Results", "Admin")):
            action = self._action(
                view, name, lambda _=False, i=i: self.show_tab(i), f"Ctrl+{i + 1}"
            )
        self.admin_view_action = action  # shown to administrators only (_user_changed)
        view.addSeparator()
        self._action(
            view, "&Find dataset", self.datasets.search.setFocus, QKeySequence.StandardKey.Find
        )
        self._action(view, "Re&fresh", self.refresh, QKeySequence.StandardKey.Refresh)
        account = bar.addMenu("&Account")
        self._action(account, "My credits &ledger…", self.show_my_ledger)
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&User guide", lambda: show_help(self), "F1")
        self._action(help_menu, "&Keyboard shortcuts", self.show_shortcuts, "Ctrl+/")
        self._action(help_menu, "&About VideoLab", lambda: show_about(self))

    # -- state -------------------------------------------------------------------------------
    def back_up_database(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Back up the database", str(Path.home() / "videolab-backup.db"),
            "SQLite database (*.db)",
        )
        if path:
            self.start_backup(Path(path))

    def start_backup(self, path: Path) -> None:
        """Copy the database with SQLite's online backup, in a worker (it may take a while)."""
        self.ctx.notify(f"Backing up the database to {path}…")
        self.ops.long(
            self.ctx.app.backup,
            self.ctx.user,  # administrators only: the service checks
            path,
            success=lambda report: self.ctx.notify(f"Backup saved: {path}", "success"),
            context="The backup failed",
        )

    def _user_changed(self, user: UserDTO) -> None:
        self.badge.set_user(user)
        # Qt adds " — VideoLab" (the application's display name) itself on Linux and Windows.
        self.setWindowTitle(user.email)
        self.tabs.setTabVisible(self.admin_index, user.is_admin)
        self.admin_view_action.setVisible(user.is_admin)
        if not user.is_admin and self.tabs.currentIndex() == self.admin_index:
            self.show_tab(0)  # an administrator's remembered tab is not for the next user
        self.backup_action.setVisible(user.is_admin)
        if user.is_admin and not self.admin.users.rowCount() and not self.admin.loading:
            self.admin.reload()

    def _show_message(self, level: str, text: str) -> None:
        # The banner is the one place for messages; the status bar keeps the account and
        # menu hints, and a hint left there from before would read as news.
        self.message_bar.show_message(level, text)
        self.statusBar().clearMessage()

    def refresh(self) -> None:
        """View > Refresh: everything may have changed (another window, the command line)."""
        self.ops.notify(Change.ALL, "refresh")

    def changeEvent(self, event: QEvent) -> None:
        # Coming back to the window (say, from a terminal running videolab-cli) re-reads jobs
        # and balance: the cheap stand-in for watching other clients (see gui/changes.py).
        if (
            event.type() == QEvent.Type.ActivationChange
            and self.isActiveWindow()
            and time.monotonic() - self._activated_at > ACTIVATION_REFRESH_S
        ):
            self._activated_at = time.monotonic()
            self.ops.notify(Change.JOBS | Change.BALANCE, "window activated")
        super().changeEvent(event)

    # -- uploads -----------------------------------------------------------------------------
    def upload_files(self, dataset_id: uuid.UUID | None, paths: Sequence[str]) -> None:
        if dataset_id is None:
            current = self.datasets.current()
            if current is None or current.is_deleted:
                self.errors.notify(
                    "Select or create a dataset first; dropped videos go into it.", "warning"
                )
                return
            dataset_id = current.id
        if not paths:
            return
        self.datasets.select(dataset_id)
        self.tabs.setCurrentWidget(self.videos)
        target = self.datasets.current()
        name = target.name if target is not None and target.id == dataset_id else ""
        self.uploads.upload(dataset_id, list(paths), dataset_name=name)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = local_files(event.mimeData())
        if not files:
            return
        event.acceptProposedAction()
        self.upload_files(None, files)

    # -- jobs --------------------------------------------------------------------------------
    def run_selected(self) -> None:
        video = self.videos.current()
        if video is None:
            self.errors.notify("Select a video to run detection on.", "warning")
            return
        self.open_run_dialog(video)

    def open_run_dialog(self, video: VideoDTO) -> RunDialog:
        """Opens at once with the balance known; the balance is re-read meanwhile and the
        dialog follows it (a charge made by another client since)."""
        dialog = RunDialog(
            video, self.session.user.tokens_milli, self, initial=self.last_params,
            models_dir=self.session.app.paths.models_dir,
        )
        dialog.run.connect(self._run)
        self.session.user_changed.connect(dialog.set_user)
        dialog.finished.connect(lambda _: self._disconnect_dialog(dialog))
        self.session.reload()
        dialog.open()
        self.run_dialog = dialog
        return dialog

    def _disconnect_dialog(self, dialog: RunDialog) -> None:
        with contextlib.suppress(RuntimeError, TypeError):
            self.session.user_changed.disconnect(dialog.set_user)

    def _run(self, video: VideoDTO, params: DetectionParams) -> None:
        self.last_params = params
        self.jobs.submit(video.id, params)

    def _job_finished(self, job: JobDTO) -> None:
        if job.has_result and self.results.job is None:
            self.results.open_job(job)

    def open_results(self, job: JobDTO) -> None:
        self.results.open_job(job)
        self.tabs.setCurrentWidget(self.results)

    def shortcuts(self) -> list[tuple[str, str]]:
        rows = []
        for menu_action in self.menuBar().actions():
            menu = menu_action.menu()
            if not isinstance(menu, QMenu):
                continue
            for action in menu.actions():
                key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                if key and action.isVisible():
                    rows.append((action.text().replace("&", ""), key))
        rows += [
            ("Results: play / pause", "Space"),
            ("Results: previous / next frame", "← / →"),
            ("Results: first / last frame", "Home / End"),
        ]
        return rows

    def show_tab(self, index: int) -> None:
        """Switch to a tab the signed-in user may see; a hidden tab (Admin for a user) stays
        hidden whatever the shortcut or the remembered layout asks."""
        if self.tabs.isTabVisible(index):
            self.tabs.setCurrentIndex(index)

    def show_shortcuts(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        table = "".join(
            f"<tr><td>{name}</td><td>&nbsp;&nbsp;<b>{key}</b></td></tr>"
            for name, key in self.shortcuts()
        )
        box = QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        box.setText(f"<table>{table}</table>")
        box.open()
        self.shortcuts_box = box

    # -- account -----------------------------------------------------------------------------
    def show_my_ledger(self) -> None:
        def show(answer: tuple[UserDTO, list[LedgerEntryDTO]]) -> None:
            self.ledger_dialog = dialogs.LedgerDialog(self, *answer)
            self.ledger_dialog.open()

        self.ops.query(
            self.ctx.app.credits.ledger, self.session.user, success=show, context="Ledger"
        )

    def sign_out(self) -> None:
        if self.executor.busy and not dialogs.confirm(
            self,
            "Sign out",
            "Uploads or jobs are still running; signing out cancels them.",
            action="Cancel them and sign out",
        ):
            return
        self._leaving = True  # asked already: closing the window must not ask again
        self.sign_out_requested.emit()

    # -- layout ------------------------------------------------------------------------------
    def settings(self) -> QSettings:
        return gui_settings(self.session.app.paths.config_dir)

    def restore_layout(self) -> None:
        s = self.settings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = s.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        for name in SPLITTERS:
            splitter = self.findChild(QSplitter, name)
            value = s.value(f"splitters/{name}")
            if splitter is not None and isinstance(value, QByteArray):
                splitter.restoreState(value)
        tab = s.value("window/tab")
        if tab is not None:
            self.show_tab(int(tab))

    def save_layout(self) -> None:
        s = self.settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/tab", self.tabs.currentIndex())
        for name in SPLITTERS:
            splitter = self.findChild(QSplitter, name)
            if splitter is not None:
                s.setValue(f"splitters/{name}", splitter.saveState())
        s.sync()

    def shutdown(self) -> None:
        """Cancel what runs and wait for it (a job stops within a second)."""
        self.uploads.cancel_all()
        self.results.stop()
        self.results.close_reader()
        self.executor.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not getattr(self, "_leaving", False) and self.jobs.running:
            choice = quit_prompt.ask_about_running_jobs(self, len(self.jobs.running))
            if choice is quit_prompt.RunningJobsChoice.STAY:
                event.ignore()
                return
            if choice is quit_prompt.RunningJobsChoice.KEEP_RUNNING:
                self.jobs.detach_all()
            # CANCEL_JOBS: shutdown() cancels them and waits until each is settled.
        self._leaving = True  # decided once: the launcher's own close at exit does not ask
        self.save_layout()
        self.shutdown()
        super().closeEvent(event)
