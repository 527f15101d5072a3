"""Before Qt starts on X11: can its ``xcb`` platform plugin load? If not, say which system
library is missing, in one line.

Qt's own message when the plugin cannot load ("Could not load the Qt platform plugin "xcb"
... xcb-cursor0 or libxcb-cursor0 is needed") names libxcb-cursor whatever is missing; on a
plain Debian desktop it was libxcb-icccm4 and libxcb-keysyms1 (issue 11). So: load the plugin
the way Qt will (``dlopen``); when that fails, ``ldd`` lists every library it cannot find
(without ``ldd``, the loader's own message names the first one).
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

#: soname -> (Debian/Ubuntu package, Fedora package). What Qt 6's xcb plugin links to.
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
}

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)
_DLOPEN = re.compile(r"(\S+\.so[.\d]*): cannot open shared object file")


def wants_xcb(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> bool:
    """Whether Qt will start on its xcb plugin (X11): asked for, or Linux's default."""
    asked = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if asked:
        return asked == "xcb"
    if not platform.startswith("linux"):
        return False
    # Qt 6 prefers Wayland in a Wayland session; elsewhere on Linux it takes xcb.
    wayland = environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland"
    return not wayland


def xcb_plugin() -> Path | None:
    """Where Qt will look for the xcb plugin (None: this Qt has none)."""
    from PySide6.QtCore import QLibraryInfo

    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    path = plugins / "platforms" / "libqxcb.so"
    return path if path.exists() else None


def ldd_missing(path: Path) -> list[str] | None:
    """The libraries ``path`` needs that the loader cannot find (None: no ``ldd`` here)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return None
    try:
        out = subprocess.run(
            [ldd, str(path)], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return list(dict.fromkeys(_NOT_FOUND.findall(out)))


def missing_libraries(
    plugin: Path,
    load: Callable[[str], object] = ctypes.CDLL,
    list_missing: Callable[[Path], list[str] | None] = ldd_missing,
) -> list[str]:
    """The libraries that keep ``plugin`` from loading; empty when it loads."""
    try:
        load(str(plugin))
    except OSError as exc:
        found = list_missing(plugin)
        if found:
            return found
        named = _DLOPEN.search(str(exc))
        return [named.group(1)] if named else [str(exc)]
    return []


def problem_line(missing: list[str]) -> str:
    """One line: what is missing and the packages that bring it, per distribution."""
    debian = [PACKAGES[name][0] for name in missing if name in PACKAGES]
    fedora = list(dict.fromkeys(PACKAGES[name][1] for name in missing if name in PACKAGES))
    hint = ""
    if debian:
        hint = (
            f" Install {'it' if len(debian) == 1 else 'them'}: sudo apt install {' '.join(debian)}"
            f" (Fedora: sudo dnf install {' '.join(fedora)});"
        )
    return (
        f"VideoLab cannot open a window: Qt's X11 (xcb) platform plugin needs "
        f"{', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} not installed."
        f"{hint} README's 'System packages' lists them all."
    )


def check(environ: Mapping[str, str] = os.environ) -> str | None:
    """The line to print when the xcb plugin cannot load; None when it can or is not used."""
    if not wants_xcb(environ):
        return None
    plugin = xcb_plugin()
    if plugin is None:
        return None
    missing = missing_libraries(plugin)
    return problem_line(missing) if missing else None
