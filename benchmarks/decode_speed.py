"""Decoding speed: OpenCV's VideoCapture (the old reader) against VideoLab's PyAV reader.

    python benchmarks/decode_speed.py [--work DIR] [--repeat 3]

Clips (made once per work folder with PyAV): 640x360 (600 frames) and 1920x1080 (150 frames),
each as H.264 (libx264, CRF 23) and MJPEG, of a textured picture that moves and carries grain
(so H.264 has real work to do). For each clip, the median over ``--repeat`` runs of:

- frames/s to BGR arrays: ``cv2.VideoCapture.read()`` vs ``VideoReader.frames()``;
- frames/s counting only: ``cv2.VideoCapture.grab()`` vs ``count_decodable_frames``;
each also per CPU-second of the process (all its threads).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import machine

CLIPS = (
    ("360p_h264.mp4", "libx264", 640, 360, 600),
    ("360p_mjpeg.avi", "mjpeg", 640, 360, 600),
    ("1080p_h264.mp4", "libx264", 1920, 1080, 150),
    ("1080p_mjpeg.avi", "mjpeg", 1920, 1080, 150),
)


def make_clip(path: Path, codec: str, width: int, height: int, frames: int) -> None:
    import av
    import cv2
    import numpy as np

    rng = np.random.default_rng(0)
    base = cv2.resize(rng.integers(0, 255, (18, 32, 3), dtype=np.uint8), (width, height))
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=30)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        for i in range(frames):
            grain = rng.integers(-12, 12, (height, width, 1), dtype=np.int16)
            image = np.clip(np.roll(base, 5 * i, axis=1).astype(np.int16) + grain, 0, 255)
            frame = av.VideoFrame.from_ndarray(image.astype(np.uint8), format="bgr24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def opencv_read(path: Path) -> int:
    import cv2

    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    count = 0
    while True:
        ok, _frame = cap.read()
        if not ok:
            break
        count += 1
    cap.release()
    return count


def opencv_grab(path: Path) -> int:
    import cv2

    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    count = 0
    while cap.grab():
        count += 1
    cap.release()
    return count


def pyav_read(path: Path) -> int:
    from videolab.inference.video_io import iter_frames

    return sum(1 for f in iter_frames(path) if f.image is not None)


def pyav_count(path: Path) -> int:
    from videolab.inference.video_io import count_decodable_frames

    return count_decodable_frames(path)


def rate(fn: Callable[[Path], int], path: Path, repeat: int) -> tuple[float, float, int]:
    """Median frames/s of wall time, and of CPU time (all threads: what decoding costs, which
    a busy machine disturbs less than the wall clock)."""
    rates, cpu_rates, frames = [], [], 0
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        frames = fn(path)
        rates.append(frames / (time.perf_counter() - started))
        cpu_rates.append(frames / max(time.process_time() - cpu, 1e-9))
    return statistics.median(rates), statistics.median(cpu_rates), frames


LABELS = ("opencv_read", "pyav_read", "opencv_grab", "pyav_count")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = args.work or Path(tempfile.gettempdir()) / "videolab-decode-bench"
    work.mkdir(parents=True, exist_ok=True)
    print(machine())
    rows = []
    for name, codec, width, height, frames in CLIPS:
        path = work / name
        if not path.exists():
            make_clip(path, codec, width, height, frames)
        row: dict[str, object] = {"clip": name, "mb": round(path.stat().st_size / 1e6, 1)}
        for label, fn in (
            ("opencv_read", opencv_read),
            ("pyav_read", pyav_read),
            ("opencv_grab", opencv_grab),
            ("pyav_count", pyav_count),
        ):
            fps, cpu_fps, count = rate(fn, path, args.repeat)
            row[label] = round(fps)
            row[f"{label}_per_cpu_s"] = round(cpu_fps)
            row[f"{label}_frames"] = count
        rows.append(row)
        print(json.dumps(row))
    print("\nframes/s of wall time (frames per CPU-second)")
    print("| clip | OpenCV read | PyAV read | OpenCV grab (count) | PyAV count |")
    print("|---|---|---|---|---|")
    for r in rows:
        cells = [f"{r[k]} ({r[k + '_per_cpu_s']})" for k in LABELS]
        print(f"| {r['clip']} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
