"""The licence notice is made from the files a bundle collected, and says plainly when AGPL
or GPL code is among them (scripts/build_bundle_notices.py, used by build.spec)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from build_bundle_notices import (
    Component,
    agpl_distributions,
    components,
    gpl_carriers,
    gpl_library,
    is_agpl,
    render,
)


def test_each_collected_file_is_traced_to_the_package_it_came_from(tmp_path: Path) -> None:
    stray = tmp_path / "libstray.so"
    stray.write_bytes(b"\x7fELF")
    found, orphans = components([numpy.__file__, yaml.__file__, str(stray)])
    names = {c.name.lower(): c for c in found}
    assert set(names) == {"numpy", "pyyaml"}
    assert names["numpy"].version == numpy.__version__
    assert any(p.is_file() for p in names["numpy"].licence_files)
    assert orphans == [stray.resolve()]


def test_the_notice_says_plainly_when_agpl_code_is_inside() -> None:
    agpl = Component("ultralytics", "8.4", "AGPL-3.0", "")
    mit = Component("numpy", "2.4", "BSD-3-Clause", "")
    assert is_agpl("AGPL-3.0") and is_agpl("GNU Affero General Public License v3")
    assert not is_agpl("LGPL-3.0-only OR GPL-2.0-only")
    assert agpl_distributions([agpl, mit]) == [agpl]
    full = render("full", [agpl, mit], [])
    assert "CONTAINS CODE LICENSED UNDER THE GNU AFFERO GENERAL PUBLIC LICENSE" in full
    assert "ultralytics 8.4" in full.split("Licence texts")[0]
    cpu = render("cpu", [mit], [])
    assert "This bundle contains no code licensed under the AGPL." in cpu
    assert "AFFERO" not in cpu


def test_gpl_libraries_a_package_carries_are_named_whatever_its_own_licence_says(
    tmp_path: Path,
) -> None:
    # PyAV's wheel says BSD-3-Clause, its FFmpeg says LGPL, and it carries x264 and x265.
    assert gpl_library(Path("av.libs/libx264-d6533a8d.so.165")) is not None
    assert gpl_library(Path("av.libs/libx265-f5385bb8.so.216")) is not None
    assert gpl_library(Path("av.libs/libavcodec-5e6b81c2.so.62.28.102")) is None
    assert gpl_library(Path("x264_notes.txt")) is None
    av = Component("av", "18.1.0", "BSD-3-Clause", "",
                   gpl_libraries=[("libx264-d6533a8d.so.165", "x264 (GPL-2.0-or-later)")])
    mit = Component("numpy", "2.4", "BSD-3-Clause", "")
    assert gpl_carriers([av, mit]) == [av]
    notice = render("cpu", [av, mit], [])
    top = notice.split("Licence texts")[0]
    assert "CONTAINS CODE LICENSED UNDER THE GNU GENERAL PUBLIC LICENSE" in top
    assert "av 18.1.0" in top and "libx264-d6533a8d.so.165" in top
    assert "PyAV issue #2408" in top
    assert "This bundle contains no code licensed under the AGPL." in top
    assert "GNU GENERAL PUBLIC LICENSE" not in render("cpu", [mit], [])


def test_a_collected_gpl_library_is_traced_to_the_wheel_that_carried_it() -> None:
    import av

    libs = Path(av.__file__).resolve().parent.parent / "av.libs"
    x264 = sorted(libs.glob("libx264*"))
    if not x264:
        pytest.skip("this PyAV build carries no x264")
    found, _ = components([av.__file__, str(x264[0])])
    [carrier] = gpl_carriers(found)
    assert carrier.name == "av" and carrier.gpl_libraries[0][0] == x264[0].name


def test_the_notice_lists_the_libraries_a_stub_stands_in_for() -> None:
    mit = Component("numpy", "2.4", "BSD-3-Clause", "")
    notice = render("cpu", [mit], [], {"libx265-f5385bb8.so.216": "x265: never run"})
    top = notice.split("Licence texts")[0]
    assert "Libraries replaced by stubs" in top
    assert "- libx265-f5385bb8.so.216: x265: never run" in top
    assert "Libraries replaced by stubs" not in render("cpu", [mit], [])
