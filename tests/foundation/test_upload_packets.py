"""Uploads charge the packets the container holds (no decoding), then the decoder jobs use
counts the frames that decode and the difference is refunded exactly once."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import av
import pytest

import videolab.inference.probe as probe_module
import videolab.inference.video_io as video_io
import videolab.services.videos as videos_module
from videolab.domain.enums import LedgerReason
from videolab.domain.errors import InvalidInput
from videolab.domain.params import DetectionParams
from videolab.inference.packets import count_packets
from videolab.inference.probe import probe_video
from videolab.inference.synthetic import SyntheticVideo
from videolab.services.app import VideoLab

DAMAGED = range(5, 8)  # packets whose data is wiped


def mjpeg_with_wiped_packets(source: Path, target: Path, wiped: range = DAMAGED) -> Path:
    """MJPEG in AVI whose packets `wiped` keep their size but hold only zeros: the container
    lists every packet, the decoder cannot make a frame of those."""
    with av.open(str(source)) as src, av.open(str(target), "w") as out:
        stream = out.add_stream("mjpeg", rate=24)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuvj420p"
        for frame in src.decode(video=0):
            for packet in stream.encode(frame.reformat(320, 180, format="yuvj420p")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    with av.open(str(target)) as container:
        spans = [(p.pos, p.size) for p in container.demux(video=0) if p.size]
    data = bytearray(target.read_bytes())
    for pos, size in (spans[i] for i in wiped):
        data[pos : pos + size] = bytes(size)
    target.write_bytes(bytes(data))
    return target


@pytest.fixture
def damaged(make_clip, tmp_path: Path) -> tuple[Path, int, int]:
    """(file, packets, frames that decode with VideoLab's decoder)."""
    path = mjpeg_with_wiped_packets(make_clip(seed=7, frames=24).path, tmp_path / "damaged.avi")
    packets = count_packets(path).frame_count
    decoded = probe_video(path).frame_count
    assert packets == 24 and 0 < decoded < packets
    return path, packets, decoded


def upload_entries(app: VideoLab, user, video_id) -> list[tuple[LedgerReason, int]]:
    _, entries = app.credits.ledger(user)
    return [(e.reason, e.delta_milli) for e in entries if e.video_id == video_id]


def test_upload_charges_packets_then_the_check_refunds_frames_that_do_not_decode(
    app: VideoLab, demo, damaged: tuple[Path, int, int], audit_balance
) -> None:
    path, packets, decoded = damaged
    alice = demo.alice
    dataset = app.datasets.create(alice, "damaged")
    before = app.credits.balance(alice)

    stored = app.videos.upload(alice, dataset.id, path)
    assert (stored.frame_count, stored.cost_milli, stored.frames_verified) == (
        packets, packets, False
    )
    assert audit_balance(app, alice) == (before - packets, before - packets)
    assert [v.id for v in app.videos.unverified(alice)] == [stored.id]

    checked = app.videos.verify_frames(alice, stored.id)
    assert (checked.frame_count, checked.cost_milli, checked.frames_verified) == (
        decoded, decoded, True
    )
    assert app.videos.get(alice, stored.id) == checked
    assert audit_balance(app, alice) == (before - decoded, before - decoded)
    assert upload_entries(app, alice, stored.id) == [
        (LedgerReason.UPLOAD, -packets), (LedgerReason.UPLOAD_REFUND, packets - decoded)
    ]
    assert app.videos.unverified(alice) == []

    # Again, and from two threads at once: never a second refund.
    threads = [
        threading.Thread(target=app.videos.verify_frames, args=(alice, stored.id))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert app.videos.verify_frames(alice, stored.id) == checked
    assert audit_balance(app, alice) == (before - decoded, before - decoded)
    assert len(upload_entries(app, alice, stored.id)) == 2


def test_refund_is_posted_once_even_when_two_checks_race_to_settle(
    app: VideoLab, demo, damaged: tuple[Path, int, int], audit_balance, monkeypatch
) -> None:
    """Both checks decode before either settles (two processes, say): one refund."""
    path, _, decoded = damaged
    alice = demo.alice
    dataset = app.datasets.create(alice, "race")
    before = app.credits.balance(alice)
    stored = app.videos.upload(alice, dataset.id, path)
    barrier = threading.Barrier(2)
    real = videos_module._decoded

    def decode_then_wait(p: Path, cancel: object) -> object:
        info = real(p, cancel)  # type: ignore[arg-type]
        barrier.wait(timeout=30)
        return info

    monkeypatch.setattr(videos_module, "_decoded", decode_then_wait)
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(app.videos.verify_frames(alice, stored.id)))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and results[0] == results[1]
    assert audit_balance(app, alice) == (before - decoded, before - decoded)
    reasons = [r for r, _ in upload_entries(app, alice, stored.id)]
    assert reasons.count(LedgerReason.UPLOAD_REFUND) == 1


def test_a_job_never_runs_on_unchecked_counts_after_a_crash(
    app: VideoLab, demo, damaged: tuple[Path, int, int], tmp_home, app_db: Path, audit_balance
) -> None:
    """The process that uploaded died before the check: the next one, asked for a job on the
    video, checks it first, holds the job's cost on the frames that decode and refunds the
    rest of the upload."""
    path, packets, decoded = damaged
    alice = demo.alice
    dataset = app.datasets.create(alice, "crashed")
    stored = app.videos.upload(alice, dataset.id, path)  # ... and the process ends here
    app.close()

    later = VideoLab.open(str(app_db), paths=tmp_home)
    try:
        assert [v.id for v in later.videos.unverified(alice)] == [stored.id]
        estimate = later.jobs.estimate(alice, stored.id, DetectionParams(model="demo"))
        assert estimate.frames == packets  # an estimate does not decode; the job will
        job = later.jobs.create(alice, stored.id, DetectionParams(model="demo"))
        assert job.frames_total == decoded
        video = later.videos.get(alice, stored.id)
        assert (video.frame_count, video.frames_verified, video.cost_milli) == (
            decoded, True, decoded
        )
        balance = later.credits.balance(alice)
        assert audit_balance(later, alice) == (balance, balance)
        assert (LedgerReason.UPLOAD_REFUND, packets - decoded) in upload_entries(
            later, alice, stored.id
        )
    finally:
        later.close()


def test_a_cancelled_check_leaves_the_video_unchecked_and_unrefunded(
    app: VideoLab, demo, damaged: tuple[Path, int, int], audit_balance
) -> None:
    from videolab.domain.errors import Cancelled

    path, _, _ = damaged
    alice = demo.alice
    dataset = app.datasets.create(alice, "cancelled")
    stored = app.videos.upload(alice, dataset.id, path)
    balance = app.credits.balance(alice)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        app.videos.verify_frames(alice, stored.id, cancel=cancel)
    assert app.videos.get(alice, stored.id).frames_verified is False
    assert audit_balance(app, alice) == (balance, balance)


def test_check_decodes_what_was_stored_even_if_the_file_changed_since(
    app: VideoLab, demo, make_clip, tmp_path: Path
) -> None:
    clip = make_clip(seed=8, frames=20)
    path = tmp_path / "moving.mp4"
    path.write_bytes(clip.path.read_bytes())
    bob = demo.bob
    dataset = app.datasets.create(bob, "changing")
    probe = app.videos.probe_upload(bob, dataset.id, path)
    stored = app.videos.store_upload(bob, dataset.id, probe)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # the source is cut after the store

    checked = app.videos.verify_frames(bob, stored.id, source=probe)
    assert (checked.frame_count, checked.cost_milli) == (20, 20)


def test_a_gui_like_upload_decodes_the_video_once(
    app: VideoLab, demo, make_clip, monkeypatch
) -> None:
    """Probe (shown to the user), store, then the check: one full decode in all, the check's.
    Frames are counted where every decode goes through: ``video_io.VideoReader._decode``."""
    clip = make_clip(seed=9, frames=60)
    decoded_frames = [0]
    full_decodes = [0]
    real_decode = video_io.VideoReader._decode

    def counting_decode(self: object, packets: object) -> object:
        for frame in real_decode(self, packets):  # type: ignore[arg-type]
            decoded_frames[0] += 1
            yield frame

    real_probe = probe_module.probe_video

    def counting_probe(path: Path, **kw: object) -> object:
        full_decodes[0] += 1
        return real_probe(path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(video_io.VideoReader, "_decode", counting_decode)
    monkeypatch.setattr(probe_module, "probe_video", counting_probe)
    monkeypatch.setattr(videos_module, "probe_video", counting_probe)
    alice = demo.alice
    dataset = app.datasets.create(alice, "gui")

    probe = app.videos.probe_upload(alice, dataset.id, clip.path)
    assert (probe.frame_count, probe.cost_milli) == (60, 60)
    video = app.videos.store_upload(alice, dataset.id, probe)
    assert full_decodes[0] == 0 and decoded_frames[0] <= 2  # the thumbnail's frame
    app.videos.verify_frames(alice, video.id, source=probe)
    assert full_decodes[0] == 1
    # One pass over the 60 frames, plus the few a thumbnail decodes from its keyframe on:
    # well under the two passes the old upload made.
    assert 60 <= decoded_frames[0] < 60 + 15


def test_store_refuses_a_file_changed_where_its_times_do_not_show_it(
    app: VideoLab, demo, make_clip, tmp_path: Path, counts
) -> None:
    """On a FAT card, times are coarse and there is no change time: a file rewritten between
    probe and store can keep its size and times. The fingerprint (first and last MiB) taken at
    the probe and recomputed from the bytes stored catches it."""
    import os

    clip = make_clip(seed=10, frames=12)
    path = tmp_path / "card.mp4"
    path.write_bytes(clip.path.read_bytes())
    bob = demo.bob
    dataset = app.datasets.create(bob, "fat card")
    probe = app.videos.probe_upload(bob, dataset.id, path)
    data = bytearray(path.read_bytes())
    data[-100:] = bytes(100)  # the index at the end, rewritten in place
    path.write_bytes(bytes(data))
    st = path.stat()
    # As the card's file system reports it: nothing that the stat can see moved.
    same_times = replace(probe, identity=videos_module.identity(st))
    rows = counts(app)
    with pytest.raises(InvalidInput, match="changed during the upload"):
        app.videos.store_upload(bob, dataset.id, same_times)
    assert counts(app) == rows
    # And on a normal disk the change time alone already tells.
    os.utime(path, ns=(st.st_atime_ns, probe.mtime_ns))
    with pytest.raises(InvalidInput, match="changed during the upload"):
        app.videos.store_upload(bob, dataset.id, probe)
    assert counts(app) == rows


def test_files_are_sniffed_before_pyav_sees_them(tmp_path: Path, monkeypatch) -> None:
    opened: list[object] = []
    monkeypatch.setattr(av, "open", lambda *a, **k: opened.append(a))
    playlist = tmp_path / "playlist.mp4"
    playlist.write_text("#EXTM3U\n#EXTINF:-1,\nfile:///etc/passwd\n")
    with pytest.raises(InvalidInput, match=r"playlist\.mp4"):
        count_packets(playlist)
    assert opened == []


def test_a_container_other_than_the_sniffed_kinds_is_not_demuxed(tmp_path: Path) -> None:
    """A file that starts like an MP4 box but that FFmpeg would read as something else
    (here a WAV body after a fake box) is refused: only the sniffed formats' demuxers run."""
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"\x00\x00\x00\x08free" + b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(4096))
    with pytest.raises(InvalidInput, match=r"fake\.mp4"):
        count_packets(fake)


def test_packet_count_equals_decoded_frames_for_intact_files(
    make_clip, clip: SyntheticVideo
) -> None:
    for video in (clip, make_clip(seed=11, frames=30)):
        counted = count_packets(video.path)
        assert counted.frame_count == probe_video(video.path).frame_count == video.frame_count
        assert (counted.width, counted.height) == (video.width, video.height)
        assert counted.fps == pytest.approx(video.fps)


def test_strangers_can_neither_probe_store_nor_check_into_someone_elses_data(
    app: VideoLab, demo, damaged: tuple[Path, int, int], audit_balance
) -> None:
    from videolab.domain.errors import NotFound

    path, packets, _ = damaged
    alice, bob = demo.alice, demo.bob
    dataset = app.datasets.create(alice, "private")
    probe = app.videos.probe_upload(alice, dataset.id, path)
    with pytest.raises(NotFound):
        app.videos.probe_upload(bob, dataset.id, path)
    with pytest.raises(NotFound):
        app.videos.store_upload(bob, dataset.id, probe)
    video = app.videos.store_upload(alice, dataset.id, probe)
    balance = app.credits.balance(alice)
    with pytest.raises(NotFound):
        app.videos.verify_frames(bob, video.id)
    with pytest.raises(NotFound):
        app.videos.verified(bob, video.id)
    assert app.videos.unverified(bob) == []
    assert app.videos.get(alice, video.id).frame_count == packets
    assert audit_balance(app, alice) == (balance, balance)
