"""stderr carries VideoLab's own messages only: a long job (INT8 calibration: NNCF, torch in
the child that quantizes) prints nothing of the libraries' on the terminal, even with --json.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

from videolab.inference.backends import INT8_MIN_FRAMES, plan_backend
from videolab.inference.library_logs import LogWriter
from videolab.inference.models import resolve_model
from videolab.services.seed import DEMO_PASSWORD

# What VideoLab itself may print on stderr: an error line or one of its own log records.
OWN_LINE = re.compile(r"^(error: .+|(WARNING|ERROR|CRITICAL) videolab(\.[\w.]+)?: .+)$")


def test_a_long_json_job_prints_only_videolab_lines_on_stderr(
    app,
    demo,
    make_clip,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    clip = make_clip(seed=21, frames=INT8_MIN_FRAMES, size=(640, 360))
    dataset = app.datasets.create(demo.alice, "long")
    video = app.videos.upload(demo.alice, dataset.id, clip.path)
    # The FP32 export in the app's cache (an in-process copy when this session made one): the
    # job itself still calibrates INT8, in its child process, as every first long job does.
    cache = app.ctx.paths.export_cache_dir
    plan_backend(resolve_model("demo"), device="cpu", frame_size=(640, 360), cache_dir=cache)
    env = dict(os.environ, VIDEOLAB_USER="alice@example.com", VIDEOLAB_PASSWORD=DEMO_PASSWORD)
    env["PYTHONPATH"] = os.pathsep.join([str(Path.cwd()), env.get("PYTHONPATH", "")])
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "videolab.cli",
            "--db",
            app.db.url,
            "--json",
            "jobs",
            "run",
            str(video.id),
            "--device",
            "cpu",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    strays = [line for line in run.stderr.splitlines() if line and not OWN_LINE.match(line)]
    assert not strays, "\n".join(strays[:20])
    job = json.loads(run.stdout)  # one JSON document, nothing else
    assert job["status"] == "COMPLETED" and job["frames_processed"] == INT8_MIN_FRAMES
    assert job["backend"] in ("openvino-int8", "openvino")  # INT8 accepted, or refused
    assert any("-openvino-int8-" in p.name for p in cache.iterdir()), "INT8 was not attempted"
    # What the libraries said is in the log file instead.
    logged = (app.ctx.paths.cache_dir / "logs" / "videolab.log").read_text("utf-8")
    assert "[step]" in logged


def test_log_writer_turns_printed_lines_into_debug_records(caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG, logger="videolab.libraries")
    with LogWriter(prefix="[nncf] ") as out:
        out.write("Statistics ━━━ 10%\rStatistics ━━━━━━ 100%\nhalf a li")
        out.write("ne\n\n")
        out.write("no newline at the end")
    assert [r.getMessage() for r in caplog.records] == [
        "[nncf] Statistics ━━━━━━ 100%",
        "[nncf] half a line",
        "[nncf] no newline at the end",
    ]
    assert all(r.levelno == logging.DEBUG for r in caplog.records)
