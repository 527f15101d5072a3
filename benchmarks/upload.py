"""Upload throughput and peak RSS growth for a ~1 GB 1080p H.264 and MJPEG file into SQLite.

    python benchmarks/upload.py [--size-mb 1024] [--codec h264|mjpeg|raw|all] [--work DIR]
                                [--no-check]

Each file is made once per work folder with PyAV: a 50-frame segment of 1920x1080 frames
(a moving gradient under heavy grain, so frames are large) is encoded, then its packets are
muxed again and again, shifted in time, until the file reaches the size; it is a valid video
of thousands of frames that every decoder reads to the end. For each file a fresh process
opens a migrated database and times the two phases the GUI and the CLI run:

- upload = ``VideoService.probe_upload`` (demux: count the video packets, which is what is
  charged; decode one frame for the thumbnail; fingerprint the ends) + ``store_upload`` (one
  transaction streaming 1 MiB chunks while hashing, and the debit);
- frame check = ``VideoService.verify_frames`` (decode every frame with the decoder jobs use,
  refund what did not decode), which runs in the background after the upload.

It reports MB/s for each, and the peak RSS above the process's RSS just before (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from _common import ROOT, machine, offline_env, run_child

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from videolab.services.app import VideoLab
from videolab.settings import app_paths
video, db = Path(sys.argv[1]), sys.argv[2]
def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
app = VideoLab.open(db, paths=app_paths().ensure())
admin = app.auth.create_first_admin("admin@example.com", "correct horse battery")
admin = app.credits.recharge(admin, admin.email, 1_000_000)
ds = app.datasets.create(admin, "big")
rss0 = rss()
t0 = time.perf_counter()
probe = app.videos.probe_upload(admin, ds.id, video)
t1 = time.perf_counter()
stored = app.videos.store_upload(admin, ds.id, probe)
t2 = time.perf_counter()
rss1 = rss()
checked = app.videos.verify_frames(admin, stored.id, source=probe) if sys.argv[3] == "1" else stored
t3 = time.perf_counter()
rss2 = rss()
app.close()
print(json.dumps({"bytes": stored.size_bytes, "packets": stored.frame_count,
                  "frames": checked.frame_count, "probe_s": t1 - t0, "store_s": t2 - t1,
                  "check_s": t3 - t2, "rss_before_mb": rss0, "rss_upload_mb": rss1,
                  "rss_check_mb": rss2}))
"""

CODECS = ("h264", "mjpeg", "raw")
_SEGMENT = 50


def make_big_video(path: Path, size_mb: int, codec: str) -> Path:
    """A 1920x1080 video of at least `size_mb` MiB (see the module's docstring)."""
    from fractions import Fraction

    import av
    import numpy as np

    if path.exists() and path.stat().st_size >= size_mb * 2**20:
        return path
    width, height, fps = 1920, 1080, 25
    rng = np.random.default_rng(1)
    grain = [rng.integers(0, 48, (height, width, 3), dtype=np.uint8) for _ in range(4)]
    ramp = np.linspace(0, 150, width, dtype=np.float32)[None, :, None]
    tmp = path.with_name(path.stem + ".part" + path.suffix)
    with av.open(str(tmp), "w") as out:
        name = {"h264": "libx264", "mjpeg": "mjpeg", "raw": "rawvideo"}[codec]
        stream = out.add_stream(name, rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = {"mjpeg": "yuvj420p"}.get(codec, "yuv420p")
        if codec == "h264":
            stream.options = {"preset": "ultrafast", "crf": "14", "g": str(_SEGMENT)}
        elif codec == "mjpeg":
            stream.options = {"q:v": "3"}
        segment = []
        for i in range(_SEGMENT):
            image = (np.roll(ramp, i * 8, axis=1) + grain[i % 4]).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(np.broadcast_to(image, (height, width, 3)).copy(),
                                               format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            segment += stream.encode(frame)
        segment += stream.encode()
        written, shift = 0, 0
        while written < size_mb * 2**20:
            for packet in segment:
                copy = av.Packet(bytes(packet))
                copy.stream = stream
                copy.time_base = packet.time_base
                copy.pts = None if packet.pts is None else packet.pts + shift
                copy.dts = None if packet.dts is None else packet.dts + shift
                copy.is_keyframe = packet.is_keyframe
                out.mux(copy)
                written += packet.size
            shift += _SEGMENT
    tmp.rename(path)
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--codec", choices=[*CODECS, "all"], default="h264")
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--no-check", action="store_true", help="time the upload only")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="vl-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(machine())
    codecs = ("h264", "mjpeg") if args.codec == "all" else (args.codec,)
    for codec in codecs:
        if _measure(work, args.size_mb, codec, check=not args.no_check) != 0:
            return 1
    return 0


def _measure(work: Path, size_mb: int, codec: str, *, check: bool) -> int:
    suffix = ".mp4" if codec == "h264" else ".avi"
    video = make_big_video(work / f"big_{size_mb}mb_{codec}{suffix}", size_mb, codec)
    db = work / "upload.db"
    for tail in ("", "-wal", "-shm"):
        Path(str(db) + tail).unlink(missing_ok=True)
    cmd = [sys.executable, "-c", _CHILD, str(video), str(db), "1" if check else "0"]
    run = run_child(cmd, offline_env(work), ROOT)
    for tail in ("", "-wal", "-shm"):
        Path(str(db) + tail).unlink(missing_ok=True)
    if run.rc != 0:
        print(run.output[-3000:])
        return 1
    r = json.loads(run.output.strip().splitlines()[-1])
    mb = r["bytes"] / 1e6
    upload_s = r["probe_s"] + r["store_s"]
    print(f"\n{codec}: {mb:.0f} MB, {r['packets']} packets, {r['frames']} frames decode, 1920x1080")
    print(
        f"upload (probe_upload + store_upload): {upload_s:.2f} s = {mb / upload_s:.0f} MB/s"
        f"   (target >= 150 MB/s)"
    )
    print(f"  probe (count packets, thumbnail, fingerprint): {r['probe_s']:.2f} s")
    print(
        f"  store (chunks + SHA-256 + debit, one transaction): {r['store_s']:.2f} s = "
        f"{mb / r['store_s']:.0f} MB/s"
    )
    if check:
        print(
            f"frame check in the background (decode every frame, settle): {r['check_s']:.2f} s"
            f" = {mb / r['check_s']:.0f} MB/s"
        )
    print(
        f"peak RSS growth: upload {r['rss_upload_mb'] - r['rss_before_mb']:.0f} MB, with the "
        f"check {r['rss_check_mb'] - r['rss_before_mb']:.0f} MB (from {r['rss_before_mb']:.0f} MB;"
        f" target < 100 MB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
