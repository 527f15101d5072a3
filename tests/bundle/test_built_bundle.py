"""Smoke tests of a built desktop bundle: its executables, not the source tree.

    VIDEOLAB_BUNDLE_DIR=dist/VideoLab VIDEOLAB_BUNDLE_VARIANT=cpu python -m pytest tests/bundle

Skipped unless VIDEOLAB_BUNDLE_DIR names a built bundle (``.ci/run`` builds the cpu one and
runs them). The command line, the GUI and the child processes are the bundle's own; this
test process only makes inputs (a clip, an .onnx export of the demo model) and, for the
child-process tests, plays the desktop app's side with the same ``job_launcher`` code the
bundle runs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.jobs.conftest import JobWorld
from videolab.domain.enums import JobStatus
from videolab.domain.params import DetectionParams
from videolab.frozen import CHILD_FLAG, NOTICES_FILE
from videolab.inference.models import DEMO_IR, DEMO_WEIGHTS
from videolab.inference.synthetic import generate_video
from videolab.services import job_launcher
from videolab.services.job_launcher import ChildProgress, run_in_child_process
from videolab.services.seed import DEMO_VIDEO_FRAMES, DEMO_VIDEO_NAME, LIVE_DATASET
from videolab.settings import app_paths

BUNDLE = Path(os.environ.get("VIDEOLAB_BUNDLE_DIR", "")).resolve()
VARIANT = os.environ.get("VIDEOLAB_BUNDLE_VARIANT", "cpu")
EXE = ".exe" if os.name == "nt" else ""
CLI = BUNDLE / f"videolab-cli{EXE}"
GUI = BUNDLE / f"videolab{EXE}"
TORCH_STACK = ("torch", "torchvision", "ultralytics", "ultralytics_thop", "nncf")

pytestmark = pytest.mark.skipif(
    not os.environ.get("VIDEOLAB_BUNDLE_DIR"),
    reason="set VIDEOLAB_BUNDLE_DIR to a built dist/VideoLab to smoke-test it",
)


def bundle_env(home: Path) -> dict[str, str]:
    """A user's environment: nothing of this test's Python leaks into the bundle."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "VIDEOLAB_", "YOLO_"))}
    env.update(VIDEOLAB_HOME=str(home), VIDEOLAB_DB=str(home / "smoke.db"),
               VIDEOLAB_USER="alice@example.com", VIDEOLAB_PASSWORD="videolab-demo",
               QT_QPA_PLATFORM="offscreen")
    return env


