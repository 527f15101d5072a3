"""Time from launching the GUI (`videolab`) to its first window on screen.

    python benchmarks/gui_startup.py [--runs 5] [--demo]

Each run starts a fresh process with QT_QPA_PLATFORM=offscreen that runs the same `main()` as
the `videolab` command, with an event filter (added from outside; the GUI is not changed)
that notes the first top-level window's Show event, lets the event loop paint once, prints the
time since the parent launched the process, and quits. Median of --runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, machine, offline_env, run_child

_CHILD = r"""
import os, sys, time
launched = float(os.environ["VL_LAUNCHED"])
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget
import videolab.gui.app as gui_app

class FirstWindow(QObject):
    done = False
    def eventFilter(self, obj, event):
        if (not self.done and event.type() == QEvent.Type.Show and isinstance(obj, QWidget)
                and obj.isWindow()):
            self.done = True
            shown = time.time() - launched
            def report():
                print(f"FIRST_WINDOW {shown:.3f} {time.time() - launched:.3f} {type(obj).__name__}",
                      flush=True)
                os._exit(0)
            QTimer.singleShot(0, report)
        return False

make = gui_app.make_application
def hooked(argv=None):
    app = make(argv)
    app._vl_probe = FirstWindow()
    app.installEventFilter(app._vl_probe)
    return app
gui_app.make_application = hooked
sys.exit(gui_app.main(sys.argv[1:]))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--demo", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vl-gui-"))
    env = offline_env(work)
    env["QT_QPA_PLATFORM"] = "offscreen"
    print(machine())
    shown, painted = [], []
    for i in range(args.runs + 1):
        env["VL_LAUNCHED"] = repr(time.time())
        cmd = [sys.executable, "-c", _CHILD, "--db", str(work / "gui.db")]
        if args.demo:
            cmd.append("--demo")
        run = run_child(cmd, env, ROOT)
        line = next((x for x in run.output.splitlines() if x.startswith("FIRST_WINDOW")), None)
        if line is None:
            print(run.output[-3000:])
            return 1
        _, s, p, what = line.split()
        label = "warm-up (untimed)" if i == 0 else f"run {i}"
        print(f"  {label}: {what} shown {float(s):.3f} s, painted {float(p):.3f} s")
        if i:
            shown.append(float(s))
            painted.append(float(p))
    print(
        f"median time to first window: {statistics.median(shown):.3f} s shown, "
        f"{statistics.median(painted):.3f} s after one event-loop pass (target <= 1.5 s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
