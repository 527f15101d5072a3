"""Hostile files: each one refused with a clear message or handled, never a crash or a hang,
never charged more than the frames stored."""

from __future__ import annotations

import errno
import io
import os
import uuid
from pathlib import Path

import pytest

import videolab.services.videos as videos_module
from tests.hardening.conftest import Lab
from tests.hardening.corpus import Hostile, build_corpus, build_mutants, judge
from tests.hardening.harness import audit, cli_upload, decoded_frames, padded_copy, raw_connect
from videolab.domain.errors import InvalidInput


def _state(db: Path) -> tuple[int, int, int]:
    with raw_connect(db) as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(sql).fetchone()[0]
            for sql in ("SELECT count(*) FROM videos", "SELECT count(*) FROM video_chunks",
                        "SELECT count(*) FROM credit_ledger"))


def upload_corpus(lab: Lab, items: list[Hostile]) -> list[dict[str, object]]:
    """Upload every file in one real ``videolab-cli`` process, bounded in time."""
    code, results, stderr = cli_upload(lab.db, lab.home, "Moving shapes", [i.path for i in items])
    assert code in (0, 1), f"videolab-cli crashed (exit {code}):\n{stderr[-3000:]}"
    assert results is not None and len(results) == len(items), stderr[-2000:]
    return results


@pytest.mark.timeout(300)
def test_hostile_corpus_is_refused_or_handled(lab: Lab, small_clip: Path, tmp_path: Path) -> None:
    items = build_corpus(tmp_path / "corpus", small_clip)
    balance = lab.app.credits.balance(lab.alice)
    results = upload_corpus(lab, items)
    problems, charged = judge(items, results)
    assert problems == [], "\n".join(problems)
    assert lab.app.credits.balance(lab.alice) == balance - charged
    audit(lab.db).check()

    # The stored content is what was uploaded, and it decodes to the frames charged.
    names = {str(r["name"]): r for r in results if "error" not in r}
    assert "x" * 251 + ".mp4" in names  # a 255-byte name is kept whole
    assert "clip-\ufffd\ufffd-caf\ufffd.mp4" in names  # undecodable bytes shown as U+FFFD
    assert "spaced  name .mp4" in names  # trimmed, inner spaces kept
    for result in names.values():
        out = lab.app.videos.export(lab.alice, uuid.UUID(str(result["id"])),
                                    tmp_path / "export" / "copy.bin")
        assert decoded_frames(out) == result["frame_count"]


@pytest.mark.timeout(300)
def test_damaged_videos_are_refused_or_charged_exactly(lab: Lab, small_clip: Path,
                                                       tmp_path: Path) -> None:
    items = build_mutants(tmp_path / "mutants", small_clip, 24, seed=1)
    balance = lab.app.credits.balance(lab.alice)
    results = upload_corpus(lab, items)
    problems, charged = judge(items, results)
    assert problems == [], "\n".join(problems)
    assert lab.app.credits.balance(lab.alice) == balance - charged
    audit(lab.db).check()


# -- files that change under the upload ---------------------------------------------------------
def _fresh(small_clip: Path, tmp_path: Path, name: str) -> Path:
    return padded_copy(small_clip, tmp_path / name, 2 << 20)


@pytest.mark.timeout(60)
def test_file_that_disappears_after_the_probe(lab: Lab, small_clip: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = _fresh(small_clip, tmp_path, "vanishing.mp4")
    real_probe = videos_module.file_fingerprint  # the probe's last step

    def probe_then_delete(p: Path, size: int) -> str:
        info = real_probe(p, size)
        path.unlink()
        return info

    monkeypatch.setattr(videos_module, "file_fingerprint", probe_then_delete)
    before = _state(lab.db)
    with pytest.raises(InvalidInput, match=r"disappeared|does not exist"):
        lab.app.videos.upload(lab.alice, lab.dataset.id, path)
    assert _state(lab.db) == before


@pytest.mark.timeout(60)
def test_file_cut_short_while_it_is_stored(lab: Lab, small_clip: Path, tmp_path: Path) -> None:
    path = _fresh(small_clip, tmp_path, "shrinking.mp4")
    before = _state(lab.db)

    def cut(done: int, total: int, phase: str) -> None:
        if phase == "store" and done:
            os.truncate(path, total // 3)

    with pytest.raises(InvalidInput, match="changed during the upload"):
        lab.app.videos.upload(lab.alice, lab.dataset.id, path, progress=cut)
    assert _state(lab.db) == before


@pytest.mark.timeout(60)
def test_file_swapped_after_the_probe_keeping_size_and_time(
    lab: Lab, small_clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A same-size file with a forged modification time slipped in between probe and store:
    storing it would keep content that was never probed or paid for."""
    path = _fresh(small_clip, tmp_path, "swapped.mp4")
    impostor = tmp_path / "impostor.mp4"
    impostor.write_bytes(os.urandom(path.stat().st_size))
    real_probe = videos_module.file_fingerprint  # the probe's last step

    def probe_then_swap(p: Path, size: int) -> str:
        info = real_probe(p, size)
        st = path.stat()
        os.replace(impostor, path)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        return info

    monkeypatch.setattr(videos_module, "file_fingerprint", probe_then_swap)
    before = _state(lab.db)
    with pytest.raises(InvalidInput, match="changed during the upload"):
        lab.app.videos.upload(lab.alice, lab.dataset.id, path)
    assert _state(lab.db) == before


@pytest.mark.timeout(60)
def test_file_rewritten_in_place_after_the_probe(
    lab: Lab, small_clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _fresh(small_clip, tmp_path, "rewritten.mp4")
    real_probe = videos_module.file_fingerprint  # the probe's last step

    def probe_then_rewrite(p: Path, size: int) -> str:
        info = real_probe(p, size)
        st = path.stat()
        with open(path, "r+b") as f:
            f.seek(st.st_size // 2)
            f.write(b"\0" * 4096)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        return info

    monkeypatch.setattr(videos_module, "file_fingerprint", probe_then_rewrite)
    before = _state(lab.db)
    with pytest.raises(InvalidInput, match="changed during the upload"):
        lab.app.videos.upload(lab.alice, lab.dataset.id, path)
    assert _state(lab.db) == before


@pytest.mark.timeout(60)
def test_read_error_in_the_middle_of_the_file(lab: Lab, small_clip: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk or network share failing mid-read (EIO) is a clear refusal, not an OSError."""
    path = _fresh(small_clip, tmp_path, "failing-disk.mp4")

    class FailingFile(io.FileIO):
        reads = 0

        def read(self, size: int = -1, /) -> bytes:
            FailingFile.reads += 1
            if FailingFile.reads > 1:
                raise OSError(errno.EIO, "Input/output error")
            return super().read(size)

    monkeypatch.setattr(videos_module, "open", lambda p, mode="rb": FailingFile(p, "r"),
                        raising=False)
    before = _state(lab.db)
    with pytest.raises(InvalidInput, match="could not be read"):
        lab.app.videos.upload(lab.alice, lab.dataset.id, path)
    assert _state(lab.db) == before
