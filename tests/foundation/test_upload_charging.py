"""An upload stores the frames that decode and is charged 0.001 token for each, exactly."""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import pytest

from videolab.domain.enums import LedgerReason
from videolab.domain.money import format_tokens
from videolab.inference.synthetic import SyntheticVideo
from videolab.services.app import VideoLab


def decoded_frames(path: Path) -> int:
    """Frames OpenCV actually decodes, counted independently of VideoLab's probe."""
    cap = cv2.VideoCapture(str(path))
    try:
        count = 0
        while True:
            ok, frame = cap.read()
            if not ok or frame is None:
                return count
            count += 1
    finally:
        cap.release()


def claimed_frames(path: Path) -> int:
    cap = cv2.VideoCapture(str(path))
    try:
        return int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        cap.release()


def mjpeg_avi_copy(source: Path, target: Path) -> Path:
    """Re-encode ``source`` as MJPEG in AVI: every frame is a self-contained JPEG, and the
    header's frame count (avih / strh) is written up front, so cutting the tail leaves a file
    whose container claims more frames than decode."""
    cap = cv2.VideoCapture(str(source))
    fps = cap.get(cv2.CAP_PROP_FPS)
    w = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
    h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter.fourcc(*"MJPG"), fps, (w, h))
    assert writer.isOpened()
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            writer.write(frame)
    finally:
        writer.release()
        cap.release()
    return target


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def test_clip_frame_count_is_what_decodes_and_charge_is_exact(
    app: VideoLab, demo, clip: SyntheticVideo, counts, audit_balance
) -> None:
    bob = demo.bob
    dataset = app.datasets.create(bob, "uploads")
    frames = decoded_frames(clip.path)
    assert frames == clip.frame_count == 48
    before = app.credits.balance(bob)
    rows_before = counts(app)

    video = app.videos.upload(bob, dataset.id, clip.path)

    assert video.frame_count == frames
    assert video.cost_milli == frames  # 1 milli-token (0.001 token) per frame
    assert format_tokens(video.cost_milli) == "0.048"
    assert (video.width, video.height) == (640, 360)
    assert video.fps == pytest.approx(clip.fps)
    assert video.duration_s == pytest.approx(frames / clip.fps)
    assert video.size_bytes == clip.path.stat().st_size
    assert video.sha256 == sha256_of(clip.path)
    assert video.thumbnail_jpeg is not None and video.thumbnail_jpeg[:2] == b"\xff\xd8"

    assert app.credits.balance(bob) == before - frames
    balance, ledger_sum = audit_balance(app, bob)
    assert balance == ledger_sum == before - frames
    _, entries = app.credits.ledger(bob)
    upload = [e for e in entries if e.reason is LedgerReason.UPLOAD]
    assert len(upload) == 1
    assert upload[0].delta_milli == -frames
    assert upload[0].video_id == video.id
    assert upload[0].balance_after_milli == before - frames

    rows = counts(app)
    assert rows.videos == rows_before.videos + 1
    assert rows.ledger == rows_before.ledger + 1
    assert rows.chunks > rows_before.chunks
    assert [v.id for v in app.videos.list(bob, dataset.id)] == [video.id]


@pytest.mark.parametrize("keep", [0.5, 0.73])
def test_container_claiming_more_frames_than_decode_is_charged_for_decoded_frames(
    app: VideoLab, demo, clip: SyntheticVideo, tmp_path: Path, keep: float, audit_balance
) -> None:
    full = mjpeg_avi_copy(clip.path, tmp_path / "full.avi")
    data = full.read_bytes()
    cut = tmp_path / f"cut_{int(keep * 100)}.avi"
    cut.write_bytes(data[: int(len(data) * keep)])
    claimed, decoded = claimed_frames(cut), decoded_frames(cut)
    assert claimed == clip.frame_count
    assert 0 < decoded < claimed, "the cut file must lie about its length"

    alice = demo.alice
    dataset = app.datasets.create(alice, "cut files")
    before = app.credits.balance(alice)
    video = app.videos.upload(alice, dataset.id, cut)

    assert video.frame_count == decoded
    assert video.cost_milli == decoded
    assert video.size_bytes == cut.stat().st_size
    assert app.credits.balance(alice) == before - decoded
    assert audit_balance(app, alice) == (before - decoded, before - decoded)


def test_estimate_matches_upload_and_stores_nothing(
    app: VideoLab, demo, clip: SyntheticVideo, counts
) -> None:
    dataset = app.datasets.create(demo.alice, "estimates")
    rows = counts(app)
    estimate = app.videos.estimate(demo.alice, dataset.id, clip.path)
    assert counts(app) == rows
    assert (estimate.frame_count, estimate.cost_milli) == (48, 48)
    video = app.videos.upload(demo.alice, dataset.id, clip.path)
    assert (video.frame_count, video.cost_milli) == (estimate.frame_count, estimate.cost_milli)


def test_export_is_byte_identical_and_delete_keeps_the_ledger(
    app: VideoLab, demo, clip: SyntheticVideo, tmp_path: Path, counts, audit_balance
) -> None:
    bob = demo.bob
    dataset = app.datasets.create(bob, "round trip")
    video = app.videos.upload(bob, dataset.id, clip.path)
    out = app.videos.export(bob, video.id, tmp_path / "out" / "copy.mp4")
    assert out.read_bytes() == clip.path.read_bytes()
    # Exporting into a folder names the file after the video.
    into_dir = app.videos.export(bob, video.id, tmp_path / "out")
    assert into_dir == tmp_path / "out" / clip.path.name
    assert sha256_of(into_dir) == video.sha256

    rows = counts(app)
    balance = app.credits.balance(bob)
    app.videos.delete(bob, video.id)
    after = counts(app)
    assert after.videos == rows.videos - 1
    assert after.chunks < rows.chunks
    assert after.ledger == rows.ledger  # money history outlives what it paid for
    assert app.credits.balance(bob) == balance  # deleting refunds nothing
    assert audit_balance(app, bob) == (balance, balance)


@pytest.mark.parametrize("bad", ["../escape.mp4", "sub/dir.mp4", "..", "."])
def test_video_names_cannot_be_paths(
    app: VideoLab, demo, clip: SyntheticVideo, tmp_path: Path, bad: str, counts
) -> None:
    """A video's name becomes a file name on export into a folder: it must not be a path."""
    from videolab.domain.errors import InvalidInput

    dataset = app.datasets.create(demo.bob, "names")
    rows = counts(app)
    with pytest.raises(InvalidInput):
        app.videos.upload(demo.bob, dataset.id, clip.path, name=bad)
    assert counts(app) == rows
    # A real file whose name has a backslash (legal on Linux and macOS) still uploads.
    odd = tmp_path / "back\\slash.mp4"
    odd.write_bytes(clip.path.read_bytes())
    video = app.videos.upload(demo.bob, dataset.id, odd)
    (tmp_path / "out").mkdir()
    out = app.videos.export(demo.bob, video.id, tmp_path / "out")
    assert out.parent == tmp_path / "out" and out.read_bytes() == odd.read_bytes()
