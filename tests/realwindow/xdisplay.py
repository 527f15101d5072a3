"""A private X server for real-window tests and screenshots: Xvfb plus the openbox window manager.

A window manager matters: without one, nothing decorates, places or resizes windows the way a
desktop does (a shown dialog keeps its first size, focus follows nothing), and the defects of
issue 11 only showed under one. Xvfb picks a free display number itself (``-displayfd``), so
parallel runs never collide.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

#: Debian/Ubuntu packages that give the server, the window manager and the grab tool.
APT_PACKAGES = "xvfb openbox"
#: Room for a 1280x800 window with its title bar, so the window manager never shrinks it.
SCREEN = (1600, 1000)


class XUnavailable(RuntimeError):
    """No X server could be started here (the reason says why)."""


@dataclass
class XDisplay:
    """A running Xvfb + openbox; ``env`` is what a Qt process needs to use it."""

    name: str  # ":N"
    xvfb: subprocess.Popen[bytes]
    wm: subprocess.Popen[bytes]
    workdir: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("WAYLAND_DISPLAY", None)
        env.update(DISPLAY=self.name, QT_QPA_PLATFORM="xcb", XDG_SESSION_TYPE="x11")
        return env

    def stop(self) -> None:
        for proc in (self.wm, self.xvfb):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> XDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _read_display_number(fd: int, proc: subprocess.Popen[bytes], timeout: float) -> str:
    """Xvfb writes its display number on ``-displayfd`` once it accepts connections."""
    end = time.monotonic() + timeout
    data = b""
    while not data.endswith(b"\n"):
        left = end - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            raise XUnavailable("Xvfb did not come up (see its stderr above)")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 32)
            if not chunk:
                raise XUnavailable("Xvfb exited before it was ready")
            data += chunk
    return data.decode().strip()


def start_display(size: tuple[int, int] = SCREEN, timeout: float = 20.0) -> XDisplay:
    """Start Xvfb on a free display and openbox on it; raise :class:`XUnavailable` if either
    is not installed or does not start."""
    for tool in ("Xvfb", "openbox"):
        if shutil.which(tool) is None:
            raise XUnavailable(
                f"{tool} is not installed (Debian/Ubuntu: apt-get install {APT_PACKAGES}); "
                "`bash .ci/run` installs it"
            )
    workdir = Path(tempfile.mkdtemp(prefix="videolab-x-"))
    read_fd, write_fd = os.pipe()
    try:
        xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{size[0]}x{size[1]}x24",
             "-nolisten", "tcp", "-noreset"],
            pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        os.close(write_fd)
        write_fd = -1
        try:
            name = ":" + _read_display_number(read_fd, xvfb, timeout)
        except XUnavailable as exc:
            xvfb.kill()
            err = xvfb.communicate()[1].decode(errors="replace").strip()[-500:]
            shutil.rmtree(workdir, ignore_errors=True)
            raise XUnavailable(f"{exc}: {err}") from None
    finally:
        os.close(read_fd)
        if write_fd >= 0:
            os.close(write_fd)
    # openbox runs its --startup command once it manages the screen: that file says "ready".
    ready = workdir / "wm-ready"
    env = dict(os.environ, DISPLAY=name, HOME=str(workdir))
    wm = subprocess.Popen(
        ["openbox", "--sm-disable", "--startup", f"touch {ready}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    display = XDisplay(name, xvfb, wm, workdir)
    end = time.monotonic() + timeout
    while not ready.exists():
        if wm.poll() is not None or time.monotonic() > end:
            display.stop()
            raise XUnavailable("openbox did not start on the virtual display")
        time.sleep(0.05)
    return display


if __name__ == "__main__":  # `python3 tests/realwindow/xdisplay.py`: can one start here?
    import sys

    try:
        with start_display() as shown:
            print(f"X server: Xvfb {shown.name} with openbox started and stopped")
    except XUnavailable as exc:
        print(f"X server: none can be started: {exc}", file=sys.stderr)
        sys.exit(1)
