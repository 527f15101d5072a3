"""Real-window tests: the app on Qt's xcb platform in a private Xvfb with openbox.

One session fixture starts the X server and runs the whole screen tour once, in a process of
its own (this one already has a QApplication on the offscreen platform); the tests then read
what the tour found. Skipped, with the reason, only when no X server can be started here;
``bash .ci/run`` installs Xvfb and openbox so that CI always runs them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from xdisplay import XDisplay, XUnavailable, start_display

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TOUR_TIMEOUT_S = 300


@pytest.fixture(scope="session")
def x_display() -> Iterator[XDisplay]:
    try:
        display = start_display()
    except XUnavailable as exc:
        pytest.skip(f"no X server can be started here: {exc}")
    try:
        yield display
    finally:
        display.stop()


@pytest.fixture(scope="session")
def tour(
    x_display: XDisplay, demo_db_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    """What the screen tour found: screen name -> clipped widgets, plus ``login-facts``."""
    root = tmp_path_factory.mktemp("realwindow")
    db = root / "videolab.db"
    shutil.copyfile(demo_db_template, db)
    out = root / "tour.json"
    env = x_display.env
    env.update(
        VIDEOLAB_HOME=str(root / "home"),
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        YOLO_AUTOINSTALL="false",
    )
    env.pop("VIDEOLAB_DB", None)
    try:
        proc = subprocess.run(
            [sys.executable, str(HERE / "realwindow_driver.py"), str(db), str(out)],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=TOUR_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the screen tour took over {TOUR_TIMEOUT_S} s: {exc.stderr!r}"[-3000:])
    if proc.returncode != 0 or not out.exists():
        pytest.fail(
            f"the screen tour failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
        )
    found = json.loads(out.read_text())
    assert isinstance(found, dict)
    return found
