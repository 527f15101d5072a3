"""Peak RSS of a detection job by frame size, and what its result stores per minute of video.

    python benchmarks/job_memory.py [--work DIR] [--sizes 1080p,4k,8k] [--backend auto]

For each size a clip is made once per work folder with PyAV (H.264, 30 fps, a textured picture
that moves, with grain like a camera's; 1080p 120 frames, 4K 60, 8K 30), uploaded with
`videolab-cli videos upload`, and run with `videolab-cli jobs run VIDEO --device cpu` in a
fresh process. Reported: the job process's peak RSS (ru_maxrss, children included), its wall
time, and the stored result ZIP's size scaled to one minute of video. The first job also fills
the export cache (untimed warm-up on the 1080p clip).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import machine, offline_env, run_child, videolab_cli

SIZES = {"1080p": (1920, 1080, 120), "4k": (3840, 2160, 60), "8k": (7680, 4320, 30)}
FPS = 30


def make_clip(path: Path, width: int, height: int, frames: int) -> None:
    import av
    import cv2
    import numpy as np

    rng = np.random.default_rng(0)
    base = cv2.resize(rng.integers(0, 255, (18, 32, 3), dtype=np.uint8), (width, height))
    grain = [rng.integers(-10, 10, (height, width, 1), dtype=np.int16) for _ in range(4)]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(frames):
            image = np.roll(base, width // 200 * i, axis=1).astype(np.int16) + grain[i % 4]
            frame = av.VideoFrame.from_ndarray(
                np.clip(image, 0, 255).astype(np.uint8), format="bgr24"
            )
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def main() -> int:
    if sys.argv[1:2] == ["--make-clip"]:  # in a child: this process must stay small (below)
        make_clip(Path(sys.argv[2]), *SIZES[sys.argv[3]])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--sizes", default="1080p,4k,8k")
    ap.add_argument("--backend", default="auto")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="vl-mem-"))
    work.mkdir(parents=True, exist_ok=True)
    env = offline_env(work)
    env.update(VIDEOLAB_USER="admin@example.com", VIDEOLAB_PASSWORD="videolab-demo")
    print(machine())
    db = str(work / "bench.db")
    cli = [*videolab_cli(), "--db", db]

    def check(cmd: list[str], what: str) -> str:
        run = run_child(cmd, env)
        if run.rc != 0:
            raise SystemExit(f"{what} failed ({run.rc}):\n{run.output[-3000:]}")
        return run.output

    if not Path(db).exists():
        check([*cli, "init", "--demo"], "init")
        check([*cli, "datasets", "create", "bench"], "dataset")
    uploaded: dict[str, str] = {}
    for name in args.sizes.split(","):
        width, height, frames = SIZES[name]
        clip = work / f"{name}.mp4"
        if not clip.exists():
            # Made in a child process: a child forked from a big parent starts with the
            # parent's RSS, which ru_maxrss would report as the job's.
            subprocess.run([sys.executable, __file__, "--make-clip", str(clip), name], check=True)
        listed = json.loads(check([*cli, "--json", "videos", "list", "bench"], "list"))
        known = [v["id"] for v in listed if v["name"] == clip.name]
        if not known:
            out = check([*cli, "--json", "videos", "upload", "bench", str(clip)], "upload")
            known = [json.loads(out[out.index("[") :])[0]["id"]]
        uploaded[name] = known[0]

    def job(video_id: str) -> tuple[float, float, dict[str, object]]:
        run = run_child(
            [*cli, "--json", "jobs", "run", video_id, "--device", "cpu", "--backend", args.backend],
            env,
        )
        if run.rc != 0:
            raise SystemExit(f"job failed ({run.rc}):\n{run.output[-3000:]}")
        out = run.output
        info = json.loads(out[out.index("{") : out.rindex("}") + 1])
        return run.seconds, run.peak_rss_mb, info

    first = next(iter(uploaded.values()))
    seconds, _, info = job(first)
    print(f"warm-up job: {seconds:.1f} s, backend {info.get('backend')}")
    rows = []
    for name, video_id in uploaded.items():
        width, height, frames = SIZES[name]
        seconds, rss, info = job(video_id)
        out = work / f"{name}-result.zip"
        check(
            [*cli, "results", "export", str(info["id"]), "--format", "zip", "--out", str(out)],
            "export",
        )
        per_minute = out.stat().st_size / (frames / FPS) * 60
        row = {
            "size": f"{name} ({width}x{height})",
            "frames": frames,
            "peak_rss_mb": round(rss),
            "seconds": round(seconds, 1),
            "zip_mb": round(out.stat().st_size / 1e6, 1),
            "zip_mb_per_minute": round(per_minute / 1e6),
        }
        rows.append(row)
        print(json.dumps(row))
    print("\n| video | frames | job peak RSS | job time | result ZIP | ZIP per minute |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['size']} | {r['frames']} | {r['peak_rss_mb']} MB | {r['seconds']} s | "
            f"{r['zip_mb']} MB | {r['zip_mb_per_minute']} MB |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
