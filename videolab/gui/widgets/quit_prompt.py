"""Closing the window while detection jobs run: keep them running, cancel them, or stay."""

from __future__ import annotations

import enum

from PySide6.QtWidgets import QMessageBox, QWidget


class RunningJobsChoice(enum.Enum):
    KEEP_RUNNING = "keep"  # quit; the jobs go on in their own processes and settle themselves
    CANCEL_JOBS = "cancel"  # cancel them (paying for the frames done), then quit
    STAY = "stay"  # do not close


def ask_about_running_jobs(parent: QWidget | None, count: int) -> RunningJobsChoice:
    """Ask what becomes of ``count`` running jobs; Esc and the close box mean stay. Tests
    replace this function."""
    jobs = "a detection job" if count == 1 else f"{count} detection jobs"
    cancel_text = "Cancel job" if count == 1 else "Cancel jobs"
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Quit VideoLab",
        f"VideoLab is running {jobs}.",
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    if count == 1:
        info = (
            "Keep running: the job goes on after VideoLab closes, is charged for what it "
            "processes, and shows in the Jobs tab next time.\n"
            "Cancel job: it stops now; you pay only for the frames already processed."
        )
    else:
        info = (
            "Keep running: the jobs go on after VideoLab closes, are charged for what they "
            "process, and show in the Jobs tab next time.\n"
            "Cancel jobs: they stop now; you pay only for the frames already processed."
        )
    box.setInformativeText(info)
    keep = box.addButton("Keep running", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(cancel_text, QMessageBox.ButtonRole.DestructiveRole)
    stay = box.addButton("Don't quit", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(stay)
    box.exec()
    clicked = box.clickedButton()
    if clicked is keep:
        return RunningJobsChoice.KEEP_RUNNING
    if clicked is cancel:
        return RunningJobsChoice.CANCEL_JOBS
    return RunningJobsChoice.STAY
