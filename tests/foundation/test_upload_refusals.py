"""Refused uploads (no credits, bad files) store nothing and charge nothing."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from videolab.domain.dto import UserDTO
from videolab.domain.errors import InsufficientCredits, InvalidInput
from videolab.inference.synthetic import SyntheticVideo
from videolab.services.app import VideoLab

POOR_PASSWORD = "poor-but-honest"


def make_account(app: VideoLab, admin: UserDTO, email: str, milli: int) -> UserDTO:
    return app.users.create(admin, email, POOR_PASSWORD, "user", milli)


def test_upload_the_balance_cannot_pay_for_is_refused_and_changes_nothing(
    app: VideoLab, demo, clip: SyntheticVideo, counts, audit_balance
) -> None:
    poor = make_account(app, demo.admin, "poor@example.com", 47)  # the clip costs 48
    dataset = app.datasets.create(poor, "wishes")
    rows = counts(app)

    with pytest.raises(InsufficientCredits) as refused:
        app.videos.upload(poor, dataset.id, clip.path)

    assert refused.value.needed_milli == 48
    assert refused.value.available_milli == 47
    assert "0.048" in refused.value.message and "0.047" in refused.value.message
    assert counts(app) == rows
    assert app.videos.list(poor, dataset.id) == []
    assert audit_balance(app, poor) == (47, 47)


def test_balance_exactly_equal_to_the_cost_pays_and_leaves_zero(
    app: VideoLab, demo, clip: SyntheticVideo, make_clip, audit_balance, counts
) -> None:
    exact = make_account(app, demo.admin, "exact@example.com", 48)
    dataset = app.datasets.create(exact, "exact")
    video = app.videos.upload(exact, dataset.id, clip.path)
    assert video.cost_milli == 48
    assert audit_balance(app, exact) == (0, 0)
    # With nothing left, the next upload is refused and nothing moves.
    rows = counts(app)
    with pytest.raises(InsufficientCredits):
        app.videos.upload(exact, dataset.id, make_clip(seed=5, frames=2).path)
    assert counts(app) == rows
    assert audit_balance(app, exact) == (0, 0)


def test_cli_refuses_an_unaffordable_upload_with_exit_code_4(
    app: VideoLab, demo, clip: SyntheticVideo, run_cli, counts, audit_balance
) -> None:
    poor = make_account(app, demo.admin, "poor@example.com", 10)
    dataset = app.datasets.create(poor, "wishes")
    rows = counts(app)

    result = run_cli(
        "videos", "upload", "wishes", str(clip.path), user=poor.email, password=POOR_PASSWORD
    )

    assert result.code == 4
    assert len(result.err_lines) == 1
    assert "credits" in result.err.lower() or "balance" in result.err.lower()
    assert counts(app) == rows
    assert audit_balance(app, poor) == (10, 10)
    assert app.videos.list(poor, dataset.id) == []


# -- bad files -------------------------------------------------------------------------------
def _empty(tmp: Path, clip: Path) -> Path:
    path = tmp / "empty.mp4"
    path.write_bytes(b"")
    return path


def _random_bytes(tmp: Path, clip: Path) -> Path:
    path = tmp / "noise.mp4"
    path.write_bytes(os.urandom(256 * 1024))
    return path


def _fake_header(tmp: Path, clip: Path) -> Path:
    """Starts like an MP4 (an ftyp atom), then garbage: passes the sniff, fails the decoder."""
    path = tmp / "fake.mp4"
    path.write_bytes(clip.read_bytes()[:32] + os.urandom(128 * 1024))
    return path


def _truncated(tmp: Path, clip: Path) -> Path:
    """The first half of a real mp4: its index (moov, written last) is gone."""
    data = clip.read_bytes()
    path = tmp / "truncated.mp4"
    path.write_bytes(data[: len(data) // 2])
    return path


def _header_only(tmp: Path, clip: Path) -> Path:
    path = tmp / "header_only.mp4"
    path.write_bytes(clip.read_bytes()[:48])
    return path


def _text(tmp: Path, clip: Path) -> Path:
    path = tmp / "playlist.mp4"
    path.write_text("#EXTM3U\n#EXTINF:-1,\nfile:///etc/passwd\n")
    return path


def _folder(tmp: Path, clip: Path) -> Path:
    path = tmp / "folder.mp4"
    path.mkdir()
    return path


def _missing(tmp: Path, clip: Path) -> Path:
    return tmp / "missing.mp4"


BAD_FILES: dict[str, Callable[[Path, Path], Path]] = {
    "empty": _empty,
    "random bytes": _random_bytes,
    "mp4 header then garbage": _fake_header,
    "truncated mp4": _truncated,
    "header only": _header_only,
    "text named .mp4": _text,
    "a folder": _folder,
    "missing": _missing,
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_bad_file_is_refused_with_invalid_input_and_nothing_is_stored_or_charged(
    app: VideoLab, demo, clip: SyntheticVideo, tmp_path: Path, kind: str, counts, audit_balance
) -> None:
    bad = BAD_FILES[kind](tmp_path, clip.path)
    alice = demo.alice
    dataset = app.datasets.create(alice, "bad files")
    balance = app.credits.balance(alice)
    rows = counts(app)

    with pytest.raises(InvalidInput) as refused:
        app.videos.upload(alice, dataset.id, bad)

    assert bad.name in refused.value.message  # says which file
    assert "\n" not in refused.value.message
    assert counts(app) == rows
    assert audit_balance(app, alice) == (balance, balance)
    with pytest.raises(InvalidInput):
        app.videos.estimate(alice, dataset.id, bad)


def test_cli_refuses_bad_files_one_line_each_and_uploads_the_good_one(
    app: VideoLab, demo, clip: SyntheticVideo, tmp_path: Path, run_cli, counts
) -> None:
    empty = _empty(tmp_path, clip.path)
    noise = _random_bytes(tmp_path, clip.path)
    good = tmp_path / "good.mp4"
    shutil.copyfile(clip.path, good)
    rows = counts(app)
    app.datasets.create(demo.alice, "mixed")

    result = run_cli("videos", "upload", "mixed", str(empty), str(good), str(noise),
                     user="alice@example.com")

    assert result.code == 1
    assert len(result.err_lines) == 2
    assert all(line.startswith("error: ") for line in result.err_lines)
    items = result.json()
    assert [item.get("name", item.get("file")) for item in items] == [
        str(empty), "good.mp4", str(noise)
    ]
    assert "error" in items[0] and "error" in items[2]
    assert items[1]["frame_count"] == 48 and items[1]["cost"] == 0.048
    after = counts(app)
    assert (after.videos, after.ledger) == (rows.videos + 1, rows.ledger + 1)


def test_concurrent_uploads_that_together_overdraw_charge_only_what_the_balance_holds(
    app: VideoLab, demo, make_clip, counts, audit_balance
) -> None:
    """Each upload alone is affordable, not all together: the ones that lose the race are
    refused whole (no row, no chunk, no ledger row) and the balance never goes below zero."""
    import threading

    clips = [make_clip(seed=200 + i, frames=20) for i in range(3)]
    racer = make_account(app, demo.admin, "racer@example.com", 45)  # two of three fit
    dataset = app.datasets.create(racer, "race")
    rows = counts(app)
    barrier = threading.Barrier(len(clips))
    outcomes: list[object] = []
    lock = threading.Lock()

    def upload(path: Path) -> None:
        barrier.wait()
        try:
            result: object = app.videos.upload(racer, dataset.id, path)
        except Exception as exc:
            result = exc
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=upload, args=(c.path,)) for c in clips]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], InsufficientCredits), outcomes
    assert audit_balance(app, racer) == (5, 5)
    after = counts(app)
    assert (after.videos, after.ledger) == (rows.videos + 2, rows.ledger + 2)
    assert len(app.videos.list(racer, dataset.id)) == 2
