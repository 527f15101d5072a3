"""Every Qt model passes pytest-qt's model tester, before and after incremental updates."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from PySide6.QtGui import QPixmap

from videolab.domain.dto import JobDTO
from videolab.domain.enums import JobStatus
from videolab.gui.controllers.uploads import DONE, UploadItem
from videolab.gui.models.admin import LedgerTableModel, TagTableModel, UserTableModel
from videolab.gui.models.datasets import DatasetListModel
from videolab.gui.models.jobs import JobTableModel, LiveProgress
from videolab.gui.models.results import DetectionTableModel, ThumbnailStripModel
from videolab.gui.models.roles import PROGRESS_ROLE, STATUS_ROLE
from videolab.gui.models.uploads import UploadQueueModel
from videolab.gui.models.videos import VideoTableModel
from videolab.services.app import VideoLab


def job(n: int, status: JobStatus = JobStatus.RUNNING) -> JobDTO:
    now = datetime.now(UTC)
    return JobDTO(
        id=uuid.UUID(int=n),
        user_id=uuid.uuid4(),
        dataset_id=uuid.uuid4(),
        video_id=uuid.uuid4(),
        video_name=f"clip{n}.mp4",
        status=status,
        params={"model": "demo"},
        frames_total=100,
        frames_processed=40,
        cost_milli=200,
        charged_milli=0,
        carbon_grams=0.0123,
        backend="torch",
        device="cpu",
        model_sha256=None,
        error=None,
        created_at=now,
        started_at=now,
        finished_at=now + timedelta(seconds=5) if status.is_final else None,
    )


def test_dataset_and_video_models(qtmodeltester, app: VideoLab, demo) -> None:  # type: ignore[no-untyped-def]
    datasets = DatasetListModel()
    qtmodeltester.check(datasets)
    rows = app.datasets.list(demo.alice)
    datasets.set_rows(rows)
    created = app.datasets.create(demo.alice, "Another", ["sports"])
    datasets.set_rows(app.datasets.list(demo.alice))
    datasets.set_rows([replace(d, video_count=d.video_count + 1) for d in datasets.rows()])
    datasets.set_rows([d for d in datasets.rows() if d.id != created.id])
    qtmodeltester.check(datasets)

    videos = VideoTableModel()
    video_rows = app.videos.list(demo.alice, rows[0].id)
    videos.set_rows(video_rows)
    qtmodeltester.check(videos)
    assert videos.index(0, 0).data(1) is not None  # the thumbnail (DecorationRole)
    videos.remove(video_rows[0].id)
    videos.upsert(video_rows[0])
    qtmodeltester.check(videos)


def test_job_models(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = JobTableModel()
    model.set_rows([job(1), job(2, JobStatus.COMPLETED)])
    qtmodeltester.check(model)
    model.set_live(uuid.UUID(int=1), LiveProgress(70, 100, 12.5))
    assert model.index(0, JobTableModel.COL_PROGRESS).data(PROGRESS_ROLE) == 0.7
    assert model.index(0, JobTableModel.COL_FPS).data() == "12.5"
    assert JobStatus(model.index(1, 1).data(STATUS_ROLE)) is JobStatus.COMPLETED
    model.upsert(job(3, JobStatus.PENDING))
    model.upsert(replace(job(1), status=JobStatus.ABORTED))
    model.set_rows([job(3), job(2)])
    qtmodeltester.check(model)


def test_admin_models(qtmodeltester, app: VideoLab, demo) -> None:  # type: ignore[no-untyped-def]
    users = UserTableModel()
    users.set_rows(app.users.list(demo.admin))
    qtmodeltester.check(users)
    ledger = LedgerTableModel()
    ledger.set_rows(app.credits.ledger(demo.admin)[1])
    qtmodeltester.check(ledger)
    tags = TagTableModel()
    tags.set_rows(app.tags.list(demo.admin))
    qtmodeltester.check(tags)


def test_upload_and_results_models(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    queue = UploadQueueModel()
    item = UploadItem(uuid.uuid4(), uuid.uuid4(), "/tmp/a.mp4", "a.mp4")
    queue.upsert(item)
    queue.upsert(replace(item, state=DONE, frames=10, cost_milli=10, total_bytes=100))
    qtmodeltester.check(queue)

    detections = DetectionTableModel()
    detections.set_detections(
        [
            {
                "class_id": 0,
                "class_name": "square",
                "confidence": 0.9,
                "box_xyxy": [1.0, 2.0, 3.0, 4.0],
            }
        ]
    )
    qtmodeltester.check(detections)

    strip = ThumbnailStripModel()
    strip.set_frames([0, 5, 10])
    pix = QPixmap(8, 8)
    strip.set_thumbnail(5, pix)
    qtmodeltester.check(strip)
