"""Issue 11, item 8: closing the main window while a job runs asks what becomes of the job."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from gui_helpers import open_window

from videolab.domain.dto import JobDTO
from videolab.domain.enums import JobStatus, LedgerReason
from videolab.domain.params import DetectionParams
from videolab.gui.main_window import MainWindow
from videolab.gui.widgets import quit_prompt
from videolab.gui.widgets.quit_prompt import RunningJobsChoice
from videolab.services.app import VideoLab

JOB_TIMEOUT = 120_000


class Answers:
    """The close prompt's answers, first first, and the job counts it was asked about."""

    def __init__(self) -> None:
        self.queue: list[RunningJobsChoice] = []
        self.asked: list[int] = []

    def append(self, choice: RunningJobsChoice) -> None:
        self.queue.append(choice)

    def ask(self, parent: object, count: int) -> RunningJobsChoice:
        self.asked.append(count)
        return self.queue.pop(0)


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[Answers]:
    a = Answers()
    monkeypatch.setattr(quit_prompt, "ask_about_running_jobs", a.ask)
    yield a


def start_job(qtbot, window: MainWindow) -> JobDTO:  # type: ignore[no-untyped-def]
    video = window.videos.current()
    assert video is not None
    with qtbot.waitSignal(window.jobs.submitted, timeout=30_000) as submitted:
        window.jobs.submit(video.id, DetectionParams(device="cpu"))
    job: JobDTO = submitted.args[0]
    with qtbot.waitSignal(window.jobs.progress, timeout=JOB_TIMEOUT):
        pass
    return job


def wait_settled(lab: VideoLab, window_user, job_id) -> JobDTO:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + JOB_TIMEOUT / 1000
    while not (job := lab.jobs.get(window_user, job_id)).status.is_final:
        assert time.monotonic() < deadline, "the job never settled"
        time.sleep(0.2)
    return job


def assert_money(lab: VideoLab, user, job: JobDTO, before: int) -> None:  # type: ignore[no-untyped-def]
    _, entries = lab.credits.ledger(user)
    reasons = [e.reason for e in entries if e.job_id == job.id]
    assert reasons.count(LedgerReason.JOB_HOLD) == 1
    assert reasons.count(LedgerReason.JOB_REFUND) <= 1, reasons
    assert lab.credits.balance(user) == before - job.charged_milli
    assert lab.credits.ledger_sum(user.id) == lab.credits.balance(user)


@pytest.mark.allow_gui_thread_sql  # the test itself reads the database to check the money
def test_stay_keeps_the_window_and_the_job(qtbot, app: VideoLab, demo, answers) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, app, demo.alice)
    job = start_job(qtbot, window)
    answers.append(RunningJobsChoice.STAY)
    window.close()
    assert window.isVisible() and answers.asked == [1]
    assert job.id in window.jobs.running
    answers.append(RunningJobsChoice.CANCEL_JOBS)  # the fixture's own close, after the test
    window.close()
    assert not window.isVisible()


@pytest.mark.allow_gui_thread_sql
def test_cancel_jobs_cancels_settles_then_quits(qtbot, app: VideoLab, demo, answers) -> None:  # type: ignore[no-untyped-def]
    before = app.credits.balance(demo.alice)
    window = open_window(qtbot, app, demo.alice)
    job = start_job(qtbot, window)
    answers.append(RunningJobsChoice.CANCEL_JOBS)
    window.close()
    assert not window.isVisible() and answers.asked == [1]
    done = app.jobs.get(demo.alice, job.id)  # close() returned once the job was settled
    assert done.status is JobStatus.ABORTED, done.error
    assert done.charged_milli is not None and done.charged_milli < job.cost_milli
    assert_money(app, demo.alice, done, before)


@pytest.mark.allow_gui_thread_sql
def test_keep_running_lets_the_job_finish_and_the_next_start_shows_it(  # type: ignore[no-untyped-def]
    qtbot, app: VideoLab, demo, answers
) -> None:
    before = app.credits.balance(demo.alice)
    window = open_window(qtbot, app, demo.alice)
    job = start_job(qtbot, window)
    answers.append(RunningJobsChoice.KEEP_RUNNING)
    started = time.monotonic()
    window.close()
    assert not window.isVisible() and answers.asked == [1]
    assert time.monotonic() - started < 10, "closing waited for the job"
    assert app.jobs.get(demo.alice, job.id).status is JobStatus.RUNNING  # not cancelled

    # The next start: recovery leaves the live job alone, and the Jobs tab lists it.
    with VideoLab.open(app.db.url, paths=app.paths) as restarted:
        assert restarted.jobs.get(demo.alice, job.id).status is JobStatus.RUNNING
    again = open_window(qtbot, app, demo.alice)
    assert again.jobs_panel.model.row_of(job.id) >= 0
    assert again.jobs_panel.live.job_id == job.id  # its live pane follows it too
    done = wait_settled(app, demo.alice, job.id)
    assert done.status is JobStatus.COMPLETED, done.error
    assert done.charged_milli == job.cost_milli
    assert_money(app, demo.alice, done, before)
    # The table follows a job this window does not run, until it ends.
    qtbot.waitUntil(
        lambda: (
            (row := again.jobs_panel.model.row_of(job.id)) >= 0
            and again.jobs_panel.model.dto(row).status is JobStatus.COMPLETED
        ),
        timeout=10_000,
    )
    again.close()


@pytest.mark.parametrize(
    ("button", "choice"),
    [
        ("Keep running", RunningJobsChoice.KEEP_RUNNING),
        ("Cancel job", RunningJobsChoice.CANCEL_JOBS),
        ("Don't quit", RunningJobsChoice.STAY),
    ],
)
def test_the_prompt_s_buttons(qtbot, button: str, choice: RunningJobsChoice) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from videolab.gui.widgets.quit_prompt import ask_about_running_jobs

    def press() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        next(b for b in box.buttons() if b.text() == button).click()

    QTimer.singleShot(0, press)
    assert ask_about_running_jobs(None, 1) is choice
