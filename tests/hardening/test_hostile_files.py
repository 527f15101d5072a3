"""Hostile files: each one refused with a clear message or handled, never a crash or a hang,
never charged more than the frames stored."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

import videolab.services.videos as videos_module
from tests.hardening.conftest import Lab
from tests.hardening.corpus import Hostile, build_corpus
from tests.hardening.harness import (
    ALICE,
    REPO,
    audit,
    child_env,
    cli_args,
    decoded_frames,
    padded_copy,
    raw_connect,
)
from videolab.domain.errors import InvalidInput

#: What an error line must never look like: a leaked exception, a traceback, a crash.
LEAKED = re.compile(r"Traceback|Error:|error\(|Exception|Segmentation|\bat 0x|sqlalchemy|cv2")


def _state(db: Path) -> tuple[int, int, int]:
    with raw_connect(db) as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(sql).fetchone()[0]
            for sql in ("SELECT count(*) FROM videos", "SELECT count(*) FROM video_chunks",
                        "SELECT count(*) FROM credit_ledger"))


def upload_corpus(lab: Lab, items: list[Hostile], timeout: float = 240) -> list[dict[str, object]]:
    """Upload every file in one real ``videolab-cli videos upload`` process, bounded in time."""
    args = cli_args(lab.db, "--json", "videos", "upload", "Moving shapes",
                    *[os.fsencode(i.path) for i in items])
    started = time.monotonic()
    done = subprocess.run(args, env=child_env(lab.home, VIDEOLAB_USER=ALICE), cwd=REPO,
                          capture_output=True, timeout=timeout, check=False)
    elapsed = time.monotonic() - started
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode in (0, 1), (
        f"videolab-cli crashed (exit {done.returncode}) after {elapsed:.1f} s:\n{stderr[-3000:]}"
    )
    results = json.loads(done.stdout)
    assert isinstance(results, list) and len(results) == len(items), done.stdout[:2000]
    return results


@pytest.mark.timeout(300)
def test_hostile_corpus_is_refused_or_handled(lab: Lab, small_clip: Path, tmp_path: Path) -> None:
    items = build_corpus(tmp_path / "corpus", small_clip)
    balance = lab.app.credits.balance(lab.alice)
    results = upload_corpus(lab, items)
    charged = 0
    problems = []
    for item, result in zip(items, results, strict=True):
        label = f"{item.kind} ({os.fsencode(item.path.name)[:40]!r})"
        if item.expect == "refuse":
            message = str(result.get("error", ""))
            if not message:
                problems.append(f"{label}: accepted, expected a refusal: {result}")
            elif LEAKED.search(message) or "\n" in message or len(message) > 400:
                problems.append(f"{label}: unclear message {message!r}")
            continue
        if "error" in result:
            problems.append(f"{label}: refused: {result['error']}")
            continue
        frames = int(result["frame_count"])  # type: ignore[call-overload]
        if frames != item.frames:
            problems.append(f"{label}: {frames} frames stored, {item.frames} decode")
        if round(float(result["cost"]) * 1000) != frames:  # type: ignore[arg-type]
            problems.append(f"{label}: cost {result['cost']} for {frames} frames")
        charged += frames
    assert problems == [], "\n".join(problems)
    assert lab.app.credits.balance(lab.alice) == balance - charged
    audit(lab.db).check()

    # The stored content is what was uploaded, and it decodes to the frames charged.
    names = {str(r["name"]): r for r in results if "error" not in r}
    assert "x" * 251 + ".mp4" in names  # a 255-byte name is kept whole
    assert "clip-\ufffd\ufffd-caf\ufffd.mp4" in names  # undecodable bytes shown as U+FFFD
    assert "spaced  name .mp4" in names  # trimmed, inner spaces kept
    for result in names.values():
        out = lab.app.videos.export(lab.alice, __import__("uuid").UUID(str(result["id"])),
                                    tmp_path / "export" / "copy.bin")
        assert decoded_frames(out) == result["frame_count"]


# -- files that change under the upload ---------------------------------------------------------
def _fresh(small_clip: Path, tmp_path: Path, name: str) -> Path:
    return padded_copy(small_clip, tmp_path / name, 2 << 20)


@pytest.mark.timeout(60)
def test_file_that_disappears_after_the_probe(lab: Lab, small_clip: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = _fresh(small_clip, tmp_path, "vanishing.mp4")
    real_probe = videos_module.probe_video

    def probe_then_delete(p: Path, **kw: object) -> object:
        info = real_probe(p, **kw)  # type: ignore[arg-type]
        path.unlink()
        return info

    monkeypatch.setattr(videos_module, "probe_video", probe_then_delete)
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
    real_probe = videos_module.probe_video

    def probe_then_swap(p: Path, **kw: object) -> object:
        info = real_probe(p, **kw)  # type: ignore[arg-type]
        st = path.stat()
        os.replace(impostor, path)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        return info

    monkeypatch.setattr(videos_module, "probe_video", probe_then_swap)
    before = _state(lab.db)
    with pytest.raises(InvalidInput, match="changed during the upload"):
        lab.app.videos.upload(lab.alice, lab.dataset.id, path)
    assert _state(lab.db) == before


@pytest.mark.timeout(60)
def test_file_rewritten_in_place_after_the_probe(
    lab: Lab, small_clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _fresh(small_clip, tmp_path, "rewritten.mp4")
    real_probe = videos_module.probe_video

    def probe_then_rewrite(p: Path, **kw: object) -> object:
        info = real_probe(p, **kw)  # type: ignore[arg-type]
        st = path.stat()
        with open(path, "r+b") as f:
            f.seek(st.st_size // 2)
            f.write(b"\0" * 4096)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        return info

    monkeypatch.setattr(videos_module, "probe_video", probe_then_rewrite)
    before = _state(lab.db)
    with pytest.raises(InvalidInput, match="changed during the upload"):
        lab.app.videos.upload(lab.alice, lab.dataset.id, path)
    assert _state(lab.db) == before
