"""How soon VideoLab is useful: `whoami`, `init --demo`, and the app's sign-in form.

    python benchmarks/startup.py [--runs 5] [--gui-demo-runs 3] [--root CHECKOUT] [--cold-bytecode]

Each figure is the median of --runs fresh processes (after one untimed warm-up), as wall time
and as CPU time (user + system of the process and its children): on a busy machine the wall
time mostly measures the queue for a core, the CPU time is what VideoLab itself costs.

- `whoami` on an existing demo database (process start, imports, schema check, sign-in);
- `init --demo` on a new database each run (schema, accounts, the generated demo video);
- the desktop app (`videolab`, QT_QPA_PLATFORM=offscreen) on an existing database: time from
  launch to the first window on screen, and to the sign-in form being usable (the database
  open, the fields enabled: what a person waits for, not just the first paint);
- the same with `videolab --demo` on a fresh data folder (the demo database created first).

The app is timed by a probe added from outside (the GUI is not changed): a QTimer on the GUI
thread looks every 10 ms for a visible sign-in dialog whose password field is enabled (or the
main window, if a remembered session skipped the dialog); since it runs on the GUI thread, it
also waits for anything that blocks that thread.

Python byte-compiles what it imports and keeps the result next to the sources; an installed
app (pip, a bundle) has that cache. Each run here therefore gets a private one
(PYTHONPYCACHEPREFIX), filled by the warm-up. --cold-bytecode measures without it (every
import compiled from source each time, as in an environment with PYTHONDONTWRITEBYTECODE and
no cache). --root times another checkout of VideoLab (e.g. a worktree of an older commit) on
the same machine and load, for a before/after comparison.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, machine, offline_env, run_child, videolab_cli

PASSWORD = "videolab-demo"
USER = "alice@example.com"

_GUI_CHILD = r"""
import os, sys, time
launched = float(os.environ["VL_LAUNCHED"])
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget
import videolab.gui.app as gui_app

class Probe(QObject):
    shown = None
    def eventFilter(self, obj, event):
        if (self.shown is None and event.type() == QEvent.Type.Show
                and isinstance(obj, QWidget) and obj.isWindow()):
            self.shown = time.time() - launched
            print(f"FIRST_WINDOW {self.shown:.3f} {type(obj).__name__}", flush=True)
        return False

    def look(self):
        for w in QApplication.topLevelWidgets():
            if not w.isVisible():
                continue
            name = type(w).__name__
            password = getattr(w, "password", None)
            usable = name == "MainWindow" or (
                name == "LoginDialog" and password is not None and password.isEnabled()
                and getattr(w, "mode", "") != "loading")
            if usable:
                print(f"USABLE {time.time() - launched:.3f} {name} {time.process_time():.3f}",
                      flush=True)
                os._exit(0)

make = gui_app.make_application
def hooked(argv=None):
    app = make(argv)
    app._vl_probe = Probe()
    app.installEventFilter(app._vl_probe)
    app._vl_timer = QTimer()
    app._vl_timer.timeout.connect(app._vl_probe.look)
    app._vl_timer.start(10)
    return app
