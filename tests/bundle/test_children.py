"""Child processes start the same way from source and from a desktop bundle, and the
database URL reaches a job's process through its environment, never its command line."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pytest

from tests.bundle.conftest import FakeBundle
from tests.bundle.steps import record_host
from tests.jobs.conftest import JobWorld
from videolab import bundle_entry, frozen, job_process
from videolab.domain.enums import JobStatus
from videolab.domain.params import DetectionParams
from videolab.inference.cancellable import run_cancellable
from videolab.services.job_launcher import ChildProgress, run_in_child_process

posix_only = pytest.mark.skipif(os.name == "nt", reason="the fake bundle's host is a sh script")


def _job_children() -> list[psutil.Process]:
    return [
        p for p in psutil.Process().children(recursive=True)
        if "videolab.job_process" in " ".join(p.cmdline())
    ]


def test_the_database_url_reaches_the_job_process_in_its_environment_not_its_arguments(
    world: JobWorld,
) -> None:
    url = world.app.db.url
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams(end=5))
    seen: list[tuple[list[str], str | None]] = []

    def look(_: ChildProgress) -> None:
        if not seen:
            child = _job_children()[0]
            seen.append((child.cmdline(), child.environ().get(frozen.DB_URL_VARIABLE)))

    done = run_in_child_process(world.app.jobs, url, world.alice, job.id, progress=look)
    assert done.status is JobStatus.COMPLETED, done.error
    cmdline, env_url = seen[0]
    assert not any(url in arg or "--db" in arg for arg in cmdline), cmdline
    assert env_url == url


def test_the_job_process_refuses_to_start_without_a_database_url() -> None:
    env = {k: v for k, v in os.environ.items() if k != frozen.DB_URL_VARIABLE}
    done = subprocess.run(
        [sys.executable, "-m", "videolab.job_process", "00000000-0000-0000-0000-000000000000"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert frozen.DB_URL_VARIABLE in done.stderr


def test_from_source_a_child_is_python_dash_m() -> None:
    assert frozen.child_command("videolab.job_process", "x") == [
        sys.executable, "-m", "videolab.job_process", "x",
    ]
    with pytest.raises(ValueError):
        frozen.child_command("os")


def test_in_a_bundle_a_child_is_the_console_executable_beside_the_app(
    fake_bundle: FakeBundle,
) -> None:
    host = "videolab-cli.exe" if os.name == "nt" else "videolab-cli"
    assert frozen.child_command("videolab.inference.cancellable") == [
        str(fake_bundle.folder.resolve() / host), frozen.CHILD_FLAG,
        "videolab.inference.cancellable",
    ]


@posix_only
def test_a_bundled_app_runs_its_job_in_the_bundle_s_console_executable(
    world: JobWorld, fake_bundle: FakeBundle
) -> None:
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams(end=10))
    seen: list[ChildProgress] = []
    done = run_in_child_process(world.app.jobs, world.app.db.url, world.alice, job.id,
                                progress=seen.append)
    assert done.status is JobStatus.COMPLETED, done.error
    assert seen[-1].done == 10
    assert fake_bundle.started() == [[frozen.CHILD_FLAG, "videolab.job_process", str(job.id)]]


@posix_only
def test_a_bundled_app_cancels_and_survives_the_crash_of_its_job_process(
    world: JobWorld, fake_bundle: FakeBundle
) -> None:
    before = world.app.credits.balance(world.alice)
    cancel = threading.Event()
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams())
    aborted = run_in_child_process(
        world.app.jobs, world.app.db.url, world.alice, job.id,
        progress=lambda p: cancel.set() if p.done >= 2 else None, cancel=cancel,
    )
    assert aborted.status is JobStatus.ABORTED
    paid = 2 * aborted.frames_processed
    assert world.app.credits.balance(world.alice) == before - paid

    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams())

    def kill(_: ChildProgress) -> None:
        for child in _job_children():
            child.kill()

    crashed = run_in_child_process(world.app.jobs, world.app.db.url, world.alice, job.id,
                                   progress=kill)
    assert crashed.status is JobStatus.FAILED
    assert world.app.credits.balance(world.alice) == before - paid  # fully refunded
    assert len(fake_bundle.started()) == 2


@posix_only
def test_a_bundled_app_runs_cancellable_steps_in_the_bundle_s_console_executable(
    tmp_path: Path, fake_bundle: FakeBundle
) -> None:
    out = tmp_path / "host.txt"
    statuses: list[str] = []
    run_cancellable(record_host, str(out), cancel=threading.Event(), status=statuses.append)
    assert statuses == ["step ran"]
    assert out.read_text().splitlines()[1] == str(fake_bundle.folder.resolve() / "videolab-cli")
    assert fake_bundle.started() == [[frozen.CHILD_FLAG, "videolab.inference.cancellable"]]


def test_the_bundle_entry_runs_every_child_module_and_no_other(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for module in frozen.CHILD_MODULES:
        assert callable(bundle_entry.child_main(module))
    assert bundle_entry.main([frozen.CHILD_FLAG, "os"]) == 2
    assert "not a VideoLab child process" in capsys.readouterr().err


def test_the_bundle_entry_tells_the_command_line_from_the_app_by_its_name() -> None:
    assert bundle_entry.is_cli("/opt/VideoLab/videolab-cli")
    assert bundle_entry.is_cli("C:\\VideoLab\\videolab-cli.exe".replace("\\", "/"))
    assert not bundle_entry.is_cli("/opt/VideoLab/videolab")


def test_a_link_named_videolab_to_the_console_executable_starts_the_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The Linux cpu bundle's `videolab` is a link: the file that runs is videolab-cli.
    import videolab.cli
    import videolab.gui.app

    started: list[str] = []
    monkeypatch.setattr(videolab.gui.app, "main", lambda args: started.append("app") or 0)
    monkeypatch.setattr(videolab.cli, "main", lambda args: started.append("cli") or 0)
    monkeypatch.setattr(sys, "executable", "/opt/VideoLab/videolab-cli")
    monkeypatch.setattr(sys, "argv", ["/opt/VideoLab/videolab"])
    assert bundle_entry.main([]) == 0
    monkeypatch.setattr(sys, "argv", ["/opt/VideoLab/videolab-cli"])
    assert bundle_entry.main([]) == 0
    assert started == ["app", "cli"]


_FORK_WHILE_WATCHING = """
import multiprocessing, os, sys, threading
from videolab import job_process
cancel = threading.Event()
threading.Thread(target=job_process.watch_commands,
                 args=(job_process.take_command_pipe(), cancel), daemon=True).start()