@dataclass
class Bundle:
    home: Path
    env: dict[str, str]
    dataset: str
    video_id: str

    def cli(self, *args: str, check: bool = True, timeout: float = 600) -> Any:
        done = subprocess.run([str(CLI), "--json", *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        if check:
            assert done.returncode == 0, f"{args}: {done.returncode}\n{done.stderr[-3000:]}"
        return done

    def data(self, *args: str) -> Any:
        return json.loads(self.cli(*args).stdout)

    def detections(self, job_id: str) -> int:
        out = self.home / f"{job_id}.json"
        self.cli("results", "export", job_id, "--format", "json", "--out", str(out))
        result = json.loads(out.read_text())
        return sum(len(f["detections"]) for f in result["frames"])


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bundle]:
    home = tmp_path_factory.mktemp("bundle-home")
    clip = generate_video(home / "shapes.mp4", seed=5, frames=40)
    b = Bundle(home, bundle_env(home), "smoke", "")
    b.cli("init", "--demo")
    b.cli("datasets", "create", b.dataset)
    [video] = b.data("videos", "upload", b.dataset, str(clip.path))
    b.video_id = video["id"]
    yield b


def test_the_bundle_has_its_two_executables_and_its_licence_notice() -> None:
    assert CLI.is_file() and os.access(CLI, os.X_OK)
    assert GUI.is_file() and os.access(GUI, os.X_OK)
    notice = (BUNDLE / NOTICES_FILE).read_text("utf-8")
    assert "openvino" in notice.lower() and "PySide6" in notice
    top = notice.split("Licence texts")[0]
    if VARIANT == "cpu":
        assert "This bundle contains no code licensed under the AGPL." in notice
    else:
        assert "THIS BUNDLE CONTAINS CODE LICENSED UNDER THE GNU AFFERO" in notice
        assert "ultralytics" in top.lower()
    # PyAV's FFmpeg links x264 (GPL): the notice says so whenever the bundle holds it.
    x264 = [p.name for p in BUNDLE.rglob("libx264*") if not p.is_symlink()]
    if x264:
        assert "CONTAINS CODE LICENSED UNDER THE GNU GENERAL PUBLIC LICENSE" in top
        assert all(name in top for name in x264) and "PyAV issue #2408" in top
    # Only libraries of the build machine's own system are listed as such.
    system = top.split("Native libraries copied from the build machine's system")[-1]
    assert "av.libs" not in system and "PySide6" not in system


#: The issue's target for the cpu bundle's unpacked size (481 MB when this was written).
CPU_SIZE_LIMIT_MB = 500


@pytest.mark.skipif(VARIANT != "cpu", reason="the size target is the cpu bundle's")
def test_the_cpu_bundle_stays_small() -> None:
    size = sum(p.stat().st_size for p in BUNDLE.rglob("*") if p.is_file() and not p.is_symlink())
    assert size / 1e6 <= CPU_SIZE_LIMIT_MB
    # Trimmed as build_bundle_trim.py says: no ONNX Runtime, one FFmpeg, no GTK, stubs for
    # the libraries VideoLab never runs, no debug info.
    names = {p.name for p in BUNDLE.rglob("*")}
    assert not any(n.startswith(("onnxruntime", "libgtk-3")) for n in names)
    assert len([n for n in names if n.startswith("libavcodec")]) == 1
    x265 = next(p for p in BUNDLE.rglob("libx265*") if not p.is_symlink())
    assert x265.stat().st_size < 100_000  # 20.6 MB: the stub of the HEVC encoder
    libpython = next(BUNDLE.rglob("libpython3*.so*"))
    assert libpython.stat().st_size < 12e6  # 23 MB with its debugging information


@pytest.mark.skipif(VARIANT != "cpu", reason="the full bundle ships PyTorch on purpose")
def test_the_cpu_bundle_holds_no_pytorch_and_no_ultralytics() -> None:
    found = [
        str(p.relative_to(BUNDLE)) for p in BUNDLE.rglob("*")
        if p.name.split(".")[0] in TORCH_STACK or p.name.startswith(("libtorch", "libc10"))
    ]
    assert found == []


def test_init_and_upload_worked(bundle: Bundle) -> None:
    [video] = [v for v in bundle.data("videos", "list", bundle.dataset)]
    assert video["id"] == bundle.video_id and video["frame_count"] == 40
    assert bundle.data("whoami")["email"] == "alice@example.com"


def test_a_demo_model_job_completes_with_detections(bundle: Bundle) -> None:
    job = bundle.data("jobs", "run", bundle.video_id, "--model", "demo", "--end", "20")
    assert job["status"] == "COMPLETED", job["error"]
    assert job["frames_processed"] == 20
    if VARIANT == "cpu":
        assert job["backend"] == "openvino"
    assert bundle.detections(job["id"]) >= 20  # every frame has shapes in it


def test_a_job_exports_as_an_h264_mp4(bundle: Bundle) -> None:
    # Drawing (OpenCV) and H.264 encoding (PyAV's FFmpeg with x264), as the bundle ships them.
    job = bundle.data("jobs", "run", bundle.video_id, "--model", "demo", "--end", "8")
    assert job["status"] == "COMPLETED", job["error"]
    out = bundle.home / "annotated.mp4"
    bundle.cli("results", "export", job["id"], "--format", "mp4", "--out", str(out))
    import av

    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert sum(1 for _ in container.decode(stream)) == 8


def test_the_demo_clip_was_written_by_the_bundle(bundle: Bundle) -> None:
    # init --demo writes its clip with OpenCV's VideoWriter (through PyAV's FFmpeg in the cpu
    # bundle: scripts/build_bundle_trim.py) and reads it back to probe it.
    names = [d["name"] for d in bundle.data("datasets", "list")]  # alice's, as seeded
    assert LIVE_DATASET[0] in names, names
    videos = bundle.data("videos", "list", LIVE_DATASET[0])
    clips = [v for v in videos if v["name"] == DEMO_VIDEO_NAME]
    assert clips and clips[0]["frame_count"] == DEMO_VIDEO_FRAMES


def test_an_onnx_model_job_completes_with_detections(bundle: Bundle) -> None:
    folder = bundle.home / "onnx"
    folder.mkdir()
    shutil.copyfile(DEMO_WEIGHTS, folder / "shapes.pt")
    # The test's own Python (with Ultralytics) makes the .onnx a user would bring.
    subprocess.run(
        [sys.executable, "-c", "import sys; from ultralytics import YOLO; "
         "YOLO(sys.argv[1]).export(format='onnx', imgsz=640, simplify=False)",
         str(folder / "shapes.pt")],
        check=True, capture_output=True, timeout=600,
        env={**os.environ, "YOLO_OFFLINE": "1", "YOLO_CONFIG_DIR": str(folder / "cfg")},
    )
    job = bundle.data("jobs", "run", bundle.video_id, "--model", str(folder / "shapes.onnx"),
                      "--end", "10")
    assert job["status"] == "COMPLETED", job["error"]
    assert bundle.detections(job["id"]) >= 10


def test_a_pt_model_is_refused_by_the_cpu_bundle_and_runs_in_the_full_one(
    bundle: Bundle,
) -> None:
    models = bundle.home / "data" / "models"
    models.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DEMO_WEIGHTS, models / "mine.pt")  # the user's own folder: trusted
    before = bundle.data("whoami")["tokens"]
    done = bundle.cli("jobs", "run", bundle.video_id, "--model", str(models / "mine.pt"),
                      "--end", "5", check=False)
    if VARIANT == "full":
        assert done.returncode == 0, done.stderr[-3000:]
        job = json.loads(done.stdout)
        assert job["status"] == "COMPLETED", job["error"]
        assert job["frames_processed"] == 5
        assert bundle.detections(job["id"]) >= 5  # every frame has shapes in it
        return
    assert done.returncode != 0
    message = done.stderr + done.stdout
    assert "PyTorch" in message and "onnx" in message.lower(), message
    assert "Traceback" not in message
    assert bundle.data("whoami")["tokens"] == before  # nothing charged


