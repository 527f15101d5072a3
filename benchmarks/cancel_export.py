"""How fast a cancel stops a job while its model is being exported (the first job of a model).

    python benchmarks/cancel_export.py [--delays 1,3] [--backend openvino]

For each delay, a fresh app folder (so nothing is cached), a job on a short generated clip, and
a cancel that many seconds after the job reports "Preparing the model". Prints the job's final
state, the seconds from the cancel to `JobService.run` returning, what it was charged, and
whether anything was left in the export cache; then the same job uncancelled, for scale.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

from _common import machine


def one_job(work: Path, backend: str, delay: float | None) -> str:
    os.environ["VIDEOLAB_HOME"] = str(work / "home")
    from videolab.domain.params import DetectionParams
    from videolab.inference.synthetic import generate_video
    from videolab.services.app import VideoLab
    from videolab.settings import app_paths

    clip = generate_video(work / "clip.mp4", seed=3, frames=60)
    app = VideoLab.open(str(work / "videolab.db"), paths=app_paths())
    try:
        admin = app.auth.create_first_admin("admin@example.com", "correct horse battery")
        admin = app.credits.recharge(admin, admin.email, 1000)
        video = app.videos.upload(admin, app.datasets.create(admin, "d").id, clip.path)
        job = app.jobs.create(admin, video.id, DetectionParams(backend=backend))
        cancel = threading.Event()
        at: dict[str, float] = {}

        def cancel_later() -> None:
            time.sleep(delay or 0.0)
            at["cancel"] = time.monotonic()
            cancel.set()

        def progress(p: object) -> None:
            message = getattr(p, "message", None) or ""
            if delay is not None and message.startswith("Preparing") and "armed" not in at:
                at["armed"] = 0.0
                threading.Thread(target=cancel_later, daemon=True).start()

        started = time.monotonic()
        done = app.jobs.run(admin, job.id, progress=progress, cancel=cancel)
        ended = time.monotonic()
        cached = [p.name for p in app.paths.export_cache_dir.iterdir() if p.suffix != ".lock"]
        if delay is None:
            return f"uncancelled: {done.status.value} in {ended - started:.2f} s, cache {cached}"
        took = ended - at["cancel"] if "cancel" in at else float("nan")
        return (
            f"cancel {delay:.1f} s into the export: {done.status.value} {took:.2f} s after the "
            f"cancel, charged {done.charged_milli / 1000:.3f} tokens, "
            f"{done.frames_processed} frames, cache {cached or 'empty'}"
        )
    finally:
        app.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--delays", default="1,3")
    ap.add_argument("--backend", default="openvino")
    args = ap.parse_args()
    print(machine())
    delays: list[float | None] = [float(d) for d in args.delays.split(",")]
    for delay in [*delays, None]:
        with tempfile.TemporaryDirectory(prefix="videolab-cancel-") as tmp:
            print(one_job(Path(tmp), args.backend, delay), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
