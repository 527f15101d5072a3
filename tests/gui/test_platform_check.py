"""The start-up check of Qt's xcb plugin: one clear line naming what is missing (issue 11)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from videolab.gui import app as gui_app
from videolab.gui import platform_check


def test_xcb_is_wanted_when_asked_or_by_default_on_linux() -> None:
    assert platform_check.wants_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert platform_check.wants_xcb({"QT_QPA_PLATFORM": "xcb;offscreen"}, "darwin")
    assert not platform_check.wants_xcb({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert platform_check.wants_xcb({"DISPLAY": ":0"}, "linux")
    assert not platform_check.wants_xcb({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert not platform_check.wants_xcb({}, "win32")
    assert not platform_check.wants_xcb({}, "darwin")


def test_a_missing_library_is_named_with_its_packages(tmp_path: Path) -> None:
    """The loader fails on a library that is not there: ldd's list is what is reported."""

    def load(path: str) -> object:
        raise OSError("libxcb-icccm.so.4: cannot open shared object file: No such file")

    missing = platform_check.missing_libraries(
        tmp_path / "libqxcb.so", load=load,
        list_missing=lambda _: ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"],
    )
    assert missing == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    line = platform_check.problem_line(missing)
    assert "\n" not in line
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in line
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1" in line
    assert "sudo dnf install xcb-util-wm xcb-util-keysyms" in line
    assert "cursor" not in line  # Qt's own message blamed libxcb-cursor0 whatever was missing


def test_without_ldd_the_loaders_message_names_the_library(tmp_path: Path) -> None:
    def load(path: str) -> object:
        raise OSError("libxcb-keysyms.so.1: cannot open shared object file: No such file")

    missing = platform_check.missing_libraries(
        tmp_path / "libqxcb.so", load=load, list_missing=lambda _: None
    )
    assert missing == ["libxcb-keysyms.so.1"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin is Linux's")
def test_a_plugin_that_cannot_load_is_reported_for_real(tmp_path: Path) -> None:
    """A copy of the real plugin away from Qt's libraries cannot find libQt6XcbQpa: the real
    loader and the real ldd report it (in a fresh process, where nothing of Qt is loaded)."""
    plugin = platform_check.xcb_plugin()
    if plugin is None:
        pytest.skip("this PySide6 has no xcb plugin")
    copy = tmp_path / "platforms" / "libqxcb.so"
    copy.parent.mkdir()
    shutil.copy(plugin, copy)
    code = (
        "import sys; from pathlib import Path; from videolab.gui import platform_check as p;"
        f"print(p.problem_line(p.missing_libraries(Path({str(copy)!r}))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "libQt6XcbQpa.so.6" in out
    assert out.startswith("VideoLab cannot open a window")


def test_the_app_prints_the_line_and_exits_instead_of_starting_qt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(platform_check, "wants_xcb", lambda environ=None: True)
    monkeypatch.setattr(platform_check, "xcb_plugin", lambda: Path("/qt/libqxcb.so"))
    monkeypatch.setattr(
        platform_check, "missing_libraries", lambda plugin: ["libxcb-cursor.so.0"]
    )

    def no_qt(*args: object) -> None:
        raise AssertionError("Qt must not start: it would abort with its own message")

    monkeypatch.setattr(gui_app, "make_application", no_qt)
    assert gui_app.main([]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "libxcb-cursor.so.0" in err[0] and "libxcb-cursor0" in err[0]


def test_a_working_plugin_is_not_reported() -> None:
    plugin = platform_check.xcb_plugin()
    if plugin is None:
        pytest.skip("this PySide6 has no xcb plugin")
    assert platform_check.missing_libraries(plugin) == []
