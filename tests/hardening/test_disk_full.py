"""A full disk: the upload that does not fit is refused with a clear message, nothing partial
remains, and the same upload succeeds once space returns."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from tests.hardening.conftest import Lab
from tests.hardening.harness import audit, padded_copy, raw_connect
from videolab.domain.errors import Unavailable
from videolab.services.app import VideoLab


def _state(db: Path) -> tuple[int, int, int, int]:
    with raw_connect(db) as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(sql).fetchone()[0]
            for sql in (
                "SELECT count(*) FROM videos",
                "SELECT count(*) FROM video_chunks",
                "SELECT count(*) FROM credit_ledger",
                "SELECT sum(tokens) FROM users",
            )
        )


def _page_limit(app: VideoLab) -> dict[str, int]:
    """Apply ``PRAGMA max_page_count`` to every new connection while ``limit["pages"]`` is set."""
    limit = {"pages": 0}

    @event.listens_for(app.db.engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        if limit["pages"]:
            dbapi_conn.execute(f"PRAGMA max_page_count={limit['pages']}")

    return limit


def test_upload_that_does_not_fit_is_refused_then_succeeds(
    lab: Lab, small_clip: Path, tmp_path: Path
) -> None:
    big = padded_copy(small_clip, tmp_path / "big.mp4", 3 << 20)
    limit = _page_limit(lab.app)
    with raw_connect(lab.db) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    limit["pages"] = pages + 64  # room for ~256 KiB more: small writes fit, 3 MiB does not
    lab.app.db.engine.dispose()
    before = _state(lab.db)
    balance = lab.app.credits.balance(lab.alice)

    with pytest.raises(Unavailable) as refused:
        lab.app.videos.upload(lab.alice, lab.dataset.id, big)
    assert "Not enough disk space" in refused.value.message
    assert _state(lab.db) == before
    assert lab.app.credits.balance(lab.alice) == balance
    audit(lab.db).check()
    # Small work still fits while the disk is full.
    lab.app.credits.recharge(lab.admin, lab.alice.email, 5)
    assert lab.app.credits.balance(lab.alice) == balance + 5

    limit["pages"] = 0  # space is back
    lab.app.db.engine.dispose()
    video = lab.app.videos.upload(lab.alice, lab.dataset.id, big)
    assert video.frame_count == 24
    assert lab.app.credits.balance(lab.alice) == balance + 5 - 24
    audit(lab.db).check()


# -- a real full file system ------------------------------------------------------------------
@contextlib.contextmanager
def small_tmpfs(where: Path, size_mib: int) -> Iterator[Path]:
    where.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mib}m", "tmpfs",
                               str(where)], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc}")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=30,
                       check=False)


@pytest.mark.skipif(os.name != "posix" or shutil.which("mount") is None,
                    reason="needs mount(8) for a small tmpfs")
@pytest.mark.timeout(120)
def test_upload_on_a_really_full_file_system(
    lab: Lab, small_clip: Path, tmp_path: Path
) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; the max_page_count test covers the logic")
    big = padded_copy(small_clip, tmp_path / "big.mp4", 6 << 20)
    lab.app.close()
    with small_tmpfs(tmp_path / "fs", 12) as fs:
        db = fs / "videolab.db"
        shutil.copyfile(lab.db, db)
        filler = fs / "filler"
        free = shutil.disk_usage(fs).free
        filler.write_bytes(b"\0" * max(0, free - (3 << 20)))  # leave ~3 MiB
        with VideoLab.open(str(db)) as app:
            balance = app.credits.balance(lab.alice)
            before = _state(db)
            with pytest.raises(Unavailable) as refused:
                app.videos.upload(lab.alice, lab.dataset.id, big)
            assert "Not enough disk space" in refused.value.message
            assert _state(db) == before
            assert app.credits.balance(lab.alice) == balance
            audit(db).check()
            filler.unlink()  # space is back
            video = app.videos.upload(lab.alice, lab.dataset.id, big)
            assert app.credits.balance(lab.alice) == balance - video.cost_milli
        audit(db).check()
