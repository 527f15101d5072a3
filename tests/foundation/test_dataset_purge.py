"""Deleting datasets for good from the trash: videos and their stored content go; jobs, their
results and every ledger row stay, balances unchanged and still equal to their ledger; only the
owner or an administrator may do it, and the CLI offers it too."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from videolab.db.models import CreditEntry, InferenceJob, Result, Video, VideoChunk
from videolab.domain.dto import DatasetDTO, UserDTO
from videolab.domain.enums import JobStatus, LedgerReason
from videolab.domain.errors import Conflict, NotFound, PermissionDenied
from videolab.inference.synthetic import SyntheticVideo
from videolab.repositories.ledger import LedgerRepository
from videolab.services.app import VideoLab
from videolab.services.job_settlement import settle


def add_job(app: VideoLab, user: UserDTO, video_id: uuid.UUID, *, done: bool) -> uuid.UUID:
    """A job as ``JobService.create`` records it (hold posted), completed with a result when
    ``done``, else left PENDING; no model is run."""
    with app.db.write() as s:
        video = s.get(Video, video_id)
        assert video is not None
        job = InferenceJob(
            dataset_id=video.dataset_id, user_id=user.id, video_id=video.id,
            video_name=video.name, status=JobStatus.PENDING, params={}, frames_total=10,
            cost=20,
        )
        s.add(job)
        s.flush()
        LedgerRepository(s).post(
            user.id, -20, LedgerReason.JOB_HOLD, f"job:{job.id}:hold", job_id=job.id
        )
        if done:
            settle(s, job, JobStatus.COMPLETED, processed=10)
            s.add(Result(job_id=job.id, json_res={"frames": []}))
        return job.id


def ledger(app: VideoLab, user: UserDTO) -> list[tuple[int, str]]:
    with app.db.read() as s:
        rows = s.execute(
            select(CreditEntry.delta, CreditEntry.idempotency_key)
            .where(CreditEntry.user_id == user.id)
            .order_by(CreditEntry.idempotency_key)
        ).all()
    return [(int(d), k) for d, k in rows]


def rows(app: VideoLab, model: object) -> int:
    with app.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def trashed_with_a_video(
    app: VideoLab, user: UserDTO, clip: SyntheticVideo, name: str
) -> tuple[DatasetDTO, uuid.UUID]:
    ds = app.datasets.create(user, name)
    video = app.videos.upload(user, ds.id, clip.path)
    return ds, video.id


def test_purge_removes_videos_and_content_keeps_jobs_results_and_money(
    app: VideoLab, demo, clip: SyntheticVideo, audit_balance
) -> None:  # type: ignore[no-untyped-def]
    alice = demo.alice
    ds, video_id = trashed_with_a_video(app, alice, clip, "Street")
    completed = add_job(app, alice, video_id, done=True)
    pending = add_job(app, alice, video_id, done=False)
    cached = app.videos.local_copy(alice, video_id)  # what a job's decoder reads
    assert cached.is_file()
    chunks_before = rows(app, VideoChunk)

    trashed = app.datasets.delete(alice, ds.id)
    assert trashed.jobs_stopped == 1  # the pending job: refunded in full, before any purge
    balance, total = audit_balance(app, alice)
    assert balance == total
    money = ledger(app, alice)

    report = app.datasets.purge(alice, ds.id)

    assert (report.datasets, report.videos, report.files_removed) == (1, 1, 1)
    assert report.size_bytes == clip.path.stat().st_size
    assert not cached.exists()
    with pytest.raises(NotFound):
        app.datasets.get(alice, ds.id)
    with app.db.read() as s:
        assert s.get(Video, video_id) is None
        assert s.scalar(select(func.count()).where(VideoChunk.video_id == video_id)) == 0
        # Every hold and refund still names its job.
        assert s.scalar(
            select(func.count()).where(
                CreditEntry.reason.in_([LedgerReason.JOB_HOLD, LedgerReason.JOB_REFUND]),
                CreditEntry.job_id.is_(None),
            )
        ) == 0
    assert rows(app, VideoChunk) < chunks_before
    assert ledger(app, alice) == money  # not one ledger row added, changed or removed
    assert audit_balance(app, alice) == (balance, total)

    jobs = {j.id: j for j in app.jobs.list(alice)}
    assert {completed, pending} <= set(jobs)
    for job_id in (completed, pending):
        job = app.jobs.get(alice, job_id)
        assert job.dataset_id is None and job.video_id is None and job.video_name
    assert jobs[completed].status is JobStatus.COMPLETED and jobs[completed].charged_milli == 20
    assert jobs[pending].status is JobStatus.ABORTED and jobs[pending].charged_milli == 0
    assert app.jobs.result(alice, completed) is not None


def test_a_file_still_stored_elsewhere_keeps_its_cached_copy(
    app: VideoLab, demo, clip: SyntheticVideo
) -> None:  # type: ignore[no-untyped-def]
    alice = demo.alice
    gone, _ = trashed_with_a_video(app, alice, clip, "Gone")
    _, kept_id = trashed_with_a_video(app, alice, clip, "Kept")
    cached = app.videos.local_copy(alice, kept_id)
    app.datasets.delete(alice, gone.id)
    assert app.datasets.purge(alice, gone.id).files_removed == 0
    assert cached.is_file()
    assert app.videos.get(alice, kept_id).id == kept_id


def test_only_the_owner_or_an_administrator_may_purge_and_only_from_the_trash(
    app: VideoLab, demo, clip: SyntheticVideo
) -> None:  # type: ignore[no-untyped-def]
    alice, bob, admin = demo.alice, demo.bob, demo.admin
    ds, _ = trashed_with_a_video(app, alice, clip, "Private")
    with pytest.raises(Conflict) as live:
        app.datasets.purge(alice, ds.id)
    assert "trash first" in live.value.message
    app.datasets.delete(alice, ds.id)
    with pytest.raises(NotFound):  # another user learns nothing, not even that it exists
        app.datasets.purge(bob, ds.id)
    with pytest.raises(PermissionDenied):
        app.datasets.empty_trash(bob, owner_email="alice@example.com")
    assert app.datasets.get(alice, ds.id).is_deleted  # still there
    assert app.datasets.purge(admin, ds.id).datasets == 1
    with pytest.raises(NotFound):
        app.datasets.get(alice, ds.id)


def test_empty_trash_deletes_only_that_trash(app: VideoLab, demo, clip: SyntheticVideo) -> None:  # type: ignore[no-untyped-def]
    alice, bob, admin = demo.alice, demo.bob, demo.admin
    in_trash = len(app.datasets.list(alice, deleted=True))  # the demo puts one there
    ds, _ = trashed_with_a_video(app, alice, clip, "Old")
    app.datasets.delete(alice, ds.id)
    theirs = app.datasets.create(bob, "Bob's old")
    app.datasets.delete(bob, theirs.id)
    live = [d.id for d in app.datasets.list(alice)]

    report = app.datasets.empty_trash(alice)

    assert (report.datasets, report.videos) == (in_trash + 1, 1)
    assert app.datasets.list(alice, deleted=True) == []
    assert [d.id for d in app.datasets.list(alice)] == live
    assert [d.id for d in app.datasets.list(bob, deleted=True)] == [theirs.id]
    assert app.datasets.empty_trash(admin, owner_email="bob@example.com").datasets == 1
    assert app.datasets.list(bob, deleted=True) == []
    assert app.datasets.empty_trash(alice).datasets == 0  # an empty trash: nothing to do


def test_cli_purge_and_empty_trash(app: VideoLab, demo, clip: SyntheticVideo, run_cli) -> None:  # type: ignore[no-untyped-def]
    alice = demo.alice
    ds, _ = trashed_with_a_video(app, alice, clip, "Via CLI")
    app.datasets.delete(alice, ds.id)
    app.close()

    refused = run_cli("datasets", "purge", "Via CLI", user="bob@example.com", json=False)
    assert refused.code == 1 and "No dataset named 'Via CLI' in the trash" in refused.err

    done = run_cli("datasets", "purge", "via cli", user="alice@example.com", json=False)
    assert done.code == 0, done.err
    assert done.out.startswith("Deleted 'Via CLI' for good: 1 video(s)")
    assert "jobs, their results and your credit history are kept" in done.out

    emptied = run_cli("datasets", "empty-trash", user="alice@example.com")
    assert emptied.code == 0, emptied.err
    assert emptied.json()["datasets"] == 1  # the demo's "Street scenes (old)"
    listed = run_cli("datasets", "list", "--deleted", user="alice@example.com")
    assert listed.json() == []

    not_admin = run_cli("datasets", "empty-trash", "--owner", "bob@example.com",
                        user="alice@example.com", json=False)
    assert not_admin.code == 3
