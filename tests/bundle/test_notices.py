"""The licence notice is made from the files a bundle collected, and says plainly when AGPL
code is among them (scripts/build_bundle_notices.py, used by build.spec)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from build_bundle_notices import (
    Component,
    agpl_distributions,
    components,
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
