"""A corpus of hostile "video" files, generated on the spot (nothing is committed).

Each entry says what a careful app must do with it: ``refuse`` (a clear message, nothing
stored or charged) or ``accept`` (stored, charged exactly the frames that decode, which the
corpus measures itself before giving the file its hostile name).
"""

from __future__ import annotations

import os
import random
import struct
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from tests.hardening.harness import decoded_frames


@dataclass(frozen=True)
class Hostile:
    path: Path  # may hold a name that is not UTF-8 (surrogate-escaped)
    kind: str
    #: "refuse", "accept", or "either" (damaged but partly decodable: refusing it with a clear
    #: message is fine, accepting it must store and charge exactly the frames that decode)
    expect: str
    frames: int = 0  # for "accept": frames that really decode


def mjpeg_avi(path: Path, frames: int = 40, size: tuple[int, int] = (320, 240)) -> Path:
    """A small Motion-JPEG AVI: every frame is its own JPEG, so truncation keeps earlier ones."""
    w, h = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 24.0, (w, h))
    try:
        for i in range(frames):
            frame = np.full((h, w, 3), (i * 6) % 256, np.uint8)
            cv2.circle(frame, (10 + i * 7 % (w - 20), h // 2), 18, (0, 0, 255), -1)
            writer.write(frame)
    finally:
        writer.release()
    return path


def _patch_u32(data: bytearray, tag: bytes, offset: int, value: int) -> None:
    """Overwrite a little-endian 32-bit field ``offset`` bytes into the ``tag`` chunk's body."""
    at = data.find(tag)
    if at < 0:
        raise ValueError(f"no {tag!r} chunk")
    struct.pack_into("<I", data, at + 8 + offset, value)


def claims_size(data: bytes, width: int, height: int, *, frames_too: bool) -> bytes:
    """An AVI whose headers (and, with ``frames_too``, every JPEG frame) claim another size."""
    out = bytearray(data)
    _patch_u32(out, b"avih", 32, width)
    _patch_u32(out, b"avih", 36, height)
    _patch_u32(out, b"strf", 4, width)
    _patch_u32(out, b"strf", 8, height)
    if frames_too:
        at = 0
        while (at := out.find(b"\xff\xc0", at)) >= 0:  # JPEG SOF0: height, width at +5
            struct.pack_into(">HH", out, at + 5, height, width)
            at += 2
    return bytes(out)


def claims_frames(data: bytes, frames: int) -> bytes:
    """An AVI whose headers claim ``frames`` frames (the real ones are unchanged)."""
    out = bytearray(data)
    _patch_u32(out, b"avih", 16, frames)  # dwTotalFrames
    _patch_u32(out, b"strh", 32, frames)  # dwLength
    return bytes(out)


def build_corpus(root: Path, clip: Path, *, seed: int = 0, truncations: int = 0) -> list[Hostile]:
    """Write the corpus under ``root``; ``truncations`` adds that many random cut points."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    items: list[Hostile] = []
    n = 0

    def put(name: str | bytes, data: bytes, kind: str, expect: str) -> Path:
        nonlocal n
        n += 1
        safe = root / f"_{n:03d}.tmp"
        safe.write_bytes(data)
        frames = decoded_frames(safe) if expect != "refuse" else 0
        if expect == "auto":
            expect = "accept" if frames else "refuse"
        target = Path(os.fsdecode(os.path.join(os.fsencode(root), os.fsencode(name))))
        os.replace(safe, target)
        items.append(Hostile(target, kind, expect, frames))
        return target

    def unique(data: bytes) -> bytes:
        """The same video with a different SHA-256 (a trailing ``free`` box of random bytes)."""
        pad = rng.randbytes(64 + rng.randrange(256))
        return data + struct.pack(">I4s", len(pad) + 8, b"free") + pad

    mp4 = clip.read_bytes()
    avi = mjpeg_avi(root / "_base.avi").read_bytes()
    (root / "_base.avi").unlink()

    put("empty.mp4", b"", "empty file", "refuse")
    put("random.mp4", rng.randbytes(200_000), "random bytes", "refuse")
    put("ftyp-random.mp4", mp4[:32] + rng.randbytes(100_000), "mp4 header, random body",
        "refuse")
    put("playlist.mp4", b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n", "playlist", "refuse")
    put("page.mp4", b"<html><body>not a video</body></html>\n", "text", "refuse")
    cuts = [1, 100, len(mp4) // 10, len(mp4) // 2, len(mp4) - 1]
    cuts += [rng.randrange(1, len(mp4)) for _ in range(truncations)]
    for cut in cuts:
        put(f"cut-mp4-{cut}.mp4", unique(mp4[:cut]), f"mp4 truncated at {cut}", "auto")
    # Motion-JPEG AVI keeps its early frames when cut: those are accepted, charged as decoded.
    for frac in (0.3, 0.6, 0.95) + tuple(rng.uniform(0.2, 0.99) for _ in range(truncations)):
        cut = int(len(avi) * frac)
        put(f"cut-avi-{cut}.avi", unique(avi[:cut]), f"avi truncated at {frac:.0%}", "accept")
    put("lying-count.avi", unique(claims_frames(avi, 100_000)), "header claims 100000 frames",
        "accept")
    put("huge.avi", claims_size(avi, 20_000, 20_000, frames_too=True), "20000x20000 frames",
        "refuse")
    put("huge-header.avi", unique(claims_size(avi, 20_000, 20_000, frames_too=False)),
        "header claims 20000x20000, frames are 320x240", "accept")
    put("x" * 251 + ".mp4", unique(mp4), "255-byte file name", "accept")
    put("é" * 120 + ".mp4", unique(mp4), "244-byte UTF-8 file name", "accept")
    put(b"clip-\xff\xfe-caf\xe9.mp4", unique(mp4), "file name that is not UTF-8", "accept")
    put("clip%03d.mp4", unique(mp4), "printf pattern in the name", "accept")
    put("  spaced  name .mp4", unique(mp4), "spaces around the name", "accept")

    folder = root / "folder.mp4"
    folder.mkdir()
    items.append(Hostile(folder, "a folder", "refuse"))
    if hasattr(os, "mkfifo"):
        fifo = root / "pipe.mp4"
        os.mkfifo(fifo)
        items.append(Hostile(fifo, "a named pipe (would block a reader forever)", "refuse"))
    if os.path.exists("/dev/zero"):
        zero = root / "zero.mp4"
        zero.symlink_to("/dev/zero")
        items.append(Hostile(zero, "a link to /dev/zero (endless)", "refuse"))
    dangling = root / "dangling.mp4"
    dangling.symlink_to(root / "no-such-file")
    items.append(Hostile(dangling, "a dangling link", "refuse"))
    items.append(Hostile(root / "missing.mp4", "a file that does not exist", "refuse"))
    return items




def build_mutants(root: Path, clip: Path, count: int, *, seed: int = 0) -> list[Hostile]:
    """``count`` damaged copies of real videos: flipped bytes, cut and spliced pieces.

    What still decodes is measured here: with no frame the app must refuse the file; with some
    it may refuse it (clearly) or accept it with exactly those frames.
    """
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    sources = [clip.read_bytes()]
    base = mjpeg_avi(root / "_base.avi")
    sources.append(base.read_bytes())
    base.unlink()
    items = []
    for i in range(count):
        data = bytearray(sources[i % len(sources)])
        how = rng.choice(["flip", "cut", "splice", "zero"])
        if how == "flip":
            for _ in range(rng.randrange(1, 64)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif how == "cut":
            data = data[: rng.randrange(1, len(data))]
        elif how == "splice":
            a, b = sorted(rng.randrange(len(data)) for _ in range(2))
            data = data[:a] + data[b:] + data[a:b]
        else:
            at = rng.randrange(len(data))
            data[at : at + rng.randrange(1, 4096)] = bytes(min(4096, len(data) - at))
        pad = rng.randbytes(32)
        data += struct.pack(">I4s", len(pad) + 8, b"free") + pad  # a SHA-256 of its own
        suffix = ".mp4" if i % len(sources) == 0 else ".avi"
        safe = root / f"_{i:05d}.tmp"
        safe.write_bytes(bytes(data))
        frames = decoded_frames(safe)
        target = root / f"mutant-{i:05d}-{how}{suffix}"
        os.replace(safe, target)
        items.append(Hostile(target, f"mutant ({how})", "either" if frames else "refuse", frames))
    return items


def judge(items: list[Hostile], results: list[dict[str, object]]) -> tuple[list[str], int]:
    """Problems with how the app treated each file, and the frames it charged in total."""
    import re

    leaked = re.compile(r"Traceback|Error:|error\(|Exception|Segmentation|\bat 0x|sqlalchemy")
    problems: list[str] = []
    charged = 0
    for item, result in zip(items, results, strict=True):
        label = f"{item.kind} ({os.fsencode(item.path.name)[:48]!r})"
        if "error" in result:
            message = str(result["error"])
            if item.expect == "accept":
                problems.append(f"{label}: refused although {item.frames} frames decode: "
                                f"{message}")
            elif not message or leaked.search(message) or "\n" in message or len(message) > 400:
                problems.append(f"{label}: unclear message {message!r}")
            continue
        frames = int(str(result["frame_count"]))
        charged += frames
        if item.expect == "refuse":
            problems.append(f"{label}: accepted ({frames} frames), expected a refusal")
        elif frames != item.frames:
            problems.append(f"{label}: {frames} frames stored, {item.frames} decode")
        if round(float(str(result["cost"])) * 1000) != frames:
            problems.append(f"{label}: cost {result['cost']} for {frames} frames")
    return problems, charged
