"""Pipeline fps on the CPU for several torch thread counts, idle and beside other busy work.

Why: torch's OpenMP workers spin while they wait, so a thread count that is best on an idle
machine can collapse when anything else (the GUI, an upload, a second job) wants a core.
Pin the process to the cores you want to simulate, e.g. a 2-core laptop::

    taskset -c 0,1 python scripts/bench_cpu_threads.py --threads 1,2 --load 0,1

``--load N`` starts N processes that spin on the same cores during the run. Prints JSON lines.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def _spin(stop: float) -> None:
    while time.monotonic() < stop:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--load", default="0,1", help="busy processes beside the job")
    parser.add_argument("--frames", type=int, default=96)
    parser.add_argument("--backend", default="torch")
    args = parser.parse_args(argv)

    import videolab.inference.detector as detector_module
    from videolab.domain.params import DetectionParams
    from videolab.inference import synthetic, ultralytics_env
    from videolab.inference.models import resolve_model
    from videolab.inference.pipeline import run_detection

    with tempfile.TemporaryDirectory(prefix="videolab-bench-") as tmp:
        ultralytics_env.prepare(Path(tmp) / "ultralytics-config")
        clip = synthetic.generate_video(Path(tmp) / "clip.mp4", seed=5, frames=args.frames)
        model = resolve_model("demo")
        params = DetectionParams(device="cpu", backend=args.backend)
        # One short untimed run: model load, Ultralytics' predictor set-up, caches.
        detector_module.cpu_threads = lambda: 1  # type: ignore[misc]
        warm = DetectionParams(device="cpu", backend=args.backend, end=4)
        run_detection(clip.path, warm, model=model, out_zip=Path(tmp) / "w.zip")
        for load in (int(x) for x in args.load.split(",")):
            for threads in (int(x) for x in args.threads.split(",")):
                detector_module.cpu_threads = lambda n=threads: n  # type: ignore[misc]
                spinners = [mp.Process(target=_spin, args=(time.monotonic() + 600,))
                            for _ in range(load)]
                for p in spinners:
                    p.start()
                try:
                    outcome = run_detection(clip.path, params, model=model,
                                            out_zip=Path(tmp) / "b.zip")
                finally:
                    for p in spinners:
                        p.terminate()
                        p.join()
                summary = outcome.result_json["summary"]
                print(json.dumps({"threads": threads, "busy_processes": load,
                                  "fps": summary["fps"], "backend": summary["backend"]}),
                      flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
