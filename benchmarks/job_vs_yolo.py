"""A VideoLab job vs `yolo predict ... save=True` on the same clip and model.

    python benchmarks/job_vs_yolo.py [--runs 3] [--frames 700] [--work DIR]

Both read the same generated 640x360 clip with the demo model (a YOLO11n) on the CPU:
(a) Ultralytics' CLI `yolo predict model=demo.pt source=clip.mp4 save=True` (annotated video
written); (b) `videolab-cli jobs run VIDEO` from PENDING to COMPLETED with the result JSON and
the ZIP of annotated JPEGs stored in SQLite. Runs alternate (yolo, job, yolo, job, ...) after
one untimed warm-up of each (which also fills VideoLab's export cache, once); medians of
process wall time (each one a fresh process: imports and model load included) and the ratio.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from _common import DEMO_PT, clip, machine, median, offline_env, run_child, videolab_cli, yolo_cli


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--frames", type=int, default=700)
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--backend", default="auto")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="vl-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = offline_env(work)
    env.update(VIDEOLAB_USER="admin@example.com", VIDEOLAB_PASSWORD="videolab-demo")
    print(machine())
    video = clip(work, args.frames)
    db = str(work / "bench.db")
    cli = [*videolab_cli(), "--db", db]

    def check(run, what):  # type: ignore[no-untyped-def]
        if run.rc != 0:
            raise SystemExit(f"{what} failed ({run.rc}):\n{run.output[-3000:]}")
        return run

    if not Path(db).exists():
        check(run_child([*cli, "init", "--demo"], env), "init")
        check(run_child([*cli, "datasets", "create", "bench"], env), "dataset")
    listed = check(run_child([*cli, "--json", "videos", "list", "bench"], env), "list")
    known = [v for v in json.loads(listed.output[listed.output.index("[") :])
             if v["name"] == video.name]
    if not known:  # a work folder reused: the clip is already uploaded
        up = check(run_child([*cli, "--json", "videos", "upload", "bench", str(video)], env),
                   "upload")
        known = json.loads(up.output[up.output.index("[") :])
    video_id = known[0]["id"]
    model = work / "demo.pt"
    shutil.copyfile(DEMO_PT, model)

    def yolo():  # type: ignore[no-untyped-def]
        return check(
            run_child(
                [
                    *yolo_cli(),
                    "predict",
                    f"model={model}",
                    f"source={video}",
                    "save=True",
                    "device=cpu",
                    "imgsz=640",
                    "verbose=False",
                    f"project={work / 'runs'}",
                    "name=predict",
                    "exist_ok=True",
                ],
                env,
                cwd=work,
            ),
            "yolo predict",
        )

    def job():  # type: ignore[no-untyped-def]
        run = check(
            run_child(
                [
                    *cli,
                    "--json",
                    "jobs",
                    "run",
                    video_id,
                    "--device",
                    "cpu",
                    "--backend",
                    args.backend,
                ],
                env,
            ),
            "videolab job",
        )
        out = run.output
        info = json.loads(out[out.index("{") : out.rindex("}") + 1])
        if info.get("status") != "COMPLETED":
            raise SystemExit(f"job ended {info.get('status')}: {info}")
        return run, info

    print("warm-up (not in the medians): yolo predict, VideoLab job (fills the export cache)")
    exports = Path(env["VIDEOLAB_HOME"]) / "cache" / "exports"
    fresh = not exports.is_dir() or not any(exports.iterdir())
    first_yolo = yolo()
    first, info = job()
    print(f"  job backend: {info.get('backend')}, device {info.get('device')}")
    print(
        f"  first runs: yolo predict {first_yolo.seconds:.2f} s, VideoLab job "
        f"{first.seconds:.2f} s"
        + (" (export + INT8 calibration on this video included)" if fresh else " (cache warm)")
    )
    yolo_s, job_s, yolo_rss, job_rss = [], [], [], []
    for i in range(args.runs):
        y = yolo()
        j, _ = job()
        yolo_s.append(y.seconds)
        job_s.append(j.seconds)
        yolo_rss.append(y.peak_rss_mb)
        job_rss.append(j.peak_rss_mb)
        print(
            f"  run {i + 1}: yolo predict {y.seconds:6.2f} s   VideoLab job {j.seconds:6.2f} s"
            f"   ratio {y.seconds / j.seconds:.2f}x"
        )
    n = args.frames
    y, j = median(yolo_s), median(job_s)
    print(
        f"median yolo predict save=True: {y:.2f} s ({n / y:.1f} frames/s), "
        f"peak RSS {median(yolo_rss):.0f} MB"
    )
    print(
        f"median VideoLab job (jobs run -> COMPLETED, stored): {j:.2f} s ({n / j:.1f} frames/s), "
        f"peak RSS {median(job_rss):.0f} MB"
    )
    print(f"ratio (yolo / job): {y / j:.2f}x   (target >= 2.5x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
