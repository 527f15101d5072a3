"""Code hidden in a .pt pickle never runs without consent; ZIPs in and out are safe."""

from __future__ import annotations

import importlib.util
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from tests.hardening.conftest import Lab
from tests.hardening.harness import evil_pt, has_detection, run_cli
from videolab.domain.errors import ConsentRequired, InvalidInput, VideoLabError
from videolab.domain.params import DetectionParams
from videolab.inference.models import resolve_model

HAS_EXPORTS = importlib.util.find_spec("videolab.inference.exports") is not None
NO_EXPORTS = "videolab.inference.exports (read_zip_member) is not on main yet"
DETECTION, NO_DETECTION = has_detection()


def test_the_payload_is_live(tmp_path: Path) -> None:
    """Loading the crafted file does run code: the refusals below are not vacuous."""
    weights, marker = evil_pt(tmp_path)
    subprocess.run([sys.executable, "-c", f"import pickle; pickle.load(open({str(weights)!r}, "
                    "'rb'))"], check=True, timeout=60)
    assert marker.exists()


def test_models_module_refuses_an_outside_pt_without_consent(lab: Lab, tmp_path: Path) -> None:
    weights, marker = evil_pt(tmp_path / "downloads")
    with pytest.raises(ConsentRequired, match="run any program code"):
        resolve_model(str(weights), models_dir=lab.app.paths.models_dir, allow_untrusted=False)
    # A link placed in the trusted model folder does not launder the file.
    link = lab.app.paths.models_dir / "innocent.pt"
    link.symlink_to(weights)
    with pytest.raises(ConsentRequired):
        resolve_model(str(link), models_dir=lab.app.paths.models_dir, allow_untrusted=False)
    assert not marker.exists()


def test_job_with_an_outside_pt_needs_consent(lab: Lab, tmp_path: Path) -> None:
    weights, marker = evil_pt(tmp_path / "downloads")
    video = lab.app.videos.list(lab.alice, lab.dataset.id)[0]
    balance = lab.app.credits.balance(lab.alice)
    with pytest.raises(ConsentRequired):
        lab.app.jobs.create(lab.alice, video.id, DetectionParams(model=str(weights), end=4),
                            allow_untrusted_model=False)
    assert lab.app.jobs.list(lab.alice) == []
    assert lab.app.credits.balance(lab.alice) == balance
    # The command line refuses it too unless --trust-model is given.
    done = run_cli(lab.home, lab.db, "jobs", "run", str(video.id), "--model", str(weights))
    assert done.returncode == 1, done.stderr
    assert "run any program code" in done.stderr
    assert lab.app.jobs.list(lab.alice) == []
    assert not marker.exists()


# -- ZIPs ---------------------------------------------------------------------------------------
def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _zeros_zip(path: Path, name: str, size: int) -> Path:
    """A zip bomb: ``size`` bytes of zeros that compress to about a thousandth of that."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open(name, "w") as member:
        block = b"\0" * (1 << 20)
        for _ in range(size >> 20):
            member.write(block)
    return path


def _lying_zip(path: Path, name: str, real_size: int, claimed: int) -> Path:
    """A member whose headers claim ``claimed`` bytes but whose data inflates to more."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = b"\0" * (1 << 20)
    body = b"".join(packer.compress(block) for _ in range(real_size >> 20)) + packer.flush()
    crc = zlib.crc32(b"\0" * claimed)
    raw = name.encode()
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(body), claimed,
                        len(raw), 0) + raw + body
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc,
                          len(body), claimed, len(raw), 0, 0, 0, 0, 0, 0) + raw
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local), 0)
    path.write_bytes(local + central + end)
    return path


@pytest.mark.skipif(not HAS_EXPORTS, reason=NO_EXPORTS)
@pytest.mark.timeout(60)
def test_reading_a_zip_member_rejects_traversal_and_oversized_members(tmp_path: Path) -> None:
    from videolab.inference.exports import read_zip_member

    jpeg = b"\xff\xd8\xff\xe0" + b"\0" * 100 + b"\xff\xd9"
    good = _zip(tmp_path / "good.zip", {"frame_000001.jpg": jpeg})
    assert read_zip_member(good, "frame_000001.jpg") == jpeg
    # Refused by the name check itself: a KeyError ("no such member") would also be raised
    # for these names if the check were gone, so it must not count as a refusal.
    for bad_name in ("../frame_000001.jpg", "/etc/passwd", "..\\frame_000001.jpg",
                     "frames/../../x.jpg"):
        with pytest.raises(InvalidInput, match="unsafe name"):
            read_zip_member(good, bad_name)
    traversal = _zip(tmp_path / "traversal.zip", {"../../evil.jpg": jpeg, "/abs.jpg": jpeg})
    for name in ("../../evil.jpg", "/abs.jpg"):
        with pytest.raises(InvalidInput, match="unsafe name"):
            read_zip_member(traversal, name)
    bomb = _zeros_zip(tmp_path / "bomb.zip", "frame_000002.jpg", 256 << 20)
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(VideoLabError):
        read_zip_member(bomb, "frame_000002.jpg")
    liar = _lying_zip(tmp_path / "liar.zip", "frame_000003.jpg", 256 << 20, 100)
    try:
        data = read_zip_member(liar, "frame_000003.jpg")
    except (VideoLabError, zipfile.BadZipFile):
        pass
    else:
        assert len(data) <= 100  # never more than the header admits


@pytest.mark.skipif(not DETECTION, reason=NO_DETECTION)
@pytest.mark.timeout(300)
def test_exported_result_zip_has_safe_member_names(lab: Lab, tmp_path: Path) -> None:
    video = lab.app.videos.list(lab.alice, lab.dataset.id)[0]
    job = lab.app.jobs.create(lab.alice, video.id, DetectionParams(end=6, imgsz=320,
                                                                   device="cpu"))
    done = lab.app.jobs.run(lab.alice, job.id)
    assert done.status.value == "COMPLETED", done.error
    out = lab.app.jobs.export_result(lab.alice, job.id, "zip", tmp_path / "result.zip")
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
    assert len(names) == 6
    for name in names:
        assert re.fullmatch(r"frame_\d{6}\.jpg", name), name
    assert lab.app.jobs.frame_image(lab.alice, job.id, 0)[:2] == b"\xff\xd8"