threading.Event().wait(0.3)  # the watcher is blocked reading the app's pipe
child = multiprocessing.get_context("fork").Process(target=int)
child.start()
child.join(30)
print("joined" if child.exitcode == 0 else "stuck", flush=True)
os._exit(0)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_a_job_process_can_fork_while_it_waits_for_the_app_s_commands() -> None:
    """CodeCarbon's CPU detection forks a child; with the command watcher holding the lock of
    sys.stdin, that child hung closing its stdin (seen in the bundle's first job)."""
    proc = subprocess.Popen([sys.executable, "-c", _FORK_WHILE_WATCHING],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        out = proc.stdout.readline()  # "stuck" after 30 s at worst; stdin stays open meanwhile
    finally:
        proc.kill()
        proc.wait()
    assert out.strip() == "joined"


def test_the_command_watcher_cancels_on_cancel_or_when_the_app_goes(tmp_path: Path) -> None:
    for data in (b"noise\ncan", b"noise\n"):
        read, write = os.pipe()
        os.write(write, data)
        cancel = threading.Event()
        watcher = threading.Thread(target=job_process.watch_commands,
                                   args=(os.fdopen(read, "rb", buffering=0), cancel))
        watcher.start()
        if data.endswith(b"can"):
            os.write(write, b"cel\n")  # split across reads: still one line
            watcher.join(10)
            assert cancel.is_set() and not watcher.is_alive()
            os.close(write)
        else:
            assert not cancel.wait(0.2)  # noise alone cancels nothing
            os.close(write)  # the app is gone
            watcher.join(10)
            assert cancel.is_set()