gui_app.make_application = hooked
sys.exit(gui_app.main(sys.argv[1:]))
"""


def _env(work: Path, root: Path, cold: bool) -> dict[str, str]:
    env = offline_env(work)
    env["PYTHONPATH"] = str(root)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["VIDEOLAB_USER"] = USER
    env["VIDEOLAB_PASSWORD"] = PASSWORD
    if cold:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def _summary(label: str, walls: list[float], cpus: list[float], target: str = "") -> str:
    line = (
        f"{label}: median {statistics.median(walls):.2f} s wall, "
        f"{statistics.median(cpus):.2f} s CPU  (wall {', '.join(f'{w:.2f}' for w in walls)})"
    )
    return line + (f"  target {target}" if target else "")


def time_cli(
    name: str, args: list[str], env: dict[str, str], runs: int, fresh_db: Path | None = None
) -> tuple[list[float], list[float]]:
    walls: list[float] = []
    cpus: list[float] = []
    for i in range(runs + 1):
        argv = list(args)
        if fresh_db is not None:
            db = fresh_db.with_name(f"{fresh_db.stem}-{i}.db")
            argv = ["--db", str(db), *argv]
        run = run_child([*videolab_cli(), *argv], env)
        if run.rc != 0:
            raise SystemExit(f"{name} failed ({run.rc}):\n{run.output[-2000:]}")
        label = "warm-up (untimed)" if i == 0 else f"run {i}"
        print(f"  {name} {label}: {run.seconds:.2f} s wall, {run.cpu_seconds:.2f} s CPU")
        if i:
            walls.append(run.seconds)
            cpus.append(run.cpu_seconds)
    return walls, cpus


def launch_gui(
    args: list[str], env: dict[str, str], timeout: float
) -> tuple[float, float, float, str]:
    """One launch: first window shown and sign-in usable, in seconds since the launch; the
    CPU time the app had used when its sign-in became usable; what became usable."""
    env = dict(env, VL_LAUNCHED=repr(time.time()))
    done = subprocess.run(
        [sys.executable, "-c", _GUI_CHILD, *args],
        env=env,
        cwd=env["PYTHONPATH"],  # `python -c` puts the working folder first on sys.path
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    shown = usable = None
    cpu = 0.0
    what = "?"
    for line in done.stdout.splitlines():
        parts = line.split()
        if parts and parts[0] == "FIRST_WINDOW":
            shown = float(parts[1])
        elif parts and parts[0] == "USABLE":
            usable, what, cpu = float(parts[1]), parts[2], float(parts[3])
    if shown is None or usable is None:
        raise SystemExit(
            f"the app did not become usable:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
        )
    return shown, usable, cpu, what


def time_gui(
    name: str, make_args: list[str], env: dict[str, str], runs: int, fresh_home: Path | None
) -> tuple[list[float], list[float], list[float]]:
    shown_all: list[float] = []
    usable_all: list[float] = []
    cpu_all: list[float] = []
    for i in range(runs + 1):
        run_env = dict(env)
        if fresh_home is not None:
            run_env["VIDEOLAB_HOME"] = str(fresh_home / f"home-{i}")
        shown, usable, cpu, what = launch_gui(make_args, run_env, timeout=300)
        label = "warm-up (untimed)" if i == 0 else f"run {i}"
        print(
            f"  {name} {label}: first window {shown:.2f} s, {what} usable {usable:.2f} s "
            f"({cpu:.2f} s CPU)"
        )
        if i:
            shown_all.append(shown)
            usable_all.append(usable)
            cpu_all.append(cpu)
    return shown_all, usable_all, cpu_all


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each measurement")
    ap.add_argument("--init-runs", type=int, default=3, help="timed runs of init --demo")
    ap.add_argument(
        "--gui-demo-runs", type=int, default=3, help="timed runs of `videolab --demo` (0: skip)"
    )
    ap.add_argument("--root", type=Path, default=ROOT, help="the VideoLab checkout to time")
    ap.add_argument("--cold-bytecode", action="store_true", help="no byte-code cache")
    ap.add_argument("--skip-gui", action="store_true", help="only the command line")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="vl-startup-"))
    env = _env(work, args.root.resolve(), args.cold_bytecode)
    print(machine())
    print(f"code: {args.root.resolve()}; byte-code cache: {'off' if args.cold_bytecode else 'on'}")
    os.environ.pop("VIDEOLAB_DB", None)

    results: list[str] = []
    demo_db = work / "demo.db"
    walls, cpus = time_cli(
        "init --demo", ["init", "--demo"], env, args.init_runs, fresh_db=work / "fresh.db"
    )
    results.append(_summary("init --demo, new database", walls, cpus))
    run = run_child([*videolab_cli(), "--db", str(demo_db), "init", "--demo"], env)
    if run.rc != 0:
        raise SystemExit(run.output)
    walls, cpus = time_cli("whoami", ["--db", str(demo_db), "whoami"], env, args.runs)
    results.append(_summary("whoami", walls, cpus, "< 1 s"))

    if not args.skip_gui:
        shown, usable, cpu = time_gui("videolab --db", ["--db", str(demo_db)], env, args.runs, None)
        results.append(
            f"videolab, existing database: first window median {statistics.median(shown):.2f} s, "
            f"sign-in usable median {statistics.median(usable):.2f} s wall, "
            f"{statistics.median(cpu):.2f} s CPU  target <= 1.5 s"
        )
        if args.gui_demo_runs:
            shown, usable, cpu = time_gui(
                "videolab --demo", ["--demo"], env, args.gui_demo_runs, fresh_home=work
            )
            results.append(
                f"videolab --demo, new demo database: first window median "
                f"{statistics.median(shown):.2f} s, sign-in usable median "
                f"{statistics.median(usable):.2f} s wall, {statistics.median(cpu):.2f} s CPU"
            )
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    print("\n".join(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