def test_the_desktop_app_starts_offscreen_and_stays_up(tmp_path: Path) -> None:
    env = bundle_env(tmp_path)
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as err:
        app = subprocess.Popen([str(GUI), "--demo"], env=env, stdout=err, stderr=err)
        try:
            time.sleep(10)
            assert app.poll() is None, errors.read_text()[-3000:]
        finally:
            app.send_signal(signal.SIGTERM if os.name != "nt" else signal.CTRL_BREAK_EVENT)
            try:
                app.wait(10)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait()
    assert "Traceback" not in errors.read_text()
    assert (tmp_path / "data" / "demo" / "videolab-demo.db").is_file()


def test_the_console_executable_serves_as_the_job_process() -> None:
    done = subprocess.run([str(CLI), CHILD_FLAG, "videolab.job_process", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "VIDEOLAB_DB" in done.stdout


# -- the desktop app's child processes, played by the bundle -----------------------------------
@pytest.fixture
def bundled_children(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's side (job_launcher) starts the bundle's executable as its job process."""
    monkeypatch.setattr(job_launcher, "child_command",
                        lambda module, *args: [str(CLI), CHILD_FLAG, module, *args])
    for name in list(os.environ):
        if name.startswith(("PYTHON", "VIRTUAL_ENV")):
            monkeypatch.delenv(name)


def _model() -> str:
    """The job's model as the bundle's job process can load it. A job records its model's
    path, resolved here from source: the cpu bundle gets the OpenVINO export (no PyTorch), the
    full one demo.pt copied into the user's model folder (a .pt from this source tree would be
    outside the bundle's trusted folders, and refused)."""
    if VARIANT != "full":
        return str(DEMO_IR)
    models = app_paths().models_dir  # VIDEOLAB_HOME is the world's, the child's too
    models.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DEMO_WEIGHTS, models / "demo.pt")
    return str(models / "demo.pt")


def test_a_job_cancel_and_crash_in_the_bundle_s_job_process(
    world: JobWorld, bundled_children: None
) -> None:
    lab, alice = world.app, world.alice
    before = lab.credits.balance(alice)
    model = _model()
    job = lab.jobs.create(alice, world.video.id, DetectionParams(model=model, end=10))
    seen: list[ChildProgress] = []
    done = run_in_child_process(lab.jobs, lab.db.url, alice, job.id, progress=seen.append)
    assert done.status is JobStatus.COMPLETED, done.error
    assert seen[-1].done == 10 and any(p.preview_jpeg for p in seen)
    spent = 2 * 10

    cancel = threading.Event()
    job = lab.jobs.create(alice, world.video.id, DetectionParams(model=model))
    aborted = run_in_child_process(
        lab.jobs, lab.db.url, alice, job.id, cancel=cancel,
        progress=lambda p: cancel.set() if p.done >= 2 else None,
    )
    assert aborted.status is JobStatus.ABORTED
    spent += 2 * aborted.frames_processed

    job = lab.jobs.create(alice, world.video.id, DetectionParams(model=model))

    def crash(_: ChildProgress) -> None:
        for child in psutil.Process().children(recursive=True):
            if CHILD_FLAG in child.cmdline():
                child.kill()

    crashed = run_in_child_process(lab.jobs, lab.db.url, alice, job.id, progress=crash)
    assert crashed.status is JobStatus.FAILED
    assert lab.credits.balance(alice) == before - spent  # the crashed job fully refunded
