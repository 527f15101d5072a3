"""Detection jobs, with live progress for the ones running in this window."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from videolab.domain.dto import JobDTO
from videolab.domain.enums import JobStatus
from videolab.gui import format as fmt
from videolab.gui.models.roles import PROGRESS_ROLE, STATUS_ROLE
from videolab.gui.models.table import CENTER, RIGHT, Column, DtoTableModel


@dataclass(frozen=True)
class LiveProgress:
    done: int
    total: int
    fps: float
    #: What the job process is doing before its first frame ("Calibrating INT8 on 300 frames
    #: of this video…"); "" once frames are being processed.
    phase: str = ""


#: The phase messages of a job process (videolab.inference), in one word for the table.
PHASE_WORDS = (
    ("Preparing the model", "Exporting"),
    ("Calibrating", "Calibrating"),
    ("Loading the model", "Loading"),
)


def phase_word(message: str) -> str:
    for prefix, word in PHASE_WORDS:
        if message.startswith(prefix):
            return word
    return "Preparing"


def status_word(status: JobStatus) -> str:
    """One word per status; a job the user stopped is "Cancelled", as its button says."""
    return "Cancelled" if status is JobStatus.ABORTED else status.value.capitalize()


def took(seconds: float | None) -> str:
    """How long a job took, in one format whatever the length: m:ss.s (h:mm:ss past an hour)."""
    if seconds is None:
        return ""
    seconds = max(0.0, float(seconds))
    if seconds >= 3600:
        minutes, secs = divmod(round(seconds), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{secs:02d}"
    whole_minutes, rest = divmod(round(seconds, 1), 60)
    return f"{int(whole_minutes)}:{rest:04.1f}"


def job_seconds(job: JobDTO) -> float | None:
    if job.started_at is None:
        return None
    if job.finished_at is None:
        return None
    return (job.finished_at - job.started_at).total_seconds()


def job_rate(job: JobDTO) -> float | None:
    """Frames per second over the job's whole run (start to end: starting the process,
    loading the model and saving the result included), once it has ended. The results
    viewer shows it beside the detection rate (the result's own ``fps``), under its name."""
    seconds = job_seconds(job)
    if not seconds or not job.frames_processed:
        return None
    return job.frames_processed / seconds


def cost_text(job: JobDTO) -> str:
    if job.charged_milli is not None:
        return fmt.amount(job.charged_milli)
    return f"{fmt.amount(job.cost_milli)} held"


class JobTableModel(DtoTableModel[JobDTO]):
    COL_STATUS, COL_PROGRESS, COL_FPS, COL_FRAMES = 1, 2, 3, 4

    def __init__(self, parent: Any = None) -> None:
        self.live: dict[uuid.UUID, LiveProgress] = {}
        self.columns = (
            Column(
                "Video",
                lambda j: j.video_name,
                tooltip=lambda j: f"{j.video_name}\nmodel {j.params.get('model', '?')}",
            ),
            Column(
                "Status",
                self._status_text,
                align=CENTER,
                tooltip=lambda j: j.error or self._phase(j) or status_word(j.status),
            ),
            Column("Progress", self._progress_text, sort=self._fraction, align=CENTER),
            Column("FPS", self._fps_text, align=RIGHT, tooltip=self._fps_tip),
            Column("Frames", self._frames_text, sort=lambda j: j.frames_total, align=RIGHT),
            Column(
                "Cost",
                cost_text,
                sort=lambda j: j.charged_milli if j.charged_milli is not None else j.cost_milli,
                align=RIGHT,
                tooltip=lambda j: j.money_text(fmt.amount),
            ),
            Column(
                "Carbon",
                lambda j: fmt.carbon(j.carbon_grams),
                sort=lambda j: j.carbon_grams or 0.0,
                align=RIGHT,
            ),
            Column(
                "Device", lambda j: " / ".join(x for x in (j.device, j.backend) if x), align=CENTER
            ),
            Column(
                "Created",
                lambda j: fmt.date_time(j.created_at),
                sort=lambda j: fmt.timestamp(j.created_at),
                align=RIGHT,
            ),
            Column(
                "Took",
                lambda j: took(job_seconds(j)),
                sort=lambda j: job_seconds(j) or 0.0,
                align=RIGHT,
            ),
        )
        super().__init__(parent)

    def _phase(self, job: JobDTO) -> str:
        live = self.live.get(job.id)
        return live.phase if live is not None and not job.status.is_final else ""

    def _status_text(self, job: JobDTO) -> str:
        phase = self._phase(job)
        return phase_word(phase) if phase else status_word(job.status)

    def _done(self, job: JobDTO) -> int:
        live = self.live.get(job.id)
        if live is not None and not job.status.is_final:
            return max(live.done, job.frames_processed)
        return job.frames_processed

    def _fraction(self, job: JobDTO) -> float | None:
        if job.status is JobStatus.COMPLETED:
            return 1.0
        if job.frames_total <= 0:
            return None
        return min(1.0, self._done(job) / job.frames_total)

    def _progress_text(self, job: JobDTO) -> str:
        fraction = self._fraction(job)
        return "" if fraction is None else f"{fraction * 100:.0f}%"

    def _fps_text(self, job: JobDTO) -> str:
        live = self.live.get(job.id)
        if live is not None and live.fps > 0:
            return f"{live.fps:.1f}"
        rate = job_rate(job)
        return "" if rate is None else f"{rate:.1f}"

    def _fps_tip(self, job: JobDTO) -> str:
        # Two measures share the column: say which one a cell shows (the results viewer
        # names both).
        live = self.live.get(job.id)
        if live is not None and live.fps > 0:
            return "Detection rate so far: frames per second since the first frame"
        if job_rate(job) is None:
            return ""
        return (
            f"Whole job: {job.frames_processed:,} frames in {took(job_seconds(job))}, "
            "from start to end (loading the model included). The results show the detection "
            "rate too."
        )

    def _frames_text(self, job: JobDTO) -> str:
        return f"{self._done(job):,} / {job.frames_total:,}"

    def extra_data(self, row: JobDTO, column: int, role: int) -> Any:
        if role == PROGRESS_ROLE:
            return self._fraction(row)
        if role == STATUS_ROLE:
            return row.status
        return None

    def set_live(self, job_id: uuid.UUID, progress: LiveProgress) -> None:
        self.live[job_id] = progress
        i = self.row_of(job_id)
        if i >= 0:
            self._changed(i, self.COL_STATUS, self.COL_FRAMES)

    def clear_live(self, job_id: uuid.UUID) -> None:
        self.live.pop(job_id, None)
