"""Issue 11, item 9 and the jobs wording: the new job is selected, its phase is shown where
the job is (not in a banner), and one word and one time format throughout."""

from __future__ import annotations

import pytest
from gui_helpers import wait_idle

from videolab.domain.enums import JobStatus
from videolab.domain.params import DetectionParams
from videolab.gui.main_window import MainWindow
from videolab.gui.models.jobs import JobTableModel, status_word, took
from videolab.services.job_launcher import ChildProgress

CALIBRATING = "Calibrating INT8 on 300 frames of this video (once per video)"


def test_took_has_one_format_whatever_the_length() -> None:
    """ "Took" read "0:14" for one job and "3.2 s" for another."""
    assert [took(s) for s in (3.2, 14, 125.3)] == ["0:03.2", "0:14.0", "2:05.3"]
    assert took(3725) == "1:02:05"
    assert took(None) == ""


def test_a_stopped_job_is_cancelled_as_its_button_says() -> None:
    assert status_word(JobStatus.ABORTED) == "Cancelled"
    assert status_word(JobStatus.COMPLETED) == "Completed"


@pytest.mark.allow_gui_thread_sql  # the test makes its jobs directly in the database
def test_a_new_job_is_selected_and_its_phase_shown_in_its_row(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, app, demo
) -> None:
    video = window.videos.current()
    assert video is not None
    old = app.jobs.create(demo.alice, video.id, DetectionParams(end=5))
    app.jobs.cancel(demo.alice, old.id)
    old = app.jobs.get(demo.alice, old.id)
    panel = window.jobs_panel
    window.jobs.job_changed.emit(old)
    panel.select(old.id)
    assert panel.current().id == old.id and not panel.cancel_button.isEnabled()

    new = app.jobs.create(demo.alice, video.id, DetectionParams(end=5))
    window.jobs.job_changed.emit(new)  # what accepting a job does, without running it
    window.jobs.submitted.emit(new)
    assert panel.current().id == new.id  # the old row stayed selected, Cancel disabled
    assert panel.cancel_button.isEnabled()

    before = window.message_bar.text()
    window.jobs._progress(new.id, ChildProgress(0, 5, 0.0, None, None, CALIBRATING))
    model = panel.model
    row = model.row_of(new.id)
    assert model.data(model.index(row, JobTableModel.COL_STATUS)) == "Calibrating"
    assert CALIBRATING in panel.live.detail.text()
    panel.live.follow(app.jobs.get(demo.alice, new.id))  # a re-read of the table
    assert CALIBRATING in panel.live.detail.text()  # it said "Running" again
    assert window.message_bar.text() == before  # no banner left behind once it ends
    window.jobs._progress(new.id, ChildProgress(2, 5, 9.0, 1, None, None))
    assert model.data(model.index(row, JobTableModel.COL_STATUS)) == "Pending"  # the DTO's
    assert panel.live.detail.text().startswith("Running · 2 of 5")
    app.jobs.cancel(demo.alice, new.id)
    wait_idle(qtbot, window)
